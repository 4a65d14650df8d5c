package io.persistenttimers.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * What differs between SQL databases for the timer table; everything else is {@link JdbcStore}'s.
 * The defaults fit standard SQL with {@code ON CONFLICT} and {@code RETURNING} (SQLite 3.35+,
 * PostgreSQL); a dialect overrides only what its database does differently.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface Dialect {

  /**
   * The database's name for messages and logs, such as {@code "SQLite"}.
   *
   * @return the name
   */
  String name();

  /**
   * Binds {@code instant} (never null) to parameter {@code index}, so that it compares and sorts as
   * an absolute instant whatever the JVM's or session's time zone. Instants outside the column's
   * range are clamped to its ends (they are bounds of queries, never stored timers).
   *
   * @param statement the statement
   * @param index the 1-based parameter index
   * @param instant the instant, at millisecond precision when stored
   * @throws SQLException from the driver
   */
  void setInstant(PreparedStatement statement, int index, Instant instant) throws SQLException;

  /**
   * Binds SQL NULL to an instant parameter.
   *
   * @param statement the statement
   * @param index the 1-based parameter index
   * @throws SQLException from the driver
   */
  void setNullInstant(PreparedStatement statement, int index) throws SQLException;

  /**
   * Reads an instant column.
   *
   * @param row the result set, on a row
   * @param column the column label
   * @return the instant, or null when the column is NULL
   * @throws SQLException from the driver
   */
  Instant getInstant(ResultSet row, String column) throws SQLException;

  /**
   * The placeholder for a value of a JSON column ({@code schedule_json}, {@code retry_policy}),
   * bound as text: {@code "?"} by default, {@code "CAST(? AS jsonb)"} for PostgreSQL.
   *
   * @return the placeholder
   */
  default String jsonPlaceholder() {
    return "?";
  }

  /**
   * The select expression that reads a JSON column as text, labelled {@code column}.
   *
   * @param column the column
   * @return the expression
   */
  default String jsonSelect(String column) {
    return column;
  }

  /**
   * An insert that changes nothing and reports no row when the id exists, and fails for any other
   * reason: {@code INSERT … ON CONFLICT (id) DO NOTHING} by default. (Never MySQL's {@code INSERT
   * IGNORE}, which also turns data errors into warnings.)
   *
   * @param table the table
   * @param columns the column list, comma separated
   * @param values the placeholders, comma separated
   * @return the statement
   */
  default String insertIfAbsent(String table, String columns, String values) {
    return "INSERT INTO "
        + table
        + " ("
        + columns
        + ") VALUES ("
        + values
        + ") ON CONFLICT (id) DO NOTHING";
  }

  /**
   * Whether {@link #insertIfAbsent} is a plain {@code INSERT} that fails on an existing id instead
   * of reporting no row (MySQL: no {@code ON CONFLICT DO NOTHING}, and {@code INSERT IGNORE} would
   * hide data errors too). Inserts then run one statement each, and a failure {@link
   * #isDuplicateId} accepts means "not inserted"; this needs a database that rolls back only the
   * failed statement, not the transaction.
   *
   * @return true for MySQL; false by default
   */
  default boolean insertFailsOnDuplicate() {
    return false;
  }

  /**
   * Whether {@code failure} says the id of an insert exists (MySQL error 1062); consulted only when
   * {@link #insertFailsOnDuplicate()}.
   *
   * @param failure the driver's exception
   * @return true for a duplicate id
   */
  default boolean isDuplicateId(SQLException failure) {
    return false;
  }

  /**
   * The most ids bound in one statement; longer lists are split.
   *
   * @return at least 1
   */
  default int maxIdsPerStatement() {
    return 500;
  }

  /**
   * Whether a list of ids is bound as one array parameter ({@code id = ANY(?)}, PostgreSQL) rather
   * than as a list of parameters ({@code id IN (?, ?, …)}, the default).
   *
   * @return true to bind an array
   */
  default boolean bindsIdsAsArray() {
    return false;
  }

  /**
   * Whether {@code DELETE … RETURNING} works. Without it a removal reads the matching ids with
   * {@link #lockForUpdate()} and then deletes them, in the same transaction.
   *
   * @return true for SQLite and PostgreSQL; false for MySQL
   */
  default boolean deleteReturning() {
    return true;
  }

  /**
   * The suffix that makes a {@code SELECT} lock the rows it reads until the transaction ends:
   * {@code " FOR UPDATE"} by default; {@code ""} for SQLite, whose write transactions exclude each
   * other whole.
   *
   * @return the suffix, with its leading space, or empty
   */
  default String lockForUpdate() {
    return " FOR UPDATE";
  }

  /**
   * Whether the same statement may succeed later: busy, locked, timed out, connection lost,
   * serialization failure. A constraint, data or syntax error will not heal by waiting.
   *
   * @param failure the driver's exception (the first {@link SQLException} of the cause chain)
   * @return true when a retry may succeed
   */
  boolean isRetryable(SQLException failure);

  /**
   * The failure as it may leave the store: messages and logs must never carry row data (params may
   * be personal data), so a driver exception whose message or detail can quote it is replaced by
   * one that cannot. The default keeps the exception.
   *
   * @param failure the driver's exception
   * @return the exception to carry as cause
   */
  default SQLException withoutRowData(SQLException failure) {
    return failure;
  }

  /**
   * Plain words for a failure an operator must act on (a read-only or corrupt file, a missing
   * privilege), or null when the driver's message says enough.
   *
   * @param failure the driver's exception
   * @return the explanation, or null
   */
  default String explain(SQLException failure) {
    return null;
  }
}
