package io.persistenttimers.store.jdbc.internal;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.store.jdbc.Dialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Record to columns and row to record. Encoding: enums by name, schedule and retry policy as JSON,
 * instants as the dialect says. Decoding never throws for bad content: a row that is not a valid
 * timer becomes an {@link Unreadable}, which the store quarantines instead of dropping.
 */
public final class RowCodec {

  private final Dialect dialect;
  private final RowMapper<Row> mapper;

  /**
   * A codec for the dialect's instant encoding.
   *
   * @param dialect the database's dialect
   */
  public RowCodec(Dialect dialect) {
    this.dialect = dialect;
    this.mapper = (rs, ctx) -> decode(rs);
  }

  /** Maps the current row to a {@link Row}; SQL errors propagate, bad content does not. */
  public RowMapper<Row> mapper() {
    return mapper;
  }

  /** An argument that binds {@code instant} (null allowed) as the dialect stores instants. */
  public Argument instant(Instant instant) {
    return instant == null
        ? (position, statement, ctx) -> dialect.setNullInstant(statement, position)
        : (position, statement, ctx) -> dialect.setInstant(statement, position, instant);
  }

  /**
   * Binds the columns of {@code r} to a plain JDBC statement, in {@link TimerTable#COLUMNS} order
   * from parameter {@code first}, as {@link #bind(SqlStatement, TimerRecord)} binds them by name.
   *
   * @param statement the statement
   * @param first the first parameter's index
   * @param r the record
   * @param withId whether to bind the {@code id} column (an insert) or start after it (an update)
   * @return the index of the next parameter
   * @throws SQLException from the driver
   */
  public int bindPositional(PreparedStatement statement, int first, TimerRecord r, boolean withId)
      throws SQLException {
    int i = first;
    if (withId) {
      statement.setString(i++, r.id());
    }
    text(statement, i++, r.participantId());
    text(statement, i++, r.flowType());
    text(statement, i++, r.callbackType());
    text(statement, i++, r.params());
    statement.setInt(i++, r.payloadVersion());
    text(statement, i++, r.kind().name());
    text(statement, i++, r.schedule() == null ? null : r.schedule().toJson());
    instant(statement, i++, r.nextFireAt());
    instant(statement, i++, r.expiresAt());
    text(statement, i++, r.stateType());
    text(statement, i++, r.dataKey());
    statement.setInt(i++, r.attempt());
    text(statement, i++, r.lastError());
    text(statement, i++, r.status().name());
    statement.setLong(i++, r.version());
    text(statement, i++, r.retryPolicy() == null ? null : r.retryPolicy().toJson());
    text(statement, i++, r.overduePolicy() == null ? null : r.overduePolicy().name());
    instant(statement, i++, r.lastFiredAt());
    instant(statement, i++, r.createdAt());
    instant(statement, i++, r.updatedAt());
    return i;
  }

  private static void text(PreparedStatement statement, int index, String value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, value);
    }
  }

  private void instant(PreparedStatement statement, int index, Instant value) throws SQLException {
    if (value == null) {
      dialect.setNullInstant(statement, index);
    } else {
      dialect.setInstant(statement, index, value);
    }
  }

  /** Binds every column of {@code r} by its column name. */
  public <S extends SqlStatement<S>> S bind(S statement, TimerRecord r) {
    return statement
        .bind("id", r.id())
        .bind("participant_id", r.participantId())
        .bind("flow_type", r.flowType())
        .bind("callback_type", r.callbackType())
        .bind("callback_params", r.params())
        .bind("payload_version", r.payloadVersion())
        .bind("timer_type", r.kind().name())
        .bind("schedule_json", r.schedule() == null ? null : r.schedule().toJson())
        .bind("next_fire_at", instant(r.nextFireAt()))
        .bind("expires_at", instant(r.expiresAt()))
        .bind("state_type", r.stateType())
        .bind("data_key", r.dataKey())
        .bind("attempt", r.attempt())
        .bind("last_error", r.lastError())
        .bind("status", r.status().name())
        .bind("version", r.version())
        .bind("retry_policy", r.retryPolicy() == null ? null : r.retryPolicy().toJson())
        .bind("overdue_policy", r.overduePolicy() == null ? null : r.overduePolicy().name())
        .bind("last_fired_at", instant(r.lastFiredAt()))
        .bind("created_at", instant(r.createdAt()))
        .bind("updated_at", instant(r.updatedAt()));
  }

  /** A decoded row: either a record or the reason it could not be read. */
  public sealed interface Row permits Readable, Unreadable {
    /** The timer id of the row. */
    String id();

    /** When the row is due as stored, or null when that too is unreadable. */
    Instant due();
  }

  /** A row that decoded into a record. */
  public record Readable(TimerRecord record) implements Row {
    @Override
    public String id() {
      return record.id();
    }

    @Override
    public Instant due() {
      return record.nextFireAt();
    }
  }

  /**
   * A row that did not decode. Carries what quarantining it needs: the id, the status and version
   * as stored (the quarantine compares and sets on the version), and the reason, which names the
   * column and never contains the params.
   */
  public record Unreadable(String id, Instant due, String rawStatus, long version, String reason)
      implements Row {

    /** Whether the row is marked QUARANTINED already (nothing left to write). */
    public boolean alreadyQuarantined() {
      return TimerStatus.QUARANTINED.name().equals(rawStatus);
    }
  }

  private Row decode(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    String rawStatus = rs.getString("status");
    long version = rs.getLong("version");
    Instant due;
    try {
      due = dialect.getInstant(rs, "next_fire_at");
    } catch (RuntimeException | SQLException e) {
      due = null;
    }
    String column = "id";
    try {
      column = "payload_version";
      int payloadVersion = Math.toIntExact(rs.getLong(column));
      column = "timer_type";
      TimerKind kind = enumValue(TimerKind.class, rs.getString(column));
      column = "schedule_json";
      String scheduleJson = rs.getString(column);
      Schedule schedule = scheduleJson == null ? null : Schedule.fromJson(scheduleJson);
      column = "attempt";
      int attempt = Math.toIntExact(rs.getLong(column));
      column = "status";
      TimerStatus status = enumValue(TimerStatus.class, rawStatus);
      column = "retry_policy";
      String retryJson = rs.getString(column);
      RetryPolicy retryPolicy = retryJson == null ? null : RetryPolicy.fromJson(retryJson);
      column = "overdue_policy";
      String overdue = rs.getString(column);
      OverduePolicy overduePolicy =
          overdue == null ? null : enumValue(OverduePolicy.class, overdue);
      column = "record";
      TimerRecord record =
          new TimerRecord(
              id,
              rs.getString("participant_id"),
              rs.getString("flow_type"),
              rs.getString("callback_type"),
              rs.getString("callback_params"),
              payloadVersion,
              kind,
              schedule,
              dialect.getInstant(rs, "next_fire_at"),
              dialect.getInstant(rs, "expires_at"),
              rs.getString("state_type"),
              rs.getString("data_key"),
              attempt,
              rs.getString("last_error"),
              status,
              version,
              retryPolicy,
              overduePolicy,
              dialect.getInstant(rs, "last_fired_at"),
              dialect.getInstant(rs, "created_at"),
              dialect.getInstant(rs, "updated_at"));
      return new Readable(record);
    } catch (RuntimeException e) {
      // The messages of the value types name the field and the rule, never the params content.
      String reason = "unreadable row (" + column + "): " + e.getMessage();
      if (reason.length() > TimerRecord.MAX_ERROR_LENGTH) {
        reason = reason.substring(0, TimerRecord.MAX_ERROR_LENGTH);
      }
      return new Unreadable(id, due, rawStatus, version, reason);
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name) {
    if (name == null) {
      throw new IllegalArgumentException(type.getSimpleName() + " is missing");
    }
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'", e);
    }
  }
}
