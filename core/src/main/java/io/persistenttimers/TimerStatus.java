package io.persistenttimers;

/** Lifecycle state of a stored timer. Only {@link #ACTIVE} timers fire. */
public enum TimerStatus {
  /** Waiting for its due time, or running. */
  ACTIVE,
  /** The callback failed on every attempt of its retry policy; kept for inspection. */
  FAILED,
  /**
   * The record could not be turned into a callback (unreadable params, a factory that rejected
   * them); kept with the reason in {@link TimerRecord#lastError()} until released.
   */
  QUARANTINED
}
