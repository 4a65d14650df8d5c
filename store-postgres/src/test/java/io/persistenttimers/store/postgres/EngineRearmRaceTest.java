package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Reproduces, deterministically, the lost timer {@link PostgresOutageTest} meets with real threads
 * (a core bug, reported; core is not this module's to change).
 *
 * <p>{@code Engine.arm} calls {@code scheduleWake} <em>inside</em> {@code armed.compute(..)}. With
 * a due time already reached (delay 0) the scheduler thread may run {@code wake(id, version)}
 * before {@code compute} has published the new entry: {@code armed.get(id)} then returns null (or
 * the old entry), the wake returns without firing, and {@code compute} afterwards installs an entry
 * whose only wake-up is spent. Every later load skips the id ("already armed at this version"),
 * so the timer never fires while the process lives. The path is hit whenever the store fails
 * just before firing ({@code fire} → {@code retryLater} → {@code fireAgain} → {@code arm(record,
 * now)}), and by any arming of an overdue timer from a thread other than the scheduler's.
 *
 * <p>The scheduler below is a legal {@link DelayScheduler}: a zero-delay task runs on another
 * thread ("the scheduler thread") and happens to finish before {@code schedule} returns — one
 * interleaving a {@code ScheduledThreadPoolExecutor} allows.
 */
class EngineRearmRaceTest {

  @Test
  void storeErrorBeforeFiring_timerStillFiresOnceTheStoreIsBack() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2025-06-01T08:00:00Z"));
    ManualScheduler manual = new ManualScheduler(clock);
    ExecutorService schedulerThread = Executors.newSingleThreadExecutor();
    DelayScheduler schedulerWinningTheRace =
        (task, delay) -> {
          if (!delay.isZero()) {
            return manual.schedule(task, delay);
          }
          try {
            schedulerThread.submit(task).get();
          } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
          }
          return () -> {};
        };
    FailingStore store = new FailingStore(new FakeStore());
    List<String> fired = new CopyOnWriteArrayList<>();
    try (PersistentTimer timer =
        PersistentTimer.builder(store)
            .register("reminder", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
            .clock(clock)
            .scheduler(schedulerWinningTheRace)
            .workers(Runnable::run)
            .build()) {
      timer.start();
      String id = timer.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p-1"));

      store.failReads(true); // the store is away when the timer is due
      manual.advance(Duration.ofMinutes(1));
      assertThat(fired).isEmpty();
      store.failReads(false); // and back before the engine's retry (100 ms)

      manual.advance(Duration.ofMinutes(30));

      assertThat(fired)
          .as("fired; stored now: %s; engine: %s", timer.get(id), timer.stats())
          .containsExactly(id);
      assertThat(timer.get(id)).isEmpty();
    } finally {
      schedulerThread.shutdownNow();
    }
  }
}
