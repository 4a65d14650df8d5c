package io.persistenttimers.cli;

import io.persistenttimers.TimerQuery;
import java.time.Instant;

/**
 * The {@code --after} cursor of {@code list}: {@code <due epoch millis>:<id>}, the last row of the
 * previous page. The id comes last, so it may hold any character, colons included.
 */
final class Cursor {

  private Cursor() {}

  static String format(TimerQuery.Position position) {
    return position.nextFireAt().toEpochMilli() + ":" + position.id();
  }

  static TimerQuery.Position parse(String cursor) {
    int colon = cursor.indexOf(':');
    try {
      if (colon > 0 && colon < cursor.length() - 1) {
        return new TimerQuery.Position(
            Instant.ofEpochMilli(Long.parseLong(cursor.substring(0, colon))),
            cursor.substring(colon + 1));
      }
    } catch (IllegalArgumentException e) {
      // Reported below with the expected form.
    }
    throw new Failure(
        Failure.BAD_ARGUMENTS,
        "--after must be a cursor printed by 'list' (<millis>:<id>), not '" + cursor + "'");
  }
}
