package io.persistenttimers;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The engine's only way to wait: run a task after a delay. Production code wraps a {@link
 * ScheduledExecutorService} with {@link #of}; tests plug in a manual scheduler that runs tasks as a
 * manual clock advances, so no test sleeps.
 */
@FunctionalInterface
public interface DelayScheduler {

  /**
   * Runs {@code task} once after {@code delay} (zero or positive); the handle cancels it.
   *
   * @param task what to run
   * @param delay how long to wait, zero or positive
   * @return a handle that cancels the task
   */
  Cancellable schedule(Runnable task, Duration delay);

  /** A scheduled task that has not run yet can be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not run yet; does nothing otherwise. */
    void cancel();
  }

  /**
   * Schedules on {@code executor}. Whoever created the executor shuts it down.
   *
   * @param executor the executor that runs the tasks
   * @return a scheduler over {@code executor}
   */
  static DelayScheduler of(ScheduledExecutorService executor) {
    return (task, delay) -> {
      Future<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }
}
