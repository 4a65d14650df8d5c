package io.persistenttimers.bench;

import java.time.Duration;
import java.util.List;

/** Command-line settings; every size can shrink for a quick run or a smoke test. */
record ScaleSettings(
    int timers,
    int baseline,
    int due,
    Duration dueOver,
    int burst,
    int drain,
    int drainReps,
    int calls,
    int workers,
    int pool,
    String pgUrl) {

  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -cp bench/target/persistent-timers-bench.jar io.persistenttimers.bench.Scale"
              + " [options]",
          "  --timers N      pending timers in the large table (default 10000000)",
          "  --baseline N    pending timers in the small table measured first (default 50000)",
          "  --due N         timers scheduled due over --due-over-s seconds (defaults 5000, 30)",
          "  --burst N       timers due at one instant, for the fire rate (default 10000)",
          "  --drain N       due timers drained by 2 and by 4 multi-node engines (default 100000)",
          "  --drain-reps N  repetitions of the 2- and 4-engine drains (default 1)",
          "  --calls N       participant calls timed, medians reported (default 200)",
          "  --workers N     engine worker threads (default 16)",
          "  --pool N        store pool size per engine (default 8)",
          "  --pg-url URL    (default $TIMERS_PG_URL or"
              + " jdbc:postgresql://127.0.0.1:5432/test?user=postgres)");

  static ScaleSettings parse(String... args) {
    String url = System.getenv("TIMERS_PG_URL");
    int[] v = {10_000_000, 50_000, 5_000, 30, 10_000, 100_000, 1, 200, 16, 8};
    String[] keys = {
      "--timers",
      "--baseline",
      "--due",
      "--due-over-s",
      "--burst",
      "--drain",
      "--drain-reps",
      "--calls",
      "--workers",
      "--pool"
    };
    if (url == null || url.isBlank()) {
      url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    }
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (key.equals("-h") || key.equals("--help")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + key + "\n" + USAGE);
      }
      String value = args[++i];
      if (key.equals("--pg-url")) {
        url = value;
        continue;
      }
      int k = List.of(keys).indexOf(key);
      if (k < 0) {
        throw new IllegalArgumentException("unknown option " + key + "\n" + USAGE);
      }
      int n = Integer.parseInt(value);
      if (n < 1) {
        throw new IllegalArgumentException(key + " must be >= 1: " + value);
      }
      v[k] = n;
    }
    if (v[1] > v[0]) {
      throw new IllegalArgumentException(
          "--baseline must not exceed --timers: " + v[1] + " > " + v[0]);
    }
    return new ScaleSettings(
        v[0], v[1], v[2], Duration.ofSeconds(v[3]), v[4], v[5], v[6], v[7], v[8], v[9], url);
  }
}
