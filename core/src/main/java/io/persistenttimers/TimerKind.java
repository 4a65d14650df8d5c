package io.persistenttimers;

/** Whether a timer fires once or follows a {@link io.persistenttimers.schedule.Schedule}. */
public enum TimerKind {
  /** Fires once at its due time; the record is deleted after the callback returns. */
  ONCE,
  /**
   * Fires at every occurrence of its {@link io.persistenttimers.schedule.Schedule} until cancelled
   * or expired.
   */
  RECURRING
}
