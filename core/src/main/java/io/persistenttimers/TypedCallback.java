package io.persistenttimers;

/**
 * The code a timer runs, with its params already bound to {@code T}: register it with {@link
 * PersistentTimer.Builder#register(String, Class, TypedCallback)}. Params that do not bind to
 * {@code T} never reach it: the timer is moved to {@link TimerStatus#QUARANTINED} with the reason
 * instead, and can be released once the host is fixed.
 *
 * <p>Delivery is at-least-once, as for {@link TimerCallback}.
 *
 * @param <T> the params' type, read with Jackson (unknown properties ignored)
 */
@FunctionalInterface
public interface TypedCallback<T> {
  /**
   * Runs the timer. Returning normally completes the occurrence; throwing counts as a failed
   * attempt under the timer's retry policy.
   *
   * @param context the timer's id, participant, due time and attempt
   * @param params the params bound to {@code T}
   * @throws Exception any failure, retried per the timer's retry policy
   */
  void run(TimerContext context, T params) throws Exception;
}
