package io.persistenttimers.store.mariadb;

import io.persistenttimers.store.jdbc.Dialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/**
 * MariaDB and MySQL: instants as {@code DATETIME(3)} holding UTC, no {@code RETURNING} on deletes,
 * and a plain {@code INSERT} whose duplicate-key error (1062) says the id exists.
 */
final class MariaDbDialect implements Dialect {

  static final MariaDbDialect INSTANCE = new MariaDbDialect();

  private MariaDbDialect() {}

  @Override
  public String name() {
    return "MariaDB";
  }

  @Override
  public void setInstant(PreparedStatement statement, int index, Instant instant)
      throws SQLException {
    statement.setObject(index, UtcDatetime.of(instant));
  }

  @Override
  public void setNullInstant(PreparedStatement statement, int index) throws SQLException {
    statement.setNull(index, Types.TIMESTAMP);
  }

  @Override
  public Instant getInstant(ResultSet row, String column) throws SQLException {
    return UtcDatetime.read(row, column);
  }

  /**
   * A plain {@code INSERT}: MySQL has no {@code ON CONFLICT DO NOTHING}, and {@code INSERT IGNORE}
   * would also turn a failed JSON check or an over-long value into a warning. A duplicate id fails
   * with error 1062, which rolls back only that statement.
   */
  @Override
  public String insertIfAbsent(String table, String columns, String values) {
    return "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")";
  }

  @Override
  public boolean insertFailsOnDuplicate() {
    return true;
  }

  @Override
  public boolean isDuplicateId(SQLException failure) {
    return MariaDbErrors.isDuplicateKey(failure);
  }

  @Override
  public boolean deleteReturning() {
    return false;
  }

  @Override
  public boolean isRetryable(SQLException failure) {
    return MariaDbErrors.retryable(failure);
  }

  /** Server messages quote the offending value (a duplicate id, a too-long param): cut out. */
  @Override
  public SQLException withoutRowData(SQLException failure) {
    return MariaDbErrors.sanitize(failure);
  }
}
