package io.persistenttimers.store.jdbc.internal;

import io.persistenttimers.store.jdbc.Dialect;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The timer table's columns and the statements every SQL store runs on it, written once for a
 * dialect and a table name.
 */
public final class TimerTable {

  /** Every column of a timer, in the order of {@link TimerRecord}'s components. */
  public static final List<String> COLUMNS =
      List.of(
          "id",
          "participant_id",
          "flow_type",
          "callback_type",
          "callback_params",
          "payload_version",
          "timer_type",
          "schedule_json",
          "next_fire_at",
          "expires_at",
          "state_type",
          "data_key",
          "attempt",
          "last_error",
          "status",
          "version",
          "retry_policy",
          "overdue_policy",
          "last_fired_at",
          "created_at",
          "updated_at");

  private static final List<String> JSON_COLUMNS = List.of("schedule_json", "retry_policy");

  private final Dialect dialect;
  private final String table;
  private final String selectList;
  private final String insert;
  private final String update;
  private final String insertPositional;
  private final String updatePositional;

  /**
   * The statements for {@code table}.
   *
   * @param dialect the database's dialect
   * @param table the table, qualified and quoted as the database needs
   */
  public TimerTable(Dialect dialect, String table) {
    this.dialect = dialect;
    this.table = table;
    this.selectList =
        COLUMNS.stream()
            .map(c -> JSON_COLUMNS.contains(c) ? dialect.jsonSelect(c) : c)
            .collect(Collectors.joining(", "));
    this.insert =
        dialect.insertIfAbsent(
            table,
            String.join(", ", COLUMNS),
            COLUMNS.stream().map(this::placeholder).collect(Collectors.joining(", ")));
    this.update =
        "UPDATE "
            + table
            + " SET "
            + COLUMNS.subList(1, COLUMNS.size()).stream()
                .map(c -> c + " = " + placeholder(c))
                .collect(Collectors.joining(", "))
            + " WHERE id = :id AND version = :expected_version";
    this.insertPositional =
        dialect.insertIfAbsent(
            table,
            String.join(", ", COLUMNS),
            COLUMNS.stream().map(this::positional).collect(Collectors.joining(", ")));
    this.updatePositional =
        "UPDATE "
            + table
            + " SET "
            + COLUMNS.subList(1, COLUMNS.size()).stream()
                .map(c -> c + " = " + positional(c))
                .collect(Collectors.joining(", "))
            + " WHERE id = ? AND version = ?";
  }

  private String positional(String column) {
    return JSON_COLUMNS.contains(column) ? dialect.jsonPlaceholder() : "?";
  }

  private String placeholder(String column) {
    String named = ":" + column;
    return JSON_COLUMNS.contains(column) ? dialect.jsonPlaceholder().replace("?", named) : named;
  }

  /** The table name as used in statements. */
  public String name() {
    return table;
  }

  /** {@code SELECT <every column> FROM <table>}. */
  public String select() {
    return "SELECT " + selectList + " FROM " + table;
  }

  /** The select list alone, for {@code RETURNING}. */
  public String selectList() {
    return selectList;
  }

  /** The insert of one record, bound by column name; a duplicate id inserts nothing. */
  public String insert() {
    return insert;
  }

  /** The compare-and-set replacement, bound by column name plus {@code :expected_version}. */
  public String update() {
    return update;
  }

  /**
   * {@link #insert()} for plain JDBC: every column in {@link #COLUMNS} order as {@code ?}.
   *
   * @return the statement
   */
  public String insertPositional() {
    return insertPositional;
  }

  /**
   * {@link #update()} for plain JDBC: every column but {@code id} in {@link #COLUMNS} order, then
   * the id and the expected version.
   *
   * @return the statement
   */
  public String updatePositional() {
    return updatePositional;
  }

  /**
   * {@link #delete()} for plain JDBC: the id, then the expected version.
   *
   * @return the statement
   */
  public String deletePositional() {
    return "DELETE FROM " + table + " WHERE id = ? AND version = ?";
  }

  /** The compare-and-set delete, bound by {@code :id} and {@code :expected_version}. */
  public String delete() {
    return "DELETE FROM " + table + " WHERE id = :id AND version = :expected_version";
  }
}
