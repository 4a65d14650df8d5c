package io.persistenttimers.store.mariadb;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Instants as {@code DATETIME(3)} holding UTC wall time. A {@code LocalDateTime} goes to and from
 * the server unconverted, so neither the session's {@code time_zone} nor the JVM's default zone
 * changes what is stored (a {@code java.sql.Timestamp} would be shifted by the JVM's zone, a {@code
 * TIMESTAMP} column by the session's).
 *
 * <p>{@code DATETIME} holds the years 1000 to 9999. A later instant is stored as the last
 * millisecond of 9999 and an earlier one as the first of 1000: both still mean "never due" and
 * "long expired", as PostgreSQL's store maps them to infinity.
 */
final class UtcDatetime {
  private UtcDatetime() {}

  static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");
  static final Instant MIN = Instant.parse("1000-01-01T00:00:00Z");

  /** The value to bind for {@code instant}: UTC wall time, clamped to DATETIME's range. */
  static LocalDateTime of(Instant instant) {
    Instant clamped = instant.isAfter(MAX) ? MAX : instant.isBefore(MIN) ? MIN : instant;
    return LocalDateTime.ofInstant(clamped, ZoneOffset.UTC);
  }

  /** {@code instant} rounded up to whole milliseconds, the column's precision, then {@link #of}. */
  static LocalDateTime ceilMillis(Instant instant) {
    if (instant.isAfter(MAX)) {
      return of(MAX);
    }
    Instant floor = instant.truncatedTo(ChronoUnit.MILLIS);
    return of(floor.equals(instant) ? instant : floor.plusMillis(1));
  }

  static void bind(PreparedStatement ps, int index, Instant instant) throws SQLException {
    if (instant == null) {
      ps.setNull(index, Types.TIMESTAMP);
    } else {
      ps.setObject(index, of(instant));
    }
  }

  static Instant read(ResultSet rs, String column) throws SQLException {
    LocalDateTime value = rs.getObject(column, LocalDateTime.class);
    return value == null ? null : value.toInstant(ZoneOffset.UTC);
  }
}
