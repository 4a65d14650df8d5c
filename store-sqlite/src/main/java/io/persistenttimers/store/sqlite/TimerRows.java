package io.persistenttimers.store.sqlite;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The mapping between {@link TimerRecord} and a row of {@code persistent_timers}: column order,
 * encoding (instants as UTC epoch millis, enums by name, schedule and retry policy as JSON) and
 * decoding that never throws for bad content (it yields {@link Unreadable} instead).
 */
final class TimerRows {

  static final String TABLE = "persistent_timers";

  /** Every column, in the order {@link #values} yields them. */
  static final List<String> COLUMNS =
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

  static final String SELECT = "SELECT " + String.join(", ", COLUMNS) + " FROM " + TABLE;

  static final String INSERT =
      "INSERT INTO "
          + TABLE
          + " ("
          + String.join(", ", COLUMNS)
          + ") VALUES ("
          + String.join(", ", COLUMNS.stream().map(c -> "?").toList())
          + ") ON CONFLICT (id) DO NOTHING";

  /** Every column but id set from positions 1..20, then id = ?21 and version = ?22. */
  static final String UPDATE_IF_VERSION =
      "UPDATE "
          + TABLE
          + " SET "
          + String.join(
              ", ", COLUMNS.subList(1, COLUMNS.size()).stream().map(c -> c + " = ?").toList())
          + " WHERE id = ? AND version = ?";

  private TimerRows() {}

  /** Column values of {@code record} in {@link #COLUMNS} order, as stored. */
  static Object[] values(TimerRecord r) {
    return new Object[] {
      r.id(),
      r.participantId(),
      r.flowType(),
      r.callbackType(),
      r.params(),
      r.payloadVersion(),
      r.kind().name(),
      r.schedule() == null ? null : r.schedule().toJson(),
      r.nextFireAt().toEpochMilli(),
      millis(r.expiresAt()),
      r.stateType(),
      r.dataKey(),
      r.attempt(),
      r.lastError(),
      r.status().name(),
      r.version(),
      r.retryPolicy() == null ? null : r.retryPolicy().toJson(),
      r.overduePolicy() == null ? null : r.overduePolicy().name(),
      millis(r.lastFiredAt()),
      r.createdAt().toEpochMilli(),
      r.updatedAt().toEpochMilli()
    };
  }

  /** Values for {@link #UPDATE_IF_VERSION}: every column but id, then id, then the version. */
  static Object[] updateValues(TimerRecord next, long expectedVersion) {
    Object[] all = values(next);
    Object[] result = Arrays.copyOf(Arrays.copyOfRange(all, 1, all.length), all.length + 1);
    result[all.length - 1] = next.id();
    result[all.length] = expectedVersion;
    return result;
  }

  /** Binds {@code values} to positions 1..n of a plain JDBC statement. */
  static void bind(PreparedStatement statement, Object[] values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      statement.setObject(i + 1, values[i]);
    }
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }

  /** A decoded row: either a record or the reason it could not be read. */
  sealed interface Row permits Readable, Unreadable {}

  /** A row that decoded into a record. */
  record Readable(TimerRecord record) implements Row {}

  /**
   * A row that did not decode. Carries what is needed to quarantine it: the id, the raw status and
   * version as stored (so the quarantine write can compare and set on them), and the reason, which
   * never contains the params.
   */
  record Unreadable(String id, String rawStatus, long version, String reason) implements Row {

    boolean alreadyQuarantined() {
      return TimerStatus.QUARANTINED.name().equals(rawStatus);
    }
  }

  /**
   * Decodes the current row. SQL errors propagate; anything wrong with the content gives an {@link
   * Unreadable}.
   */
  static Row decode(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    String rawStatus = rs.getString("status");
    long version = rs.getLong("version");
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
              instant(rs, "next_fire_at"),
              instant(rs, "expires_at"),
              rs.getString("state_type"),
              rs.getString("data_key"),
              attempt,
              rs.getString("last_error"),
              status,
              version,
              retryPolicy,
              overduePolicy,
              instant(rs, "last_fired_at"),
              instant(rs, "created_at"),
              instant(rs, "updated_at"));
      return new Readable(record);
    } catch (RuntimeException e) {
      // The messages of the value types name the field and the rule, never the params content.
      String reason = "unreadable row (" + column + "): " + e.getMessage();
      if (reason.length() > TimerRecord.MAX_ERROR_LENGTH) {
        reason = reason.substring(0, TimerRecord.MAX_ERROR_LENGTH);
      }
      return new Unreadable(id, rawStatus, version, reason);
    }
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(value);
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
