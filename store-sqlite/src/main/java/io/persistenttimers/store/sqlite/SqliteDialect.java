package io.persistenttimers.store.sqlite;

import io.persistenttimers.store.jdbc.Dialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/**
 * SQLite: instants as UTC epoch milliseconds (INTEGER), JSON as text, {@code ON CONFLICT} and
 * {@code RETURNING} (SQLite 3.35+), no row locks (a write transaction excludes every other writer).
 */
final class SqliteDialect implements Dialect {

  static final SqliteDialect INSTANCE = new SqliteDialect();

  private SqliteDialect() {}

  @Override
  public String name() {
    return "SQLite";
  }

  @Override
  public void setInstant(PreparedStatement statement, int index, Instant instant)
      throws SQLException {
    long millis;
    try {
      millis = instant.toEpochMilli();
    } catch (ArithmeticException e) {
      // A query bound beyond what a long of milliseconds holds; no stored timer is that far.
      millis = instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    statement.setLong(index, millis);
  }

  @Override
  public void setNullInstant(PreparedStatement statement, int index) throws SQLException {
    statement.setNull(index, Types.BIGINT);
  }

  @Override
  public Instant getInstant(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : Instant.ofEpochMilli(value);
  }

  @Override
  public String lockForUpdate() {
    return "";
  }

  @Override
  public boolean isRetryable(SQLException failure) {
    return SqliteErrors.retryable(failure);
  }

  @Override
  public String explain(SQLException failure) {
    return SqliteErrors.fileProblem(failure);
  }
}
