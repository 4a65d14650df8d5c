package io.persistenttimers.bench;

import static io.persistenttimers.bench.Report.median;
import static io.persistenttimers.bench.Report.rate;
import static io.persistenttimers.bench.Report.ratio;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.ScheduleRequest;
import io.persistenttimers.Scheduled;
import io.persistenttimers.bench.Report.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * W1 with the batch calls, one thread each: {@code scheduleAll} in batches of 500 beside raw
 * batches of 500 rows (one transaction each), and {@code scheduleAsync} fed by one thread beside
 * one raw transaction per row (what one thread can do synchronously) and raw batches of 500.
 */
final class BatchWorkloads {
  private static final int BATCH = 500;

  private final Options o;
  private final Report report;
  private final Workloads w;

  BatchWorkloads(Options o, Report report, Workloads w) {
    this.o = o;
    this.report = report;
    this.w = w;
  }

  void w1(Target t) throws Exception {
    int n = o.w1Timers();
    int reps = o.repetitions();
    double[] all = new double[reps];
    double[] async = new double[reps];
    double[] row = new double[reps];
    double[] batch = new double[reps];
    for (int r = 0; r < reps; r++) {
      t.reset();
      all[r] = scheduleAll(t, n);
      t.reset();
      async[r] = scheduleAsync(t, n);
      t.reset();
      row[r] = w.w1Raw(t, n, 1, 1);
      t.reset();
      batch[r] = w.w1Raw(t, n, 1, BATCH);
      System.err.printf(
          Locale.ROOT,
          "W1 %s rep %d: scheduleAll %s, scheduleAsync %s, raw per row %s, raw batch %s%n",
          t.name,
          r + 1,
          rate(all[r]),
          rate(async[r]),
          rate(row[r]),
          rate(batch[r]));
    }
    t.reset();
    double a = median(all);
    double f = median(async);
    double lr = median(row);
    double lb = median(batch);
    String rowName = t.isSql() ? "raw INSERT, 1 tx/row" : "raw store.insert";
    String batchName =
        t.isSql() ? "raw INSERT, batches of " + BATCH : "raw store.writeAll(" + BATCH + ")";
    String allMeasure = "scheduleAll " + n + " in " + BATCH + "s, 1 thread";
    report.add(
        new Row("W1", t.name, allMeasure, rate(a), batchName, rate(lb), ratio(a / lb), "", ""));
    String asyncMeasure = "scheduleAsync " + n + ", 1 feeder";
    report.add(
        new Row("W1", t.name, asyncMeasure, rate(f), rowName, rate(lr), ratio(f / lr), "", ""));
    report.add(
        new Row("W1", t.name, asyncMeasure, rate(f), batchName, rate(lb), ratio(f / lb), "", ""));
  }

  private double scheduleAll(Target t, int n) throws Exception {
    try (PersistentTimer timer = w.engine(t, ctx -> {}).build()) {
      timer.start();
      long start = System.nanoTime();
      for (int from = 0; from < n; from += BATCH) {
        List<ScheduleRequest> requests = new ArrayList<>(BATCH);
        for (int i = from; i < Math.min(n, from + BATCH); i++) {
          requests.add(ScheduleRequest.after(Duration.ofHours(1), Workloads.spec("w1-" + i, i)));
        }
        timer.scheduleAll(requests);
      }
      return n / ((System.nanoTime() - start) / 1e9);
    }
  }

  private double scheduleAsync(Target t, int n) throws Exception {
    try (PersistentTimer timer = w.engine(t, ctx -> {}).build()) {
      timer.start();
      long start = System.nanoTime();
      List<CompletableFuture<Scheduled>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        futures.add(
            timer.scheduleAsync(
                ScheduleRequest.after(Duration.ofHours(1), Workloads.spec("w1-" + i, i))));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      return n / ((System.nanoTime() - start) / 1e9);
    }
  }
}
