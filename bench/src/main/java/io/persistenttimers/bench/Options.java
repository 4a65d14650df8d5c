package io.persistenttimers.bench;

import io.persistenttimers.store.sqlite.SqliteStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of {@link Bench}; every size is a parameter so a smoke test can shrink it.
 */
record Options(
    List<String> stores,
    List<String> workloads,
    int repetitions,
    int w1Timers,
    int w2Timers,
    int w3Timers,
    Duration w3Spread,
    Duration w3Lead,
    int w4Pending,
    int w4Overdue,
    int threads,
    int workerThreads,
    int poolSize,
    String pgUrl,
    String mariadbUrl,
    SqliteStore.Synchronous sqliteSynchronous,
    Recovery w6) {

  /**
   * W6 sizes: {@code slow} overdue timers with 50-200 ms callbacks recovered at start, {@code fast}
   * quick timers due uniformly over the first {@code windowMillis} after start.
   */
  record Recovery(int slow, int fast, int windowMillis) {}

  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -jar bench/target/persistent-timers-bench.jar [options]",
          "  --stores memory,sqlite,postgres,mariadb   stores to run (default all four)",
          "  --workloads w1,w2,w3,w4,w5,w6     workloads to run (default all)",
          "  --reps N      repetitions of W1-W3, W5, W6: medians (min-max) reported (default 3)",
          "  --w1 N        timers scheduled in W1 (default 10000)",
          "  --w2 N        timers due at start in W2 (default 10000)",
          "  --w3 N        timers in W3 (default 2000), --w3-spread-ms (default 10000),",
          "                --w3-lead-ms before the first is due (default 2000)",
          "  --w4 N        pending timers in W4 (default 1000000), --w4-overdue N (default 10000);",
          "                --w4 issue: issue 16's restart, 50000 pending + 2000 overdue",
          "                W5 with the library's multi-node defaults: java -Dbench.w5.defaults=true",
          "  --w6 N        W6: overdue timers with 50-200 ms callbacks at restart (default 200),",
          "                --w6-fast N quick timers due during the first --w6-window-ms after start",
          "                (defaults 500 and 2000)",
          "  --threads N   the multi-threaded case of W1 (default 8)",
          "  --workers N   engine worker threads, also the executor size of the limits (default 16)",
          "  --pool N      PostgreSQL and MariaDB store pool size (default 8)",
          "  --sqlite-synchronous FULL|NORMAL  (default FULL)",
          "  --pg-url URL  (default $TIMERS_PG_URL or jdbc:postgresql://127.0.0.1:5432/test?user=postgres)",
          "  --mariadb-url URL  (default $TIMERS_MARIADB_BENCH_URL or"
              + " jdbc:mariadb://127.0.0.1:3306/test?user=root)");

  static Options defaults() {
    String url = System.getenv("TIMERS_PG_URL");
    String mariadb = System.getenv("TIMERS_MARIADB_BENCH_URL");
    return new Options(
        List.of("memory", "sqlite", "postgres", "mariadb"),
        List.of("w1", "w2", "w3", "w4", "w5", "w6"),
        3,
        10_000,
        10_000,
        2_000,
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        1_000_000,
        10_000,
        8,
        16,
        8,
        url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : url,
        mariadb == null || mariadb.isBlank()
            ? "jdbc:mariadb://127.0.0.1:3306/test?user=root"
            : mariadb,
        SqliteStore.Synchronous.FULL,
        new Recovery(200, 500, 2_000));
  }

  static Options parse(String... args) {
    Options o = defaults();
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (key.equals("-h") || key.equals("--help")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + key + "\n" + USAGE);
      }
      String v = args[++i];
      o =
          switch (key) {
            case "--stores" -> o.with(list(v), o.workloads, o.repetitions);
            case "--workloads" -> o.with(o.stores, list(v), o.repetitions);
            case "--reps" -> o.with(o.stores, o.workloads, positive(key, v));
            case "--w1" ->
                o.sizes(positive(key, v), o.w2Timers, o.w3Timers, o.w4Pending, o.w4Overdue);
            case "--w2" ->
                o.sizes(o.w1Timers, positive(key, v), o.w3Timers, o.w4Pending, o.w4Overdue);
            case "--w3" ->
                o.sizes(o.w1Timers, o.w2Timers, positive(key, v), o.w4Pending, o.w4Overdue);
            case "--w4" ->
                v.equals("issue")
                    ? o.sizes(o.w1Timers, o.w2Timers, o.w3Timers, 50_000, 2_000)
                    : o.sizes(o.w1Timers, o.w2Timers, o.w3Timers, positive(key, v), o.w4Overdue);
            case "--w4-overdue" ->
                o.sizes(o.w1Timers, o.w2Timers, o.w3Timers, o.w4Pending, positive(key, v));
            case "--w3-spread-ms" -> o.w3(Duration.ofMillis(positive(key, v)), o.w3Lead);
            case "--w3-lead-ms" -> o.w3(o.w3Spread, Duration.ofMillis(positive(key, v)));
            case "--threads" -> o.threads(positive(key, v), o.workerThreads, o.poolSize);
            case "--workers" -> o.threads(o.threads, positive(key, v), o.poolSize);
            case "--pool" -> o.threads(o.threads, o.workerThreads, positive(key, v));
            case "--pg-url" -> o.connections(v, o.mariadbUrl, o.sqliteSynchronous);
            case "--mariadb-url" -> o.connections(o.pgUrl, v, o.sqliteSynchronous);
            case "--w6" ->
                o.recovery(new Recovery(positive(key, v), o.w6.fast(), o.w6.windowMillis()));
            case "--w6-fast" ->
                o.recovery(new Recovery(o.w6.slow(), positive(key, v), o.w6.windowMillis()));
            case "--w6-window-ms" ->
                o.recovery(new Recovery(o.w6.slow(), o.w6.fast(), positive(key, v)));
            case "--sqlite-synchronous" ->
                o.connections(
                    o.pgUrl, o.mariadbUrl, SqliteStore.Synchronous.valueOf(v.toUpperCase()));
            default -> throw new IllegalArgumentException("unknown option " + key + "\n" + USAGE);
          };
    }
    return o;
  }

  private static List<String> list(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim().toLowerCase());
      }
    }
    return List.copyOf(out);
  }

  private static int positive(String key, String v) {
    int n = Integer.parseInt(v);
    if (n < 1) {
      throw new IllegalArgumentException(key + " must be >= 1: " + v);
    }
    return n;
  }

  Options with(List<String> stores, List<String> workloads, int reps) {
    return new Options(
        stores,
        workloads,
        reps,
        w1Timers,
        w2Timers,
        w3Timers,
        w3Spread,
        w3Lead,
        w4Pending,
        w4Overdue,
        threads,
        workerThreads,
        poolSize,
        pgUrl,
        mariadbUrl,
        sqliteSynchronous,
        w6);
  }

  Options sizes(int w1, int w2, int w3, int w4, int w4o) {
    return new Options(
        stores,
        workloads,
        repetitions,
        w1,
        w2,
        w3,
        w3Spread,
        w3Lead,
        w4,
        w4o,
        threads,
        workerThreads,
        poolSize,
        pgUrl,
        mariadbUrl,
        sqliteSynchronous,
        w6);
  }

  Options w3(Duration spread, Duration lead) {
    return new Options(
        stores,
        workloads,
        repetitions,
        w1Timers,
        w2Timers,
        w3Timers,
        spread,
        lead,
        w4Pending,
        w4Overdue,
        threads,
        workerThreads,
        poolSize,
        pgUrl,
        mariadbUrl,
        sqliteSynchronous,
        w6);
  }

  Options threads(int t, int workers, int pool) {
    return new Options(
        stores,
        workloads,
        repetitions,
        w1Timers,
        w2Timers,
        w3Timers,
        w3Spread,
        w3Lead,
        w4Pending,
        w4Overdue,
        t,
        workers,
        pool,
        pgUrl,
        mariadbUrl,
        sqliteSynchronous,
        w6);
  }

  Options connections(String url, String mariadbUrl, SqliteStore.Synchronous sync) {
    return new Options(
        stores,
        workloads,
        repetitions,
        w1Timers,
        w2Timers,
        w3Timers,
        w3Spread,
        w3Lead,
        w4Pending,
        w4Overdue,
        threads,
        workerThreads,
        poolSize,
        url,
        mariadbUrl,
        sync,
        w6);
  }

  Options recovery(Recovery sizes) {
    return new Options(
        stores,
        workloads,
        repetitions,
        w1Timers,
        w2Timers,
        w3Timers,
        w3Spread,
        w3Lead,
        w4Pending,
        w4Overdue,
        threads,
        workerThreads,
        poolSize,
        pgUrl,
        mariadbUrl,
        sqliteSynchronous,
        sizes);
  }
}
