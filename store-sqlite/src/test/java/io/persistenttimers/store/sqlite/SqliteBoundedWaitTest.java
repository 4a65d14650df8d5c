package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another connection holds the database's write lock ({@code BEGIN IMMEDIATE}) for longer than the
 * busy timeout: every schedule call fails with a {@link StoreException} within the busy timeout
 * plus a little, from every thread, and succeeds again once the lock is released.
 */
class SqliteBoundedWaitTest {
  private static final Duration BUSY = Duration.ofMillis(500);
  private static final Duration SLACK = Duration.ofMillis(400);
  private static final Duration HELD = Duration.ofSeconds(3);
  private static final int THREADS = 8;

  @TempDir Path dir;

  @Test
  void writeLockHeldElsewhere_everyScheduleCallFailsWithinTheBusyTimeout() throws Exception {
    Path file = dir.resolve("timers.db");
    ConcurrentLinkedQueue<Long> heldCallMillis = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger succeededWhileHeld = new AtomicInteger();
    AtomicBoolean held = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    try (SqliteStore store =
            SqliteStore.builder(file).createIfMissing(true).busyTimeout(BUSY).build();
        PersistentTimer timer =
            PersistentTimer.builder(store).register("noop", CallbackFactory.of(ctx -> {})).build();
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      timer.start();
      ExecutorService callers = Executors.newFixedThreadPool(THREADS);
      try (Statement holder = other.createStatement()) {
        holder.execute("BEGIN IMMEDIATE");
        held.set(true);
        List<Future<?>> loops = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          loops.add(
              callers.submit(
                  () -> {
                    while (!stop.get()) {
                      boolean during = held.get();
                      long start = System.nanoTime();
                      try {
                        timer.scheduleAfter(
                            Duration.ofHours(1),
                            TimerSpec.of("noop", "p").id("t-" + UUID.randomUUID()));
                        if (during && held.get()) {
                          succeededWhileHeld.incrementAndGet();
                        }
                      } catch (StoreException e) {
                        failed.incrementAndGet();
                      } catch (RuntimeException e) {
                        unexpected.add(e);
                      }
                      if (during) {
                        heldCallMillis.add(
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                      }
                    }
                  }));
        }
        long until = System.nanoTime() + HELD.toNanos();
        while (System.nanoTime() < until) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        held.set(false);
        holder.execute("ROLLBACK");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean recovered = false;
        while (!recovered && System.nanoTime() < deadline) {
          try {
            timer.scheduleAfter(Duration.ofHours(1), TimerSpec.of("noop", "p"));
            recovered = true;
          } catch (StoreException e) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
          }
        }
        assertThat(recovered).as("a schedule call succeeds after the lock is released").isTrue();
        stop.set(true);
        for (Future<?> loop : loops) {
          loop.get(30, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        callers.shutdownNow();
      }
    }
    long longest = heldCallMillis.stream().mapToLong(Long::longValue).max().orElse(0);
    System.out.printf(
        "bounded-wait sqlite: %d calls while the lock was held, %d failed, longest %d ms (busy"
            + " timeout %d ms)%n",
        heldCallMillis.size(), failed.get(), longest, BUSY.toMillis());
    assertThat(unexpected).isEmpty();
    assertThat(succeededWhileHeld.get()).isZero();
    assertThat(failed.get()).isGreaterThanOrEqualTo(THREADS);
    assertThat(Duration.ofMillis(longest)).isLessThanOrEqualTo(BUSY.plus(SLACK));
  }
}
