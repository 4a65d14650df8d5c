package io.persistenttimers.testkit;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.IfExists;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Many threads REPLACE and cancel a few business keys while the timers under them fall due, on real
 * threads and the real clock, and the storm counts what the promise forbids:
 *
 * <ul>
 *   <li><b>runs after cancel</b>: a callback of a timer that started after a cancel or REPLACE of
 *       that timer had returned (and no run of the id was in flight at that moment);
 *   <li><b>double runs</b>: a timer whose callback started twice;
 *   <li><b>stranded</b>: a live timer (acknowledged, never cancelled or replaced) that had not run
 *       within {@code settle} after the storm stopped, though every timer was due within it.
 * </ul>
 *
 * <p>Operations on one key are serialized by the storm (a lock per key), so "later" is exact: each
 * cancel or REPLACE returns before the next operation on that key begins. The engine's own runs
 * race with them freely. Each timer is one generation: its params carry a number unique in the
 * storm.
 */
public final class CancelStorm {

  /** What one storm saw. */
  public record Result(
      long operations,
      long scheduled,
      long runs,
      long runsAfterCancel,
      long doubleRuns,
      long stranded,
      Duration duration) {
    @Override
    public String toString() {
      return String.format(
          "%d operations (%d timers scheduled) in %d s, %d runs: %d runs after cancel, %d double"
              + " runs, %d stranded",
          operations, scheduled, duration.toSeconds(), runs, runsAfterCancel, doubleRuns, stranded);
    }
  }

  private final Store store;
  private final int threads;
  private final int keys;
  private final Duration duration;
  private final Duration settle;

  private final AtomicLong generations = new AtomicLong();
  private final Map<Long, AtomicInteger> starts = new ConcurrentHashMap<>();

  /** Generations that were killed by a returned cancel or REPLACE while not started. */
  private final Set<Long> mustNotStart = ConcurrentHashMap.newKeySet();

  private final Set<Long> live = ConcurrentHashMap.newKeySet();
  private final AtomicLong runsAfterCancel = new AtomicLong();
  private final AtomicLong operations = new AtomicLong();

  public CancelStorm(Store store, int threads, int keys, Duration duration, Duration settle) {
    this.store = store;
    this.threads = threads;
    this.keys = keys;
    this.duration = duration;
    this.settle = settle;
  }

  /** Settings from system properties, so a long storm runs without a code change. */
  public static CancelStorm fromProperties(Store store) {
    return new CancelStorm(
        store,
        Integer.getInteger("storm.threads", 16),
        Integer.getInteger("storm.keys", 32),
        Duration.ofSeconds(Long.getLong("storm.seconds", 3)),
        Duration.ofSeconds(Long.getLong("storm.settleSeconds", 20)));
  }

  public Result run() throws Exception {
    PersistentTimer timer =
        PersistentTimer.builder(store)
            .workerThreads(4)
            .register("storm", CallbackFactory.of(ctx -> started(Long.parseLong(ctx.params()))))
            .build();
    timer.start();
    long began = System.nanoTime();
    List<ReentrantLock> locks = new ArrayList<>();
    List<Long> current = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      locks.add(new ReentrantLock());
      current.add(null);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long end = began + duration.toNanos();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (System.nanoTime() < end) {
                    int key = random.nextInt(keys);
                    locks.get(key).lock();
                    try {
                      operate(timer, "key-" + key, key, current, random);
                    } finally {
                      locks.get(key).unlock();
                    }
                    // Pacing, so timers fall due between operations on a fast store.
                    LockSupport.parkNanos(random.nextLong(4_000_000));
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
      }
      long settleEnd = System.nanoTime() + settle.toNanos();
      while (System.nanoTime() < settleEnd && !allLiveRan()) {
        TimeUnit.MILLISECONDS.sleep(50); // polling a condition with a deadline, not a guess
      }
    } finally {
      pool.shutdownNow();
      timer.close();
    }
    long runs = starts.values().stream().mapToLong(AtomicInteger::get).sum();
    long doubles = starts.values().stream().filter(c -> c.get() > 1).count();
    long stranded = live.stream().filter(g -> !starts.containsKey(g)).count();
    return new Result(
        operations.get(),
        generations.get(),
        runs,
        runsAfterCancel.get(),
        doubles,
        stranded,
        Duration.ofNanos(System.nanoTime() - began));
  }

  private void operate(
      PersistentTimer timer, String id, int key, List<Long> current, ThreadLocalRandom random) {
    operations.incrementAndGet();
    Long old = current.get(key);
    if (random.nextInt(4) == 0) {
      timer.cancel(id);
      killed(timer, id, old);
      current.set(key, null);
      return;
    }
    long generation = generations.incrementAndGet();
    Duration delay = Duration.ofMillis(random.nextInt(20));
    timer.scheduleAfter(
        delay,
        TimerSpec.of("storm", "storm-participant")
            .id(id)
            .params(Long.toString(generation))
            .ifExists(IfExists.REPLACE));
    live.add(generation);
    killed(timer, id, old);
    current.set(key, generation);
  }

  /** {@code old} was cancelled or replaced and that call returned. */
  private void killed(PersistentTimer timer, String id, Long old) {
    if (old == null) {
      return;
    }
    live.remove(old);
    if (!starts.containsKey(old) && !timer.isRunning(id)) {
      mustNotStart.add(old);
    }
  }

  private void started(long generation) {
    if (mustNotStart.contains(generation)) {
      runsAfterCancel.incrementAndGet();
    }
    starts.computeIfAbsent(generation, g -> new AtomicInteger()).incrementAndGet();
  }

  private boolean allLiveRan() {
    return live.stream().allMatch(starts::containsKey);
  }
}
