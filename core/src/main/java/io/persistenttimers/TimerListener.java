package io.persistenttimers;

import java.time.Duration;
import java.time.Instant;

/**
 * Hooks for metrics and logging. Every method has an empty default; implement the ones you need.
 * Methods run on engine threads and must return quickly; an exception thrown by a listener is
 * logged and ignored.
 */
public interface TimerListener {

  /**
   * A timer was stored by a schedule call.
   *
   * @param timer the stored timer
   */
  default void onScheduled(TimerRecord timer) {}

  /**
   * A timer was found in the store by {@link PersistentTimer#start()}.
   *
   * @param timer the recovered timer
   * @param overdue whether it was found past its due time by more than the overdue threshold
   */
  default void onRecovered(TimerRecord timer, boolean overdue) {}

  /**
   * A callback returned normally. {@code lateness} is fire time minus due time.
   *
   * @param timer the timer
   * @param lateness fire time minus due time
   */
  default void onFired(TimerRecord timer, Duration lateness) {}

  /**
   * A callback threw; it will run again at {@code retryAt}.
   *
   * @param timer the timer
   * @param error what the callback threw
   * @param retryAt when the next attempt is due
   */
  default void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {}

  /**
   * A callback failed its last attempt. A one-shot timer is now {@link TimerStatus#FAILED}; a
   * recurring one moves on to its next occurrence.
   *
   * @param timer the timer
   * @param error what the last attempt threw
   */
  default void onDead(TimerRecord timer, Throwable error) {}

  /**
   * A timer was deleted without firing: expired, or overdue under SKIP or DROP.
   *
   * @param timer the timer
   * @param reason why it was dropped
   */
  default void onDropped(TimerRecord timer, String reason) {}

  /**
   * A timer could not be bound to a callback and was quarantined.
   *
   * @param timer the timer
   * @param reason why it could not be bound
   */
  default void onQuarantined(TimerRecord timer, String reason) {}

  /**
   * A timer's callback type has no factory; it waits until the type is registered.
   *
   * @param timer the waiting timer
   */
  default void onUnknownCallbackType(TimerRecord timer) {}

  /**
   * A store call made by the engine failed; the engine retries it.
   *
   * @param operation the store operation that failed
   * @param error the failure
   */
  default void onStoreError(String operation, Throwable error) {}

  /**
   * A callback has been running for {@code running} (the builder's {@code slowCallbackThreshold})
   * and has not returned yet. Reported once per run; the callback goes on.
   *
   * @param timer the timer
   * @param running how long the callback has been running
   */
  default void onSlowCallback(TimerRecord timer, Duration running) {}
}
