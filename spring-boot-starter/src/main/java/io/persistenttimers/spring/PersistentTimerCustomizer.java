package io.persistenttimers.spring;

import io.persistenttimers.PersistentTimer;

/**
 * Adjusts the {@link PersistentTimer.Builder} before the starter builds the timer, after the {@code
 * persistent-timers.*} properties were applied: a listener, an interceptor, a callback timeout.
 * Every bean of this type is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface PersistentTimerCustomizer {
  /**
   * Adjusts the builder.
   *
   * @param builder the builder of the application's timer
   */
  void customize(PersistentTimer.Builder builder);
}
