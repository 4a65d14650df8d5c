package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireNonNull;

/**
 * How a failed callback attempt is logged on {@code io.persistenttimers.PersistentTimer}. The line
 * names the timer id, callback type, attempt and exception class; the exception's message never
 * appears there, since host code wrote it and it may quote params or a participant id. With {@code
 * stackTrace} the line carries the stack trace with every message left out (class names and frames
 * only, causes included). The full exception is always logged at DEBUG on {@code
 * io.persistenttimers.sensitive}. Default: {@link #DEFAULT}.
 *
 * @param level the level of the line, or {@link Level#OFF} for none
 * @param stackTrace whether the line carries the stack trace, without messages
 */
public record FailureLogging(Level level, boolean stackTrace) {

  /** WARN, without a stack trace. */
  public static final FailureLogging DEFAULT = new FailureLogging(Level.WARN, false);

  /** Levels a failure line can be logged at. */
  public enum Level {
    /** Not logged (the DEBUG line on the sensitive logger stays). */
    OFF,
    /** ERROR. */
    ERROR,
    /** WARN. */
    WARN,
    /** INFO. */
    INFO,
    /** DEBUG. */
    DEBUG
  }

  /**
   * Validates the settings.
   *
   * @param level the level of the line, or {@link Level#OFF} for none
   * @param stackTrace whether the line carries the stack trace, without messages
   * @throws IllegalArgumentException when {@code level} is null
   */
  public FailureLogging {
    requireNonNull(level, "level");
  }
}
