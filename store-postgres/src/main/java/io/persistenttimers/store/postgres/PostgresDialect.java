package io.persistenttimers.store.postgres;

import io.persistenttimers.store.jdbc.Dialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * PostgreSQL: instants as {@code timestamptz} (absolute, whatever the session's or the JVM's time
 * zone), schedule and retry policy as {@code jsonb}, id lists as one {@code text[]} parameter.
 */
final class PostgresDialect implements Dialect {

  static final PostgresDialect INSTANCE = new PostgresDialect();

  /** The largest instant timestamptz holds (294276 AD); later bounds mean "infinity". */
  private static final Instant PG_MAX = Instant.parse("+294276-12-31T23:59:59.999Z");

  /** The earliest instant timestamptz holds (4713 BC); earlier bounds mean "-infinity". */
  private static final Instant PG_MIN = Instant.parse("-4712-01-01T00:00:00Z");

  private PostgresDialect() {}

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public void setInstant(PreparedStatement statement, int index, Instant instant)
      throws SQLException {
    statement.setObject(index, timestamp(instant));
  }

  @Override
  public void setNullInstant(PreparedStatement statement, int index) throws SQLException {
    statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
  }

  @Override
  public Instant getInstant(ResultSet row, String column) throws SQLException {
    // timestamptz read as OffsetDateTime is an absolute instant, whatever the session zone.
    OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  /** The driver sends OffsetDateTime.MAX / MIN as 'infinity' / '-infinity'. */
  static OffsetDateTime timestamp(Instant instant) {
    if (instant.isAfter(PG_MAX)) {
      return OffsetDateTime.MAX;
    }
    if (instant.isBefore(PG_MIN)) {
      return OffsetDateTime.MIN;
    }
    return instant.atOffset(ZoneOffset.UTC);
  }

  @Override
  public String jsonPlaceholder() {
    return "CAST(? AS jsonb)";
  }

  @Override
  public String jsonSelect(String column) {
    return column + "::text AS " + column;
  }

  @Override
  public boolean bindsIdsAsArray() {
    return true;
  }

  @Override
  public int maxIdsPerStatement() {
    return 10_000;
  }

  /**
   * By SQLState class: data exceptions (22), integrity violations (23), syntax or access errors
   * (42), invalid transaction or statement names (24, 25, 26, 34), feature not supported (0A) and
   * invalid authorization (28) will not heal by waiting. Connection failures, timeouts, pool
   * exhaustion (no SQLState), serialization failures, lack of resources and shutdowns may.
   */
  @Override
  public boolean isRetryable(SQLException failure) {
    String state = failure.getSQLState();
    if (state == null || state.length() < 2) {
      return true;
    }
    return switch (state.substring(0, 2)) {
      case "22", "23", "42", "24", "25", "26", "34", "0A", "28" -> false;
      default -> true;
    };
  }

  /**
   * A server error's DETAIL can quote the failing row or the invalid JSON text: keep only the
   * primary message and the SQLState, with the original stack trace. Client-side failures
   * (connection refused, pool timeout, I/O) carry no row content.
   */
  @Override
  public SQLException withoutRowData(SQLException failure) {
    if (failure instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
      ServerErrorMessage server = psql.getServerErrorMessage();
      SQLException clean = new SQLException(server.getMessage(), psql.getSQLState());
      clean.setStackTrace(psql.getStackTrace());
      return clean;
    }
    return failure;
  }
}
