package io.persistenttimers;

/**
 * The code a timer runs. Delivery is at-least-once: after a crash during {@link #run} the same
 * occurrence runs again, so make it idempotent — {@link TimerContext#timerId()}, {@link
 * TimerContext#dueAt()} and {@link TimerContext#attempt()} identify the run.
 *
 * <p>Returning normally completes the run (a one-shot timer is then deleted); throwing counts as a
 * failed attempt under the timer's {@link RetryPolicy}.
 */
@FunctionalInterface
public interface TimerCallback {
  /**
   * Runs the timer's code once.
   *
   * @param context the timer and this run (due time, fire time, attempt)
   * @throws Exception to count the run as a failed attempt
   */
  void run(TimerContext context) throws Exception;
}
