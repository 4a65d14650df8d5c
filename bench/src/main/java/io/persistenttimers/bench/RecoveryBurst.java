package io.persistenttimers.bench;

import static io.persistenttimers.bench.Report.percentile;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.bench.Report.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * W6, recovery with slow callbacks: a restart finds {@code slow} overdue timers whose callbacks
 * take 50-200 ms, while {@code fast} quick timers fall due during the first {@code window} after
 * {@code start()} is called. Measures the quick timers' lateness (real clock in the callback minus
 * the due instant), p50/p99/max, beside a bare {@code ScheduledThreadPoolExecutor} of the same size
 * given the same mix at the same instant: the slow burst occupies a bounded pool either way, and
 * the limit shows what the pool alone costs.
 */
final class RecoveryBurst {
  private static final String SLOW = "s-";
  private static final String FAST = "f-";

  /** Lead between loading the rows and calling start(); the quick timers are due from start. */
  private static final Duration LEAD = Duration.ofMillis(1500);

  private final Options o;
  private final Report report;

  RecoveryBurst(Options o, Report report) {
    this.o = o;
    this.report = report;
  }

  /** The callback time of slow timer {@code k}: 50-200 ms, spread evenly over the burst. */
  static long slowMillis(int k) {
    return 50 + (k * 37L) % 151;
  }

  void w6(Target t) throws Exception {
    Options.Recovery sizes = o.w6();
    int reps = o.repetitions();
    double[][] eng = new double[3][reps];
    double[][] lim = new double[3][reps];
    long duplicates = 0;
    long missing = 0;
    for (int r = 0; r < reps; r++) {
      t.reset();
      long[] dupMissing = new long[2];
      double[] e = engine(t, sizes, dupMissing);
      double[] l = executor(sizes);
      duplicates += dupMissing[0];
      missing += dupMissing[1];
      for (int k = 0; k < 3; k++) {
        eng[k][r] = e[k];
        lim[k][r] = l[k];
      }
      System.err.printf(
          Locale.ROOT,
          "W6 %s rep %d: quick timers p50 %s p99 %s max %s (dup %d, missing %d); STPE p50 %s p99"
              + " %s max %s%n",
          t.name,
          r + 1,
          Report.ms(e[0]),
          Report.ms(e[1]),
          Report.ms(e[2]),
          dupMissing[0],
          dupMissing[1],
          Report.ms(l[0]),
          Report.ms(l[1]),
          Report.ms(l[2]));
    }
    t.reset();
    String what =
        String.format(
            Locale.ROOT,
            "lateness %%s of %,d quick due in first %.1f s, %,d overdue of 50–200 ms (dup %d,"
                + " missing %d)",
            sizes.fast(),
            sizes.windowMillis() / 1000.0,
            sizes.slow(),
            duplicates,
            missing);
    String[] names = {"p50", "p99", "max"};
    for (int k = 0; k < 3; k++) {
      Spread e = Spread.of(eng[k]);
      Spread l = Spread.of(lim[k]);
      report.add(
          new Row(
              "W6",
              t.name,
              String.format(Locale.ROOT, what, names[k]),
              e.ms(),
              "bare STPE(" + o.workerThreads() + "), same mix",
              l.ms(),
              Report.delta(e.median() - l.median()),
              "",
              duplicates == 0 && missing == 0 ? "" : "dup/missing!"));
    }
  }

  private double[] engine(Target t, Options.Recovery sizes, long[] dupMissing) throws Exception {
    int slow = sizes.slow();
    int fast = sizes.fast();
    AtomicIntegerArray slowCalls = new AtomicIntegerArray(slow);
    AtomicIntegerArray fastCalls = new AtomicIntegerArray(fast);
    double[] late = new double[fast];
    Arrays.fill(late, Double.NaN);
    CountDownLatch done = new CountDownLatch(slow + fast);
    TimerCallback callback =
        ctx -> {
          String id = ctx.timerId();
          int i = Integer.parseInt(id.substring(2));
          if (id.startsWith(FAST)) {
            late[i] = Duration.between(ctx.dueAt(), Instant.now()).toNanos() / 1e6;
            fastCalls.incrementAndGet(i);
          } else {
            slowCalls.incrementAndGet(i);
            Thread.sleep(slowMillis(i));
          }
          done.countDown();
        };
    Instant start;
    try (PersistentTimer proto = builder(t, ctx -> {}).build()) {
      Instant now = Instant.now();
      List<TimerRecord> rows = new ArrayList<>(slow + fast);
      for (int k = 0; k < slow; k++) {
        rows.add(
            proto.prepareAt(
                now.minus(Duration.ofMinutes(10)).plusMillis(k), Workloads.spec(SLOW + k, k)));
      }
      t.bulkLoad(rows.iterator());
      rows.clear();
      start = Instant.now().plus(LEAD).truncatedTo(ChronoUnit.MILLIS);
      for (int i = 0; i < fast; i++) {
        Instant due = start.plusMillis((long) sizes.windowMillis() * i / fast);
        rows.add(proto.prepareAt(due, Workloads.spec(FAST + i, i)));
      }
      t.bulkLoad(rows.iterator());
    }
    try (PersistentTimer timer = builder(t, callback).build()) {
      // Benchmark timing, not synchronization: start() is called when the first quick timer is due,
      // as if the process had just come back up.
      long wait = Duration.between(Instant.now(), start).toMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      } else {
        report.note(
            "W6 " + t.name + ": loading overran the lead; start() came " + -wait + " ms late");
      }
      timer.start();
      long bound = sizes.windowMillis() + slow * 200L + 30_000;
      if (!done.await(bound, TimeUnit.MILLISECONDS)) {
        report.note(
            "W6 "
                + t.name
                + ": "
                + done.getCount()
                + " timers had not fired "
                + bound
                + " ms after start");
      }
      // Give a duplicate fire a moment to show up before counting.
      Thread.sleep(100);
    }
    count(slowCalls, dupMissing);
    count(fastCalls, dupMissing);
    double[] fired = Arrays.stream(late).filter(v -> !Double.isNaN(v)).toArray();
    if (fired.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {percentile(fired, 50), percentile(fired, 99), percentile(fired, 100)};
  }

  private PersistentTimer.Builder builder(Target t, TimerCallback callback) {
    return PersistentTimer.builder(t.store())
        .workerThreads(o.workerThreads())
        .register(Workloads.TYPE, CallbackFactory.of(callback));
  }

  private static void count(AtomicIntegerArray calls, long[] dupMissing) {
    for (int i = 0; i < calls.length(); i++) {
      int c = calls.get(i);
      if (c == 0) {
        dupMissing[1]++;
      } else if (c > 1) {
        dupMissing[0] += c - 1;
      }
    }
  }

  /** The same mix on a bare executor: every slow task due at once, quick ones over the window. */
  private double[] executor(Options.Recovery sizes) throws InterruptedException {
    int slow = sizes.slow();
    int fast = sizes.fast();
    double[] late = new double[fast];
    CountDownLatch done = new CountDownLatch(slow + fast);
    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(o.workerThreads());
    try {
      Instant start = Instant.now().plusMillis(50).truncatedTo(ChronoUnit.MILLIS);
      long startDelay = Duration.between(Instant.now(), start).toNanos();
      for (int k = 0; k < slow; k++) {
        long millis = slowMillis(k);
        stpe.schedule(
            () -> {
              try {
                Thread.sleep(millis);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              done.countDown();
            },
            startDelay,
            TimeUnit.NANOSECONDS);
      }
      for (int i = 0; i < fast; i++) {
        int index = i;
        Instant due = start.plusMillis((long) sizes.windowMillis() * i / fast);
        stpe.schedule(
            () -> {
              late[index] = Duration.between(due, Instant.now()).toNanos() / 1e6;
              done.countDown();
            },
            Math.max(0, Duration.between(Instant.now(), due).toNanos()),
            TimeUnit.NANOSECONDS);
      }
      done.await();
    } finally {
      stpe.shutdownNow();
    }
    return new double[] {percentile(late, 50), percentile(late, 99), percentile(late, 100)};
  }
}
