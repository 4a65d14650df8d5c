package io.persistenttimers.internal;

import io.persistenttimers.FailureLogging;
import io.persistenttimers.TimerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Logs a failed callback attempt as {@link FailureLogging} says: the line names id, type, attempt
 * and exception class; a stack trace, when asked for, is a copy with every message left out. The
 * full exception goes to DEBUG on {@link SensitiveLog}.
 */
final class FailureLog {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final int MAX_CAUSES = 20;
  private final FailureLogging settings;

  FailureLog(FailureLogging settings) {
    this.settings = settings;
  }

  /** A failed attempt that is retried at {@code retryAt}. */
  void retrying(TimerRecord record, int attempt, int maxAttempts, Object retryAt, Throwable error) {
    line(
        "Timer '{}' ({}) failed attempt {} of {}; retrying at {}: {}",
        error,
        record.id(),
        record.callbackType(),
        attempt,
        maxAttempts,
        retryAt,
        error.getClass().getName());
  }

  /** The last attempt failed. */
  void gaveUp(TimerRecord record, int attempt, Throwable error) {
    line(
        "Timer '{}' ({}) failed its last attempt ({}): {}",
        error,
        record.id(),
        record.callbackType(),
        attempt,
        error.getClass().getName());
  }

  private void line(String format, Throwable error, Object... args) {
    if (settings.level() != FailureLogging.Level.OFF) {
      Level level = Level.valueOf(settings.level().name());
      if (log.isEnabledForLevel(level)) {
        var event = log.atLevel(level);
        for (Object arg : args) {
          event = event.addArgument(arg);
        }
        if (settings.stackTrace()) {
          event = event.setCause(redacted(error, 0));
        }
        event.log(format);
      }
    }
    SensitiveLog.debug("Timer '{}' failure", args[0], error);
  }

  /** A copy of {@code error} that prints its class and frames, never its message. */
  static Throwable redacted(Throwable error, int depth) {
    Throwable cause = error.getCause();
    Throwable redactedCause =
        cause != null && cause != error && depth < MAX_CAUSES ? redacted(cause, depth + 1) : null;
    Redacted copy = new Redacted(error.getClass().getName(), redactedCause);
    copy.setStackTrace(error.getStackTrace());
    return copy;
  }

  /** Prints as the class it stands for. */
  private static final class Redacted extends Throwable {
    private static final long serialVersionUID = 1L;
    private final String className;

    Redacted(String className, Throwable cause) {
      super(null, cause, false, true);
      this.className = className;
    }

    @Override
    public String toString() {
      return className + " (message left out)";
    }
  }
}
