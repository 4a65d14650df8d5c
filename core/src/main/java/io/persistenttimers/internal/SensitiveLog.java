package io.persistenttimers.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where text the library did not write reaches the log: the messages and stack traces
 * of exceptions thrown by callbacks, factories, listeners and stores. Such text may quote the
 * params or a participant id (a {@code NumberFormatException} of a phone number, a JSON mapping
 * error), so it is personal data: it goes only to DEBUG on the logger {@value #NAME}. Lines above
 * DEBUG name the exception class, the timer id, the callback type and the attempt instead.
 */
public final class SensitiveLog {
  /** The logger name; enable DEBUG on it (or on {@code io.persistenttimers}) to see the detail. */
  public static final String NAME = "io.persistenttimers.sensitive";

  private static final Logger log = LoggerFactory.getLogger(NAME);

  private SensitiveLog() {}

  /** Logs at DEBUG; the last argument may be the throwable, logged with its stack trace. */
  public static void debug(String format, Object... args) {
    log.debug(format, args);
  }
}
