package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduling thread may run a zero-delay wake-up before the thread that armed the timer got on:
 * a timer already due when it is armed (recovered late, or scheduled in the past) must fire anyway.
 * The scheduler here lets a zero-delay task finish before {@code schedule} returns — a legal
 * interleaving a preempted caller produces on a busy machine, made certain.
 *
 * <p>Found by {@link SqliteCrashTest}: a recovered, already-due recurring timer never fired in a
 * JVM that ran 40 s. {@code Engine.arm} calls {@code scheduleWake} inside {@code armed.compute}; a
 * zero-delay wake that runs before the compute has published the new entry finds nothing in {@code
 * armed} and returns, and every later load skips the timer because {@code armed} holds its version.
 * The timer stays stored (nothing is lost) but does not fire until the next restart. This belongs
 * in core's tests; it is disabled here so the branch builds until core is fixed.
 */
class SqliteLostWakeTest {

  @TempDir Path dir;

  @Disabled("core bug: Engine.arm schedules the wake-up inside armed.compute; see class comment")
  @Test
  void dueTimer_firesEvenWhenItsWakeUpRunsBeforeArmingReturns() throws Exception {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    DelayScheduler eager =
        (task, delay) -> {
          Future<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
          if (delay.isZero()) {
            try {
              future.get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
              // ran, or still waiting: either is a legal interleaving
            }
          }
          return () -> future.cancel(false);
        };
    List<String> fired = new CopyOnWriteArrayList<>();
    try (SqliteStore store = SqliteStore.open(dir.resolve("timers.db"));
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .register("reminder", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
                .scheduler(eager)
                .horizon(Duration.ofSeconds(2))
                .build()) {
      timer.start();
      String id =
          timer.scheduleAt(
              Instant.now().minusSeconds(1), TimerSpec.of("reminder", "participant-42"));
      await().atMost(Duration.ofSeconds(10)).until(() -> fired.contains(id));
      assertThat(fired).containsExactly(id);
    } finally {
      executor.shutdownNow();
    }
  }
}
