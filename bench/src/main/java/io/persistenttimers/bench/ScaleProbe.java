package io.persistenttimers.bench;

import static io.persistenttimers.bench.Report.percentile;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.store.postgres.PostgresStore;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/** What the scale workload measures of engines over one large table. */
final class ScaleProbe {
  /**
   * Lead before the first scheduled timer is due: 2 s plus 2.5 ms per timer, so that scheduling
   * from four threads on a loaded 2-core machine ends before the first is due (a timer stored after
   * its due instant is overdue and paced by {@code overdueFiresPerSecond}, which is not what these
   * rounds measure; such timers are counted and reported).
   */
  private static Duration lead(int timers) {
    return Duration.ofMillis(2_000 + timers * 5L / 2);
  }

  /** One measurement round; lateness and rates from timers fired, query costs in ms (medians). */
  record Figures(
      double readyMs,
      double heapGrowthMb,
      int armed,
      double[] lateness,
      double burstRate,
      long duplicates,
      long missing,
      int lateStored,
      double listMs,
      double countMs,
      double cancelMs,
      double countAllMs) {}

  /** A multi-node drain: fires/s until all fired, duplicates, missing and each node's share. */
  record Drain(int engines, double rate, long duplicates, long missing, List<Integer> split) {}

  private final ScaleSettings s;

  ScaleProbe(ScaleSettings settings) {
    this.s = settings;
  }

  /**
   * Starts an engine on {@code store}; times start(), heap growth after GC, the lateness of {@code
   * due} timers scheduled through it over {@code dueOver}, the fire rate of {@code burst} timers
   * due at one instant, and the participant calls on {@code participants} participants named {@code
   * prefix + n}.
   */
  Figures measure(PostgresStore store, String prefix, int participants) throws Exception {
    int due = s.due();
    int burst = s.burst();
    AtomicIntegerArray lateCalls = new AtomicIntegerArray(due);
    AtomicIntegerArray burstCalls = new AtomicIntegerArray(burst);
    double[] late = new double[due];
    Arrays.fill(late, Double.NaN);
    CountDownLatch lateDone = new CountDownLatch(due);
    CountDownLatch burstDone = new CountDownLatch(burst);
    AtomicLong lastBurst = new AtomicLong();
    TimerCallback callback =
        ctx -> {
          String id = ctx.timerId();
          int i = Integer.parseInt(id.substring(2));
          if (id.startsWith("l-")) {
            late[i] = Duration.between(ctx.dueAt(), Instant.now()).toNanos() / 1e6;
            lateCalls.incrementAndGet(i);
            lateDone.countDown();
          } else if (id.startsWith("b-")) {
            burstCalls.incrementAndGet(i);
            lastBurst.set(System.nanoTime());
            burstDone.countDown();
          }
        };
    long heapBefore = heapAfterGc();
    try (PersistentTimer timer =
        PersistentTimer.builder(store)
            .workerThreads(s.workers())
            .register(Workloads.TYPE, CallbackFactory.of(callback))
            .build()) {
      long t0 = System.nanoTime();
      timer.start();
      double readyMs = (System.nanoTime() - t0) / 1e6;
      int armed = timer.stats().armed();
      double growthMb = (heapAfterGc() - heapBefore) / (1024.0 * 1024.0);
      Scale.log("  ready in %.0f ms, %d armed, heap growth %.1f MB", readyMs, armed, growthMb);

      Instant first = Instant.now().plus(lead(due));
      long spread = s.dueOver().toNanos();
      int lateStored =
          schedule(
              timer,
              due,
              "l-",
              i -> first.plusNanos(spread * i / due).truncatedTo(ChronoUnit.MILLIS));
      if (!lateDone.await(lead(due).plus(s.dueOver()).toSeconds() + 60, TimeUnit.SECONDS)) {
        Scale.log("  %d of %d lateness timers never fired", lateDone.getCount(), due);
      }
      double[] fired = Arrays.stream(late).filter(v -> !Double.isNaN(v)).toArray();
      double[] lateness =
          fired.length == 0
              ? new double[] {Double.NaN, Double.NaN, Double.NaN}
              : new double[] {percentile(fired, 50), percentile(fired, 99), percentile(fired, 100)};
      Scale.log("  lateness p50 %.2f p99 %.2f max %.2f ms", lateness[0], lateness[1], lateness[2]);

      Instant burstDue = Instant.now().plus(lead(burst)).truncatedTo(ChronoUnit.MILLIS);
      long burstDueNanos = System.nanoTime() + Duration.between(Instant.now(), burstDue).toNanos();
      lateStored += schedule(timer, burst, "b-", i -> burstDue);
      if (lateStored > 0) {
        Scale.log("  %d timers were stored only after their due instant", lateStored);
      }
      if (!burstDone.await(lead(burst).toSeconds() + 60 + burst / 500, TimeUnit.SECONDS)) {
        Scale.log("  %d of %d burst timers never fired", burstDone.getCount(), burst);
      }
      // From the due instant to the last callback: the rate the engine fires a due burst at.
      double burstRate =
          burstDone.getCount() == 0
              ? burst / Math.max(1e-3, (lastBurst.get() - burstDueNanos) / 1e9)
              : Double.NaN;
      Scale.log("  burst of %d fired at %.0f/s", burst, burstRate);

      Random random = new Random(42);
      double listMs =
          median(i -> timer.listByParticipant(prefix + random.nextInt(participants)).size());
      double countMs =
          median(
              i ->
                  timer.count(TimerQuery.all().participant(prefix + random.nextInt(participants))));
      double cancelMs =
          median(i -> timer.cancelByParticipant(prefix + random.nextInt(participants)));
      double[] all = new double[3];
      for (int k = 0; k < all.length; k++) {
        long c0 = System.nanoTime();
        timer.count(TimerQuery.all());
        all[k] = (System.nanoTime() - c0) / 1e6;
      }
      Scale.log(
          "  listByParticipant %.2f ms, count(participant) %.2f ms, cancelByParticipant %.2f ms,"
              + " count(all) %.0f ms",
          listMs, countMs, cancelMs, Spread.of(all).median());
      Thread.sleep(100); // a duplicate fire would show up by now
      long[] dm = new long[2];
      tally(lateCalls, dm);
      tally(burstCalls, dm);
      return new Figures(
          readyMs,
          growthMb,
          armed,
          lateness,
          burstRate,
          dm[0],
          dm[1],
          lateStored,
          listMs,
          countMs,
          cancelMs,
          Spread.of(all).median());
    }
  }

  /**
   * Schedules {@code n} timers {@code prefix + i} due at {@code dueOf(i)} from four threads;
   * returns how many were stored only after their due instant.
   */
  private static int schedule(
      PersistentTimer timer, int n, String prefix, java.util.function.IntFunction<Instant> dueOf)
      throws InterruptedException {
    AtomicInteger late = new AtomicInteger();
    IntConsumer one =
        i -> {
          Instant at = dueOf.apply(i);
          timer.scheduleAt(at, Workloads.spec(prefix + i, i));
          if (Instant.now().isAfter(at)) {
            late.incrementAndGet();
          }
        };
    int threads = 4;
    List<Thread> started = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int k = 0; k < threads; k++) {
      int from = k;
      Thread th =
          new Thread(
              () -> {
                try {
                  for (int i = from; i < n; i += threads) {
                    one.accept(i);
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      th.start();
      started.add(th);
    }
    for (Thread th : started) {
      th.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("scheduling failed", errors.get(0));
    }
    return late.get();
  }

  /** Median ms of {@link ScaleSettings#calls()} calls after a tenth as many unmeasured ones. */
  private double median(IntConsumer call) {
    for (int i = 0; i < Math.max(1, s.calls() / 10); i++) {
      call.accept(i);
    }
    double[] ms = new double[s.calls()];
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      call.accept(i);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return Spread.of(ms).median();
  }

  /**
   * {@code engines} engines in multi-node mode, each on its own store over the table, drain {@code
   * n} timers that are due (and unowned) when they start.
   */
  Drain drain(ScaleTable table, TimerRecord template, int engines, int n, String prefix)
      throws Exception {
    Instant due = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
    table.copy(template, 0, n, i -> prefix + i, i -> "drain-" + (i % 1000), i -> due);
    table.analyze();
    AtomicIntegerArray calls = new AtomicIntegerArray(n);
    CountDownLatch done = new CountDownLatch(n);
    AtomicLong last = new AtomicLong();
    List<AtomicInteger> perNode = new ArrayList<>();
    List<PostgresStore> stores = new ArrayList<>();
    List<PersistentTimer> timers = new ArrayList<>();
    TimerListener listener =
        new TimerListener() {
          @Override
          public void onFired(TimerRecord timer, Duration lateness) {
            last.set(System.nanoTime());
            done.countDown();
          }
        };
    try {
      for (int k = 0; k < engines; k++) {
        AtomicInteger mine = new AtomicInteger();
        perNode.add(mine);
        PostgresStore store = table.store(s.pool(), false);
        stores.add(store);
        timers.add(
            PersistentTimer.builder(store)
                .workerThreads(s.workers())
                .register(
                    Workloads.TYPE,
                    CallbackFactory.of(
                        ctx -> {
                          calls.incrementAndGet(
                              Integer.parseInt(ctx.timerId().substring(prefix.length())));
                          mine.incrementAndGet();
                        }))
                .multiNode(
                    MultiNode.of("scale-" + k)
                        .lease(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .claimAhead(Duration.ofSeconds(2))
                        .claimBatch(500))
                .overdueFiresPerSecond(0)
                .listener(listener)
                .build());
      }
      long t0 = System.nanoTime();
      for (PersistentTimer timer : timers) {
        timer.start();
      }
      if (!done.await(Math.max(60, n / 200), TimeUnit.SECONDS)) {
        Scale.log("  drain: only %d of %d fired in time", n - done.getCount(), n);
      }
      long end = done.getCount() == 0 ? last.get() : System.nanoTime();
      double rate = (n - done.getCount()) / ((end - t0) / 1e9);
      Thread.sleep(100); // a duplicate fire would show up by now
      long[] dm = new long[2];
      tally(calls, dm);
      return new Drain(
          engines, rate, dm[0], dm[1], perNode.stream().map(AtomicInteger::get).toList());
    } finally {
      for (PersistentTimer timer : timers) {
        timer.close();
      }
      for (PostgresStore store : stores) {
        store.close();
      }
    }
  }

  private static void tally(AtomicIntegerArray calls, long[] dupMissing) {
    for (int i = 0; i < calls.length(); i++) {
      int c = calls.get(i);
      if (c == 0) {
        dupMissing[1]++;
      } else if (c > 1) {
        dupMissing[0] += c - 1;
      }
    }
  }

  static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
