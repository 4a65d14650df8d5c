package io.persistenttimers.bench;

import static io.persistenttimers.bench.Report.median;
import static io.persistenttimers.bench.Report.ms;
import static io.persistenttimers.bench.Report.percentile;
import static io.persistenttimers.bench.Report.rate;
import static io.persistenttimers.bench.Report.ratio;
import static io.persistenttimers.bench.Report.verdict;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.bench.Report.Row;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/** The workloads W1-W4; each measures the engine and its raw limits in the same run. */
final class Workloads {
  static final String TYPE = "bench";
  static final String PARAMS = "{\"text\":\"How did it go?\",\"step\":3}";
  private static final int RAW_BATCH = 500;

  private final Options o;
  private final Report report;

  Workloads(Options o, Report report) {
    this.o = o;
    this.report = report;
  }

  static TimerSpec spec(String id, int i) {
    return TimerSpec.of(TYPE, "participant-" + (i % 1000))
        .id(id)
        .flowType("bench_flow")
        .params(PARAMS);
  }

  private static String pct(double value) {
    return String.format(Locale.ROOT, "%.0f%%", value * 100);
  }

  private static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, format + "%n", args);
  }

  PersistentTimer.Builder engine(Target t, TimerCallback callback) {
    return PersistentTimer.builder(t.store())
        .workerThreads(o.workerThreads())
        .register(TYPE, CallbackFactory.of(callback));
  }

  /** Records the engine's own validation would produce, for raw inserts (built untimed). */
  private List<TimerRecord> records(Target t, int n, IntFunction<Instant> due, String prefix) {
    try (PersistentTimer proto = engine(t, ctx -> {}).build()) {
      List<TimerRecord> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(proto.prepareAt(due.apply(i), spec(prefix + i, i)));
      }
      return out;
    }
  }

  /** Runs {@code body(thread)} on {@code threads} threads released together; returns seconds. */
  private static double timed(int threads, ThrowingIntConsumer body) throws Exception {
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    AtomicLong end = new AtomicLong();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int k = 0; k < threads; k++) {
      int thread = k;
      Thread th =
          new Thread(
              () -> {
                try {
                  ready.countDown();
                  go.await();
                  body.accept(thread);
                } catch (Throwable e) {
                  errors.add(e);
                }
              },
              "bench-" + k);
      th.start();
      started.add(th);
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    for (Thread th : started) {
      th.join();
    }
    end.set(System.nanoTime());
    if (!errors.isEmpty()) {
      throw new IllegalStateException("benchmark thread failed", errors.get(0));
    }
    return (end.get() - start) / 1e9;
  }

  @FunctionalInterface
  interface ThrowingIntConsumer {
    void accept(int value) throws Exception;
  }

  // --- W1 schedule -----------------------------------------------------------------------------

  void w1(Target t) throws Exception {
    int n = o.w1Timers();
    int[] threadCounts = o.threads() == 1 ? new int[] {1} : new int[] {1, o.threads()};
    int reps = o.repetitions();
    double[][] eng = new double[threadCounts.length][reps];
    double[][] row = new double[threadCounts.length][reps];
    double[][] batch = new double[threadCounts.length][reps];
    for (int r = 0; r < reps; r++) {
      for (int c = 0; c < threadCounts.length; c++) {
        int tc = threadCounts[c];
        t.reset();
        eng[c][r] = w1Engine(t, n, tc);
        t.reset();
        row[c][r] = w1Raw(t, n, tc, 1);
        t.reset();
        batch[c][r] = w1Raw(t, n, tc, RAW_BATCH);
        log(
            "W1 %s rep %d, %d thread(s): engine %s, raw per row %s, raw batch %s",
            t.name, r + 1, tc, rate(eng[c][r]), rate(row[c][r]), rate(batch[c][r]));
      }
    }
    t.reset();
    for (int c = 0; c < threadCounts.length; c++) {
      int tc = threadCounts[c];
      double e = median(eng[c]);
      double lr = median(row[c]);
      double lb = median(batch[c]);
      String measure = "schedule " + n + ", " + tc + " thread" + (tc == 1 ? "" : "s");
      boolean targeted = tc >= 8 && t.isSql();
      String rowName = t.isSql() ? "raw INSERT, 1 tx/row" : "raw store.insert";
      String batchName =
          t.isSql()
              ? "raw INSERT, batches of " + RAW_BATCH
              : "raw store.writeAll(" + RAW_BATCH + ")";
      report.add(
          new Row(
              "W1",
              t.name,
              measure,
              Spread.of(eng[c]).rate(),
              rowName,
              Spread.of(row[c]).rate(),
              ratio(e / lr),
              targeted ? "≥ 4.00×" : "",
              targeted ? verdict(e / lr >= 4) : ""));
      report.add(
          new Row(
              "W1",
              t.name,
              measure,
              Spread.of(eng[c]).rate(),
              batchName,
              Spread.of(batch[c]).rate(),
              ratio(e / lb),
              "",
              ""));
    }
  }

  private double w1Engine(Target t, int n, int threads) throws Exception {
    try (PersistentTimer timer = engine(t, ctx -> {}).build()) {
      timer.start();
      double seconds =
          timed(
              threads,
              k -> {
                for (int i = k; i < n; i += threads) {
                  timer.scheduleAfter(Duration.ofHours(1), spec("w1-" + i, i));
                }
              });
      return n / seconds;
    }
  }

  double w1Raw(Target t, int n, int threads, int batchSize) throws Exception {
    Instant due = Instant.now().plus(Duration.ofHours(1));
    List<TimerRecord> recs = records(t, n, i -> due, "w1-");
    if (!t.isSql()) {
      double seconds =
          timed(
              threads,
              k -> {
                List<Write> pending = new ArrayList<>();
                for (int i = k; i < n; i += threads) {
                  if (batchSize == 1) {
                    t.store().writeAll(List.of(Write.insert(recs.get(i))));
                  } else {
                    pending.add(new Write.Insert(recs.get(i)));
                    if (pending.size() == batchSize) {
                      t.store().writeAll(pending);
                      pending = new ArrayList<>();
                    }
                  }
                }
                if (!pending.isEmpty()) {
                  t.store().writeAll(pending);
                }
              });
      return n / seconds;
    }
    // SQLite allows one writer at a time: concurrent raw writers share one connection under a lock
    // (what the store does too); busy-waiting on separate connections would only flatter the
    // engine.
    List<Connection> connections = new ArrayList<>();
    int connectionCount = t.singleWriter() ? 1 : threads;
    for (int k = 0; k < connectionCount; k++) {
      Connection c = t.connect();
      c.setAutoCommit(batchSize == 1);
      connections.add(c);
    }
    ReentrantLock lock = new ReentrantLock();
    String sql = t.insertSql();
    try {
      double seconds =
          timed(
              threads,
              k -> {
                Connection c = connections.get(t.singleWriter() ? 0 : k);
                List<TimerRecord> mine = new ArrayList<>();
                for (int i = k; i < n; i += threads) {
                  mine.add(recs.get(i));
                }
                for (int from = 0; from < mine.size(); from += batchSize) {
                  List<TimerRecord> chunk =
                      mine.subList(from, Math.min(mine.size(), from + batchSize));
                  if (t.singleWriter()) {
                    lock.lock();
                  }
                  try (PreparedStatement ps = c.prepareStatement(sql)) {
                    if (batchSize == 1) {
                      t.bind(ps, chunk.get(0));
                      ps.executeUpdate();
                    } else {
                      for (TimerRecord rec : chunk) {
                        t.bind(ps, rec);
                        ps.addBatch();
                      }
                      ps.executeBatch();
                      c.commit();
                    }
                  } finally {
                    if (t.singleWriter()) {
                      lock.unlock();
                    }
                  }
                }
              });
      return n / seconds;
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  // --- W2 fire ---------------------------------------------------------------------------------

  void w2(Target t) throws Exception {
    int n = o.w2Timers();
    int reps = o.repetitions();
    double[] eng = new double[reps];
    double[] del = new double[reps];
    double[] stpe = new double[reps];
    long duplicates = 0;
    long missing = 0;
    for (int r = 0; r < reps; r++) {
      t.reset();
      long[] dm = new long[2];
      eng[r] = w2Engine(t, n, dm);
      duplicates += dm[0];
      missing += dm[1];
      if (t.isSql()) {
        t.reset();
        del[r] = w2DeleteReturning(t, n);
      }
      stpe[r] = w2Executor(n);
      log(
          "W2 %s rep %d: engine %s (dup %d, missing %d), DELETE RETURNING %s, STPE %s",
          t.name,
          r + 1,
          rate(eng[r]),
          dm[0],
          dm[1],
          t.isSql() ? rate(del[r]) : "n/a",
          rate(stpe[r]));
    }
    t.reset();
    double e = median(eng);
    String measure =
        "fire " + n + " due at start (dup " + duplicates + ", missing " + missing + ")";
    if (t.isSql()) {
      double d = median(del);
      report.add(
          new Row(
              "W2",
              t.name,
              measure,
              Spread.of(eng).rate(),
              "raw DELETE…RETURNING, batches of " + RAW_BATCH,
              Spread.of(del).rate(),
              ratio(e / d),
              "≥ " + pct(0.35),
              verdict(e / d >= 0.35 && duplicates == 0 && missing == 0)));
    }
    double s = median(stpe);
    report.add(
        new Row(
            "W2",
            t.name,
            measure,
            Spread.of(eng).rate(),
            "bare STPE(" + o.workerThreads() + ")",
            Spread.of(stpe).rate(),
            ratio(e / s),
            "",
            missing == 0 && duplicates == 0 ? "" : "dup/missing!"));
  }

  private double w2Engine(Target t, int n, long[] dupMissing) throws Exception {
    Instant due = Instant.now().minusSeconds(1);
    t.bulkLoad(records(t, n, i -> due, "w2-").iterator());
    AtomicIntegerArray calls = new AtomicIntegerArray(n);
    CountDownLatch completed = new CountDownLatch(n);
    AtomicLong lastCompleted = new AtomicLong();
    TimerListener listener =
        new TimerListener() {
          @Override
          public void onFired(TimerRecord timer, Duration lateness) {
            lastCompleted.set(System.nanoTime());
            completed.countDown();
          }
        };
    try (PersistentTimer timer =
        engine(t, ctx -> calls.incrementAndGet(index(ctx.timerId())))
            .overdueFiresPerSecond(0)
            .listener(listener)
            .build()) {
      long start = System.nanoTime();
      timer.start();
      if (!completed.await(Math.max(10, n / 200), TimeUnit.SECONDS)) {
        var stats = timer.stats();
        log(
            "W2 %s: only %d of %d completed in time; engine still holds %d armed (all past due) and %d"
                + " running",
            t.name, n - completed.getCount(), n, stats.armed(), stats.running());
        report.note(
            "W2 "
                + t.name
                + ": "
                + completed.getCount()
                + " timers never fired; "
                + stats.armed()
                + " stayed armed although past due (lost wake-up)");
      }
      long end = completed.getCount() == 0 ? lastCompleted.get() : System.nanoTime();
      // Give stragglers (a duplicate fire) a moment to show up before counting.
      Thread.sleep(100);
      for (int i = 0; i < n; i++) {
        int c = calls.get(i);
        if (c == 0) {
          dupMissing[1]++;
        } else if (c > 1) {
          dupMissing[0] += c - 1;
        }
      }
      return (n - completed.getCount()) / ((end - start) / 1e9);
    }
  }

  // --- W5 two engines on one claiming store (PostgreSQL, MariaDB) ----------------------------

  /**
   * Two engines in multi-node mode share one schema; {@code n} timers are already due (unowned)
   * when both start. Fires/s until every timer fired, duplicates, and each node's share; limit: the
   * raw {@code DELETE … RETURNING} rate measured in the same run.
   */
  private static final boolean W5_DEFAULTS = Boolean.getBoolean("bench.w5.defaults");

  void w5(Target t) throws Exception {
    int n = o.w2Timers();
    int reps = o.repetitions();
    double[] eng = new double[reps];
    double[] del = new double[reps];
    long duplicates = 0;
    long missing = 0;
    String shares = "";
    for (int r = 0; r < reps; r++) {
      t.reset();
      Instant due = Instant.now().minusSeconds(1);
      t.bulkLoad(records(t, n, i -> due, "w5-").iterator());
      AtomicIntegerArray calls = new AtomicIntegerArray(n);
      AtomicInteger firedA = new AtomicInteger();
      AtomicInteger firedB = new AtomicInteger();
      CountDownLatch completed = new CountDownLatch(n);
      AtomicLong last = new AtomicLong();
      TimerListener done =
          new TimerListener() {
            @Override
            public void onFired(TimerRecord timer, Duration lateness) {
              last.set(System.nanoTime());
              completed.countDown();
            }
          };
      // -Dbench.w5.defaults=true: what a user who changes nothing gets (poll, batch, pacing).
      MultiNode settings =
          W5_DEFAULTS
              ? MultiNode.of("bench-a")
              : MultiNode.of("bench-a")
                  .lease(Duration.ofSeconds(30))
                  .pollInterval(Duration.ofMillis(100))
                  .claimAhead(Duration.ofSeconds(2))
                  .claimBatch(500);
      int pacing = W5_DEFAULTS ? 500 : 0;
      try (Store second = t.secondStore(o.poolSize());
          PersistentTimer a =
              engine(t, ctx -> count(calls, firedA, ctx.timerId()))
                  .multiNode(settings)
                  .overdueFiresPerSecond(pacing)
                  .listener(done)
                  .build();
          PersistentTimer b =
              PersistentTimer.builder(second)
                  .workerThreads(o.workerThreads())
                  .register(TYPE, CallbackFactory.of(ctx -> count(calls, firedB, ctx.timerId())))
                  .multiNode(
                      MultiNode.of("bench-b")
                          .lease(settings.lease())
                          .pollInterval(settings.pollInterval())
                          .claimAhead(settings.claimAhead())
                          .claimBatch(settings.claimBatch()))
                  .overdueFiresPerSecond(pacing)
                  .listener(done)
                  .build()) {
        long start = System.nanoTime();
        a.start();
        b.start();
        if (!completed.await(Math.max(20, n / 200), TimeUnit.SECONDS)) {
          log("W5: only %d of %d fired in time", n - completed.getCount(), n);
        }
        long end = completed.getCount() == 0 ? last.get() : System.nanoTime();
        eng[r] = (n - completed.getCount()) / ((end - start) / 1e9);
      }
      long dup = 0;
      long miss = 0;
      for (int i = 0; i < n; i++) {
        int c = calls.get(i);
        if (c == 0) {
          miss++;
        } else if (c > 1) {
          dup += c - 1;
        }
      }
      duplicates += dup;
      missing += miss;
      shares = firedA.get() + " / " + firedB.get();
      t.reset();
      del[r] = w2DeleteReturning(t, n);
      log(
          "W5 rep %d: two engines %s (dup %d, missing %d, node a/b %s), DELETE RETURNING %s",
          r + 1, rate(eng[r]), dup, miss, shares, rate(del[r]));
    }
    t.reset();
    double e = median(eng);
    double d = median(del);
    report.add(
        new Row(
            "W5",
            t.name,
            (W5_DEFAULTS ? "2 engines, library defaults, fire " : "2 engines fire ")
                + n
                + " due (dup "
                + duplicates
                + ", missing "
                + missing
                + ", last split a/b "
                + shares
                + ")",
            Spread.of(eng).rate(),
            "raw DELETE…RETURNING, batches of " + RAW_BATCH,
            Spread.of(del).rate(),
            ratio(e / d),
            "",
            duplicates == 0 && missing == 0 ? "" : "dup/missing!"));
  }

  private static void count(AtomicIntegerArray calls, AtomicInteger node, String id) {
    calls.incrementAndGet(index(id));
    node.incrementAndGet();
  }

  private static int index(String id) {
    return Integer.parseInt(id.substring(id.indexOf('-') + 1));
  }

  private double w2DeleteReturning(Target t, int n) throws Exception {
    Instant due = Instant.now().minusSeconds(1);
    t.bulkLoad(records(t, n, i -> due, "w2-").iterator());
    int deleted = 0;
    try (Connection c = t.connect();
        PreparedStatement ps = c.prepareStatement(t.deleteDueReturningSql())) {
      long start = System.nanoTime();
      while (true) {
        t.bindInstant(ps, 1, Instant.now());
        ps.setInt(2, RAW_BATCH);
        int got = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rs.getString(1);
            got++;
          }
        }
        if (got == 0) {
          break;
        }
        deleted += got;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (deleted != n) {
        log("W2 %s: raw DELETE…RETURNING removed %d of %d", t.name, deleted, n);
      }
      return deleted / seconds;
    }
  }

  private double w2Executor(int n) throws InterruptedException {
    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(o.workerThreads());
    try {
      AtomicIntegerArray calls = new AtomicIntegerArray(n);
      CountDownLatch done = new CountDownLatch(n);
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int index = i;
        stpe.schedule(
            () -> {
              calls.incrementAndGet(index);
              done.countDown();
            },
            0,
            TimeUnit.NANOSECONDS);
      }
      done.await();
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      stpe.shutdownNow();
    }
  }

  // --- W3 lateness -----------------------------------------------------------------------------

  void w3(Target t) throws Exception {
    for (boolean slow : new boolean[] {false, true}) {
      int reps = o.repetitions();
      double[][] eng = new double[3][reps];
      double[][] lim = new double[3][reps];
      for (int r = 0; r < reps; r++) {
        t.reset();
        double[] e = w3Engine(t, slow);
        double[] l = w3Executor(slow);
        for (int k = 0; k < 3; k++) {
          eng[k][r] = e[k];
          lim[k][r] = l[k];
        }
        log(
            "W3 %s%s rep %d: engine p50 %s p99 %s max %s; STPE p50 %s p99 %s max %s",
            t.name,
            slow ? " (slow callbacks)" : "",
            r + 1,
            ms(e[0]),
            ms(e[1]),
            ms(e[2]),
            ms(l[0]),
            ms(l[1]),
            ms(l[2]));
      }
      t.reset();
      String what =
          o.w3Timers()
              + " over "
              + o.w3Spread().toMillis() / 1000.0
              + " s"
              + (slow ? ", ¼ callbacks 100 ms" : "");
      String limit = "bare STPE(" + o.workerThreads() + ")";
      String[] names = {"p50", "p99", "max"};
      double[] targets = {1, 5, Double.NaN};
      for (int k = 0; k < 3; k++) {
        double e = median(eng[k]);
        double l = median(lim[k]);
        boolean targeted = t.isSql() && !Double.isNaN(targets[k]);
        report.add(
            new Row(
                "W3",
                t.name,
                "lateness " + names[k] + ", " + what,
                Spread.of(eng[k]).ms(),
                limit,
                Spread.of(lim[k]).ms(),
                Report.delta(e - l),
                targeted ? "≤ " + ms(targets[k]) : "",
                targeted ? verdict(e <= targets[k]) : ""));
      }
    }
  }

  private Instant[] w3DueTimes() {
    int n = o.w3Timers();
    Instant first = Instant.now().plus(o.w3Lead());
    long spreadNanos = o.w3Spread().toNanos();
    Instant[] due = new Instant[n];
    for (int i = 0; i < n; i++) {
      // Millisecond instants: the stores keep milliseconds, so both sides are measured alike.
      due[i] =
          first.plusNanos(spreadNanos * i / n).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }
    return due;
  }

  /** Lateness in ms: the real clock inside the callback minus the due instant. */
  private static double lateMillis(Instant due) {
    Instant now = Instant.now();
    return Duration.between(due, now).toNanos() / 1e6;
  }

  private double[] w3Engine(Target t, boolean slow) throws Exception {
    int n = o.w3Timers();
    double[] late = new double[n];
    java.util.Arrays.fill(late, Double.NaN);
    CountDownLatch completed = new CountDownLatch(n);
    TimerListener listener =
        new TimerListener() {
          @Override
          public void onFired(TimerRecord timer, Duration lateness) {
            completed.countDown();
          }
        };
    TimerCallback callback =
        ctx -> {
          int i = index(ctx.timerId());
          late[i] = lateMillis(ctx.dueAt());
          if (slow && i % 4 == 0) {
            Thread.sleep(100);
          }
        };
    try (PersistentTimer timer = engine(t, callback).listener(listener).build()) {
      timer.start();
      Instant[] due = w3DueTimes();
      AtomicInteger lateScheduled = new AtomicInteger();
      timed(
          o.threads(),
          k -> {
            for (int i = k; i < n; i += o.threads()) {
              timer.scheduleAt(due[i], spec("w3-" + i, i));
              if (Instant.now().isAfter(due[i])) {
                lateScheduled.incrementAndGet();
              }
            }
          });
      if (lateScheduled.get() > 0) {
        log(
            "W3 %s: %d timers were stored only after their due time; raise --w3-lead-ms",
            t.name, lateScheduled.get());
        report.note(
            "W3 "
                + t.name
                + ": "
                + lateScheduled.get()
                + " timers stored after their due time (lead too short)");
      }
      long waitMs = o.w3Lead().toMillis() + o.w3Spread().toMillis() + 60_000;
      if (!completed.await(waitMs, TimeUnit.MILLISECONDS)) {
        log("W3 %s: only %d of %d fired (lost wake-up?)", t.name, n - completed.getCount(), n);
        report.note(
            "W3 "
                + t.name
                + ": "
                + completed.getCount()
                + " of "
                + n
                + " timers never fired; percentiles are over the fired ones");
      }
    }
    double[] fired = java.util.Arrays.stream(late).filter(v -> !Double.isNaN(v)).toArray();
    if (fired.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {percentile(fired, 50), percentile(fired, 99), percentile(fired, 100)};
  }

  private double[] w3Executor(boolean slow) throws InterruptedException {
    int n = o.w3Timers();
    double[] late = new double[n];
    CountDownLatch done = new CountDownLatch(n);
    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(o.workerThreads());
    try {
      Instant[] due = w3DueTimes();
      for (int i = 0; i < n; i++) {
        int index = i;
        long delay = Duration.between(Instant.now(), due[i]).toNanos();
        stpe.schedule(
            () -> {
              late[index] = lateMillis(due[index]);
              try {
                if (slow && index % 4 == 0) {
                  Thread.sleep(100);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              done.countDown();
            },
            Math.max(0, delay),
            TimeUnit.NANOSECONDS);
      }
      done.await();
    } finally {
      stpe.shutdownNow();
    }
    return new double[] {percentile(late, 50), percentile(late, 99), percentile(late, 100)};
  }

  // --- W4 restart ------------------------------------------------------------------------------

  void w4(Target t) throws Exception {
    int pending = o.w4Pending();
    int overdue = o.w4Overdue();
    Instant now = Instant.now();
    long dayNanos = Duration.ofDays(1).toNanos();
    long loadStart = System.nanoTime();
    try (PersistentTimer proto = engine(t, ctx -> {}).build()) {
      Iterator<TimerRecord> rows =
          new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
              return i < pending + overdue;
            }

            @Override
            public TimerRecord next() {
              int k = i++;
              if (k < overdue) {
                return proto.prepareAt(
                    now.minus(Duration.ofHours(1)).plusMillis(k), spec("o-" + k, k));
              }
              int p = k - overdue;
              return proto.prepareAt(
                  now.plusNanos(dayNanos / pending * (p + 1)), spec("p-" + p, p));
            }
          };
      t.bulkLoad(rows);
    }
    double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
    log("W4 %s: loaded %,d pending + %,d overdue in %.1f s", t.name, pending, overdue, loadSeconds);

    long heapBefore = heapAfterGc();
    CountDownLatch overdueFired = new CountDownLatch(overdue);
    AtomicLong lastOverdue = new AtomicLong();
    AtomicLong firstOverdue = new AtomicLong();
    TimerCallback callback =
        ctx -> {
          if (ctx.timerId().startsWith("o-")) {
            long at = System.nanoTime();
            firstOverdue.compareAndSet(0, at);
            lastOverdue.set(at);
            overdueFired.countDown();
          }
        };
    try (PersistentTimer timer = engine(t, callback).overdueFiresPerSecond(0).build()) {
      long start = System.nanoTime();
      timer.start();
      long ready = System.nanoTime();
      double readyMs = (ready - start) / 1e6;
      if (!overdueFired.await(Math.max(10, overdue / 100), TimeUnit.SECONDS)) {
        log(
            "W4 %s: only %d of %d overdue fired; engine holds %d armed",
            t.name, overdue - overdueFired.getCount(), overdue, timer.stats().armed());
        report.note(
            "W4 "
                + t.name
                + ": "
                + overdueFired.getCount()
                + " overdue timers never fired (lost wake-up)");
      }
      double firedMs =
          overdueFired.getCount() == 0
              ? (lastOverdue.get() - start) / 1e6
              : Double.POSITIVE_INFINITY;
      long heapAfter = heapAfterGc();
      int armed = timer.stats().armed();
      double growthMb = (heapAfter - heapBefore) / (1024.0 * 1024.0);
      String size = String.format(Locale.ROOT, "%,d pending + %,d overdue", pending, overdue);
      report.add(
          new Row(
              "W4",
              t.name,
              "ready (start() returns), " + size,
              ms(readyMs),
              "",
              "",
              "",
              "≤ 1,000 ms",
              verdict(readyMs <= 1000)));
      // Zero when the first overdue callback ran before start() returned.
      double firstMs =
          firstOverdue.get() == 0
              ? Double.POSITIVE_INFINITY
              : Math.max(0, firstOverdue.get() - ready) / 1e6;
      report.add(
          new Row(
              "W4",
              t.name,
              "first overdue fired (after start() returns)",
              ms(firstMs),
              "",
              "",
              "",
              "≤ 10 ms",
              verdict(firstMs <= 10)));
      report.add(
          new Row(
              "W4",
              t.name,
              "all " + overdue + " overdue fired (from start)",
              ms(firedMs),
              "",
              "",
              "",
              "≤ 2,000 ms",
              verdict(firedMs <= 2000)));
      report.add(
          new Row(
              "W4",
              t.name,
              "heap growth after GC (" + armed + " armed)",
              String.format(Locale.ROOT, "%.1f MB", growthMb),
              "",
              "",
              "",
              "≤ 64 MB",
              verdict(growthMb <= 64)));
      report.add(
          new Row(
              "W4",
              t.name,
              "bytes per armed timer",
              armed == 0
                  ? "n/a"
                  : String.format(
                      Locale.ROOT, "%,.0f B", (heapAfter - heapBefore) / (double) armed),
              "",
              "",
              "",
              "",
              ""));
      report.note(
          String.format(
              Locale.ROOT,
              "W4 %s: bulk load of %,d rows took %.1f s (raw JDBC batches)",
              t.name,
              pending + overdue,
              loadSeconds));
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
