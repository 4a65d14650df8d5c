package io.persistenttimers.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the workloads W1-W6 on the memory, SQLite and PostgreSQL stores, each beside its raw limit
 * measured in the same run, and prints one table of medians and ratios with the machine's settings.
 * Progress goes to stderr, the table to stdout.
 *
 * <pre>java -jar bench/target/persistent-timers-bench.jar --help</pre>
 */
public final class Bench {

  private Bench() {}

  public static void main(String[] args) throws Exception {
    quietLogging();
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Report report = run(options);
    System.out.print(report.render());
  }

  /** Keeps library INFO lines (store opened, engine started) out of the benchmark's output. */
  static void quietLogging() {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
  }

  static Report run(Options o) throws Exception {
    Report report = new Report();
    List<String> machine = new ArrayList<>();
    machine.add(
        String.format(
            Locale.ROOT,
            "Machine: %d cores (availableProcessors), %s %s on %s %s, max heap %,d MB",
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.runtime.version"),
            System.getProperty("os.name"),
            System.getProperty("os.arch"),
            Runtime.getRuntime().maxMemory() / (1024 * 1024)));
    machine.add("JVM args: " + ManagementFactory.getRuntimeMXBean().getInputArguments());
    machine.add(
        String.format(
            Locale.ROOT,
            "Sizes: W1 %,d, W2 %,d, W3 %,d over %d ms (lead %d ms), W4 %,d pending + %,d overdue; %d repetitions"
                + " (medians); %d threads for W1; engine workerThreads %d; PG pool %d",
            o.w1Timers(),
            o.w2Timers(),
            o.w3Timers(),
            o.w3Spread().toMillis(),
            o.w3Lead().toMillis(),
            o.w4Pending(),
            o.w4Overdue(),
            o.repetitions(),
            o.threads(),
            o.workerThreads(),
            o.poolSize()));
    Workloads w = new Workloads(o, report);
    for (String store : o.stores()) {
      try (Target t = open(store, o)) {
        machine.add("Store " + store + ": " + t.settings());
        if (o.workloads().contains("w1")) {
          w.w1(t);
          new BatchWorkloads(o, report, w).w1(t);
        }
        if (o.workloads().contains("w2")) {
          w.w2(t);
        }
        if (o.workloads().contains("w3")) {
          w.w3(t);
        }
      }
      if (o.workloads().contains("w4")) {
        try (Target t = open(store, o)) {
          w.w4(t);
        }
      }
      if (o.workloads().contains("w6")) {
        try (Target t = open(store, o)) {
          new RecoveryBurst(o, report).w6(t);
        }
      }
    }
    if (o.workloads().contains("w5")) {
      List<String> claiming =
          o.stores().stream().filter(s -> s.equals("postgres") || s.equals("mariadb")).toList();
      for (String store : claiming) {
        try (Target t = open(store, o)) {
          w.w5(t);
        }
      }
      if (claiming.isEmpty()) {
        report.note("W5: skipped (needs the postgres or mariadb store)");
      }
    }
    report.note(
        "Values are medians of the repetitions with their (min–max); W4 runs once. Ratios are engine"
            + " / limit of the medians measured in the same run; W3 and W6 show engine minus limit.");
    for (String line : machine) {
      report.note(line);
    }
    return report;
  }

  static Target open(String store, Options o) {
    return switch (store) {
      case "memory" -> new Target.Memory();
      case "sqlite" -> new Target.Sqlite(o.sqliteSynchronous());
      case "postgres", "pg" -> new Target.Postgres(o.pgUrl(), o.poolSize());
      case "mariadb", "mysql" -> new Target.MariaDb(o.mariadbUrl(), o.poolSize());
      default -> throw new IllegalArgumentException("unknown store: " + store);
    };
  }

  static void print(Report report, PrintStream out) {
    out.print(report.render());
  }
}
