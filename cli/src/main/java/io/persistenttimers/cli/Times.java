package io.persistenttimers.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The one way the CLI prints an instant: UTC, to the second, {@code 2026-12-01 16:21:25Z}. */
final class Times {

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Times() {}

  static String format(Instant instant) {
    return instant == null ? "-" : UTC.format(instant);
  }
}
