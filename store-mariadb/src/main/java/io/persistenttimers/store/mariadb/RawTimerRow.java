package io.persistenttimers.store.mariadb;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code persistent_timers} as stored, before decoding. Reading a row never fails on its
 * content; {@link #decode()} does, so one unreadable row can be quarantined without failing the
 * query that met it.
 */
record RawTimerRow(
    String id,
    String participantId,
    String flowType,
    String callbackType,
    String params,
    int payloadVersion,
    String kind,
    String scheduleJson,
    Instant nextFireAt,
    Instant expiresAt,
    String stateType,
    String dataKey,
    int attempt,
    String lastError,
    String status,
    long version,
    String retryPolicyJson,
    String overduePolicy,
    Instant lastFiredAt,
    Instant createdAt,
    Instant updatedAt) {

  /** The select list matching {@link #MAPPER}. */
  static final String COLUMNS =
      "id, participant_id, flow_type, callback_type, callback_params, payload_version,"
          + " timer_type, schedule_json, next_fire_at, expires_at, state_type, data_key, attempt,"
          + " last_error, status, version, retry_policy, overdue_policy, last_fired_at,"
          + " created_at, updated_at";

  static final RowMapper<RawTimerRow> MAPPER = RawTimerRow::map;

  private static RawTimerRow map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new RawTimerRow(
        rs.getString("id"),
        rs.getString("participant_id"),
        rs.getString("flow_type"),
        rs.getString("callback_type"),
        rs.getString("callback_params"),
        rs.getInt("payload_version"),
        rs.getString("timer_type"),
        rs.getString("schedule_json"),
        instant(rs, "next_fire_at"),
        instant(rs, "expires_at"),
        rs.getString("state_type"),
        rs.getString("data_key"),
        rs.getInt("attempt"),
        rs.getString("last_error"),
        rs.getString("status"),
        rs.getLong("version"),
        rs.getString("retry_policy"),
        rs.getString("overdue_policy"),
        instant(rs, "last_fired_at"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    return UtcDatetime.read(rs, column);
  }

  /**
   * The record this row holds.
   *
   * @throws IllegalArgumentException when a column cannot be read; the message names the column and
   *     never contains params
   */
  TimerRecord decode() {
    TimerKind decodedKind = enumValue(TimerKind.class, kind, "timer_type");
    TimerStatus decodedStatus = enumValue(TimerStatus.class, status, "status");
    OverduePolicy decodedOverdue =
        overduePolicy == null
            ? null
            : enumValue(OverduePolicy.class, overduePolicy, "overdue_policy");
    Schedule schedule;
    try {
      schedule = scheduleJson == null ? null : Schedule.fromJson(scheduleJson);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("schedule_json is unreadable: " + e.getMessage(), e);
    }
    RetryPolicy retryPolicy;
    try {
      retryPolicy = retryPolicyJson == null ? null : RetryPolicy.fromJson(retryPolicyJson);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("retry_policy is unreadable: " + e.getMessage(), e);
    }
    if (nextFireAt == null || createdAt == null || updatedAt == null) {
      throw new IllegalArgumentException("a required timestamp is missing");
    }
    return new TimerRecord(
        id,
        participantId,
        flowType,
        callbackType,
        params,
        payloadVersion,
        decodedKind,
        schedule,
        nextFireAt,
        expiresAt,
        stateType,
        dataKey,
        attempt,
        lastError,
        decodedStatus,
        version,
        retryPolicy,
        decodedOverdue,
        lastFiredAt,
        createdAt,
        updatedAt);
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String column) {
    if (name == null) {
      throw new IllegalArgumentException(column + " is missing");
    }
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(column + " has an unknown value: " + name, e);
    }
  }
}
