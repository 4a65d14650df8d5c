package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Regression: {@code Engine.arm} used to schedule the wake-up inside {@code armed.compute(..)}.
 * With a due time already reached (delay 0) the scheduler thread could run the wake-up before the
 * new entry was published; the wake found nothing, and the entry installed afterwards had a spent
 * wake-up, so the timer never fired while the process lived. The outage test in store-postgres met
 * it with real threads (a failed pre-fire read re-arms with delay 0), as did the examples' restart
 * test. Now the entry is published first and the wake-up scheduled after.
 *
 * <p>The scheduler below is a legal {@link DelayScheduler}: a zero-delay task runs on another
 * thread and finishes before {@code schedule} returns — one interleaving a {@code
 * ScheduledThreadPoolExecutor} allows.
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
      String id = timer.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p-1")).id();

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
