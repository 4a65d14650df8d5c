package io.persistenttimers.bench;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.bench.Report.Row;
import io.persistenttimers.store.postgres.PostgresStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * The scale workload (not part of the test run): millions of pending timers bulk-loaded with {@code
 * COPY} into a PostgreSQL schema the store's migration created, then an engine's start, heap,
 * lateness, fire rate and participant calls over that table, each beside the same figure over a
 * small table measured first in the same run, and multi-node drains of 2 and 4 engines.
 *
 * <pre>java -cp bench/target/persistent-timers-bench.jar io.persistenttimers.bench.Scale --help
 * </pre>
 */
public final class Scale {

  private Scale() {}

  public static void main(String[] args) throws Exception {
    Bench.quietLogging();
    ScaleSettings settings;
    try {
      settings = ScaleSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    System.out.print(run(settings).render());
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, format + "%n", args);
  }

  static Report run(ScaleSettings s) throws Exception {
    Report report = new Report();
    ScaleProbe probe = new ScaleProbe(s);
    ScaleTable table = new ScaleTable(s.pgUrl());
    int small = s.baseline();
    int large = s.timers();
    try (PostgresStore store = table.store(s.pool(), true);
        PersistentTimer proto =
            PersistentTimer.builder(store)
                .register(Workloads.TYPE, CallbackFactory.of(ctx -> {}))
                .build()) {
      TimerRecord template = proto.prepareAfter(Duration.ofHours(1), Workloads.spec("t-0", 0));
      // Pending timers from one hour to a year ahead: none is due within the engine's horizon, so
      // what the engine loads and arms is the same at both sizes; only the table differs.
      Instant base = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
      long year = Duration.ofDays(365).toMillis();

      log("Scale: loading %,d pending timers into %s", small, table.table);
      int smallParticipants = Math.max(1, small / 10);
      long t0 = System.nanoTime();
      table.copy(
          template,
          0,
          small,
          i -> "a-" + (1_000_000_000L + i),
          i -> "pa-" + (i % smallParticipants),
          i -> base.plusMillis(year * i / small));
      table.analyze();
      log("  loaded in %.1f s", (System.nanoTime() - t0) / 1e9);
      // The first engine of a JVM pays class loading and JIT: a short round first, not reported.
      new ScaleProbe(
              new ScaleSettings(
                  s.timers(),
                  small,
                  200,
                  Duration.ofSeconds(1),
                  2_000,
                  s.drain(),
                  1,
                  20,
                  s.workers(),
                  s.pool(),
                  s.pgUrl()))
          .measure(store, "pa-", smallParticipants);
      ScaleProbe.Figures a = probe.measure(store, "pa-", smallParticipants);

      int rest = large - small;
      int largeParticipants = Math.max(1, rest / 10);
      log("Scale: loading %,d more (%,d in all)", rest, large);
      long l0 = System.nanoTime();
      List<String> indexes = table.dropSecondaryIndexes();
      table.copy(
          template,
          0,
          rest,
          i -> "z-" + (1_000_000_000L + i),
          i -> "pz-" + (i % largeParticipants),
          i -> base.plusMillis(year * i / rest));
      double copySeconds = (System.nanoTime() - l0) / 1e9;
      long i0 = System.nanoTime();
      table.createIndexes(indexes, "512MB");
      double indexSeconds = (System.nanoTime() - i0) / 1e9;
      long a0 = System.nanoTime();
      table.analyze();
      double analyzeSeconds = (System.nanoTime() - a0) / 1e9;
      log(
          "  COPY %.1f s, %d indexes rebuilt in %.1f s, ANALYZE %.1f s",
          copySeconds, indexes.size(), indexSeconds, analyzeSeconds);
      List<String> sizes = table.sizes();
      sizes.forEach(line -> log("  %s", line));
      ScaleProbe.Figures b = probe.measure(store, "pz-", largeParticipants);

      rows(report, a, b, small, large, s);
      String participant = "pz-" + (largeParticipants / 2);
      List<String> plans = new java.util.ArrayList<>(explain(table, participant, "", false));
      for (int r = 0; r < s.drainReps(); r++) {
        double two = Double.NaN;
        for (int engines : new int[] {2, 4}) {
          log("Scale: %d engines drain %,d due timers", engines, s.drain());
          ScaleProbe.Drain d =
              probe.drain(table, template, engines, s.drain(), "d" + r + engines + "-");
          log(
              "  %.0f/s, split %s, dup %d, missing %d",
              d.rate(), d.split(), d.duplicates(), d.missing());
          report.add(
              new Row(
                  "Scale",
                  "postgres",
                  String.format(
                      Locale.ROOT,
                      "%d multi-node engines drain %,d due, %,d pending (split %s, dup %d,"
                          + " missing %d)",
                      engines,
                      s.drain(),
                      large,
                      d.split(),
                      d.duplicates(),
                      d.missing()),
                  Report.rate(d.rate()),
                  engines == 2 ? "" : "2 engines, same run",
                  engines == 2 ? "" : Report.rate(two),
                  engines == 2 ? "" : Report.ratio(d.rate() / two),
                  engines == 2 ? "" : "≥ 1.00×",
                  d.duplicates() != 0 || d.missing() != 0
                      ? "dup/missing!"
                      : engines == 2 ? "" : Report.verdict(d.rate() >= two)));
          two = d.rate();
        }
      }
      // What the drains' deletions leave for the due scans until (auto)vacuum comes, and after it.
      plans.addAll(explain(table, participant, ", after the drains, before VACUUM", true));
      long v0 = System.nanoTime();
      table.vacuumAnalyze();
      double vacuumSeconds = (System.nanoTime() - v0) / 1e9;
      log("  VACUUM ANALYZE after the drains: %.1f s", vacuumSeconds);
      plans.addAll(explain(table, participant, ", after VACUUM ANALYZE", true));
      report.note(
          String.format(
              Locale.ROOT,
              "VACUUM ANALYZE after the drains' %,d deletions: %.1f s",
              s.drain() * 2 * s.drainReps(),
              vacuumSeconds));

      report.note(
          String.format(
              Locale.ROOT,
              "Load of %,d rows: COPY %.1f s (%,.0f rows/s) with the secondary indexes dropped,"
                  + " %d indexes rebuilt in %.1f s (maintenance_work_mem 512MB), ANALYZE %.1f s",
              rest,
              copySeconds,
              rest / copySeconds,
              indexes.size(),
              indexSeconds,
              analyzeSeconds));
      sizes.forEach(
          line -> report.note("At " + String.format(Locale.ROOT, "%,d", large) + ": " + line));
      plans.forEach(report::note);
      report.note(machine(s) + "; " + table.settings());
    } finally {
      table.close();
    }
    return report;
  }

  private static void rows(
      Report report,
      ScaleProbe.Figures a,
      ScaleProbe.Figures b,
      int small,
      int large,
      ScaleSettings s) {
    String vs = String.format(Locale.ROOT, "same, %,d pending", small);
    String at = String.format(Locale.ROOT, ", %,d pending", large);
    add(
        report,
        "ready (start() returns)" + at,
        Report.ms(b.readyMs()),
        vs,
        Report.ms(a.readyMs()),
        Report.ratio(b.readyMs() / a.readyMs()),
        "≤ 1,000 ms",
        b.readyMs() <= 1000);
    add(
        report,
        "heap growth after GC (" + b.armed() + " armed)" + at,
        String.format(Locale.ROOT, "%.1f MB", b.heapGrowthMb()),
        vs,
        String.format(Locale.ROOT, "%.1f MB", a.heapGrowthMb()),
        Report.delta(b.heapGrowthMb() - a.heapGrowthMb()).replace("ms", "MB"),
        "≤ small + 16 MB",
        b.heapGrowthMb() <= a.heapGrowthMb() + 16);
    String[] names = {"p50", "p99", "max"};
    double[] slack = {1, 5, Double.NaN};
    for (int k = 0; k < 3; k++) {
      boolean targeted = !Double.isNaN(slack[k]);
      add(
          report,
          String.format(
              Locale.ROOT,
              "lateness %s, %,d due over %d s%s",
              names[k],
              s.due(),
              s.dueOver().toSeconds(),
              at),
          Report.ms(b.lateness()[k]),
          vs,
          Report.ms(a.lateness()[k]),
          Report.delta(b.lateness()[k] - a.lateness()[k]),
          targeted ? "≤ small + " + Report.ms(slack[k]) : "",
          targeted ? b.lateness()[k] <= a.lateness()[k] + slack[k] : null);
    }
    add(
        report,
        String.format(
            Locale.ROOT,
            "fire %,d due at one instant (dup %d, missing %d, stored late %d)%s",
            s.burst(),
            b.duplicates() + a.duplicates(),
            b.missing() + a.missing(),
            b.lateStored() + a.lateStored(),
            at),
        Report.rate(b.burstRate()),
        vs,
        Report.rate(a.burstRate()),
        Report.ratio(b.burstRate() / a.burstRate()),
        "",
        null);
    String median = String.format(Locale.ROOT, " (median of %d calls, 10 timers each)", s.calls());
    add(
        report,
        "listByParticipant" + median + at,
        Report.ms(b.listMs()),
        vs,
        Report.ms(a.listMs()),
        Report.ratio(b.listMs() / a.listMs()),
        "≤ 5 ms",
        b.listMs() <= 5);
    add(
        report,
        "count(participant)" + median + at,
        Report.ms(b.countMs()),
        vs,
        Report.ms(a.countMs()),
        Report.ratio(b.countMs() / a.countMs()),
        "≤ 5 ms",
        b.countMs() <= 5);
    add(
        report,
        "cancelByParticipant" + median + at,
        Report.ms(b.cancelMs()),
        vs,
        Report.ms(a.cancelMs()),
        Report.ratio(b.cancelMs() / a.cancelMs()),
        "≤ 5 ms",
        b.cancelMs() <= 5);
    add(
        report,
        "count(all) (median of 3)" + at,
        Report.ms(b.countAllMs()),
        vs,
        Report.ms(a.countAllMs()),
        Report.ratio(b.countAllMs() / a.countAllMs()),
        "",
        null);
  }

  private static void add(
      Report report,
      String measure,
      String engine,
      String limitName,
      String limit,
      String ratio,
      String target,
      Boolean met) {
    report.add(
        new Row(
            "Scale",
            "postgres",
            measure,
            engine,
            limitName,
            limit,
            ratio,
            target,
            met == null ? "" : Report.verdict(met)));
  }

  /** The plans of the statements the store runs for a participant and for due timers. */
  private static List<String> explain(
      ScaleTable table, String participant, String when, boolean dueOnly) throws Exception {
    String t = table.table;
    String horizon = "'" + Instant.now().plus(Duration.ofMinutes(5)) + "'";
    String[][] statements = {
      {
        "listByParticipant",
        "SELECT * FROM "
            + t
            + " WHERE participant_id = '"
            + participant
            + "' ORDER BY next_fire_at, id LIMIT 2147483647"
      },
      {
        "count(participant)",
        "SELECT COUNT(*) FROM " + t + " WHERE participant_id = '" + participant + "'"
      },
      {
        "engine load (due within the horizon)",
        "SELECT * FROM "
            + t
            + " WHERE status = 'ACTIVE'"
            + " AND next_fire_at < "
            + horizon
            + " ORDER BY next_fire_at, id"
            + " LIMIT 100000"
      },
      {
        "multi-node claim (its SELECT)",
        "SELECT id FROM "
            + t
            + " WHERE status = 'ACTIVE' AND"
            + " next_fire_at < now() + interval '2 seconds' AND (owner IS NULL OR owner = 'n'"
            + " OR lease_until < now()) ORDER BY next_fire_at, id LIMIT 500 FOR UPDATE SKIP LOCKED"
      }
    };
    List<String> out = new java.util.ArrayList<>();
    for (String[] statement : statements) {
      if (dueOnly && statement[0].toLowerCase(Locale.ROOT).contains("participant")) {
        continue;
      }
      out.add("EXPLAIN (ANALYZE, BUFFERS) " + statement[0] + when + ":");
      for (String line : table.explain(statement[1])) {
        out.add("    " + line);
      }
    }
    return out;
  }

  private static String machine(ScaleSettings s) {
    return String.format(
        Locale.ROOT,
        "Machine: %d cores, %s %s, max heap %,d MB; engine workerThreads %d, pool %d",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        s.workers(),
        s.pool());
  }
}
