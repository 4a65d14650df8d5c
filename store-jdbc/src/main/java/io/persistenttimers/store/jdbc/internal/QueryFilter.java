package io.persistenttimers.store.jdbc.internal;

import io.persistenttimers.TimerQuery;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The one WHERE clause of a {@link TimerQuery}, for list, count and remove alike. The status is
 * written as a literal (an enum name), so a partial or leading-status index on ACTIVE rows serves
 * the due query.
 */
public final class QueryFilter {
  private final TimerQuery query;
  private final RowCodec codec;
  private final String sql;

  /**
   * The filter of {@code query}.
   *
   * @param query the query
   * @param codec binds instants as the dialect stores them
   */
  public QueryFilter(TimerQuery query, RowCodec codec) {
    this.query = query;
    this.codec = codec;
    List<String> conditions = new ArrayList<>();
    if (query.id() != null) {
      conditions.add("id = :q_id");
    }
    if (query.participantId() != null) {
      conditions.add("participant_id = :q_participant");
    }
    if (query.flowType() != null) {
      conditions.add("flow_type = :q_flow");
    }
    if (query.callbackType() != null) {
      conditions.add("callback_type = :q_callback");
    }
    if (query.status() != null) {
      conditions.add("status = '" + query.status().name() + "'");
    }
    if (query.dueBefore() != null) {
      conditions.add("next_fire_at < :q_before");
    }
    this.sql = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  /** {@code " WHERE …"}, or empty when the query has no criteria. */
  public String where() {
    return sql;
  }

  /** {@link #where()} followed by one more condition. */
  public String whereAnd(String condition) {
    return sql.isEmpty() ? " WHERE " + condition : sql + " AND " + condition;
  }

  /** Binds the query's criteria. */
  public <S extends SqlStatement<S>> S bind(S statement) {
    if (query.id() != null) {
      statement.bind("q_id", query.id());
    }
    if (query.participantId() != null) {
      statement.bind("q_participant", query.participantId());
    }
    if (query.flowType() != null) {
      statement.bind("q_flow", query.flowType());
    }
    if (query.callbackType() != null) {
      statement.bind("q_callback", query.callbackType());
    }
    if (query.dueBefore() != null) {
      // Stored instants are whole milliseconds: next_fire_at < t  <=>  next_fire_at < ceil(t).
      statement.bind("q_before", codec.instant(ceilMillis(query.dueBefore())));
    }
    return statement;
  }

  /**
   * The query for a message: its criteria, but whether it names a participant, never the id (it may
   * be personal data).
   */
  public static String describe(TimerQuery query) {
    StringBuilder text = new StringBuilder("(");
    if (query.id() != null) {
      text.append("id '").append(query.id()).append("', ");
    }
    if (query.participantId() != null) {
      text.append("of a participant, ");
    }
    if (query.flowType() != null) {
      text.append("flow type '").append(query.flowType()).append("', ");
    }
    if (query.callbackType() != null) {
      text.append("callback type '").append(query.callbackType()).append("', ");
    }
    if (query.status() != null) {
      text.append(query.status()).append(", ");
    }
    if (query.dueBefore() != null) {
      text.append("due before ").append(query.dueBefore()).append(", ");
    }
    return text.length() == 1 ? "(all)" : text.substring(0, text.length() - 2) + ")";
  }

  /** The first whole millisecond at or after {@code instant}. */
  public static Instant ceilMillis(Instant instant) {
    Instant floor = instant.truncatedTo(ChronoUnit.MILLIS);
    if (floor.equals(instant)) {
      return instant;
    }
    try {
      return floor.plusMillis(1);
    } catch (DateTimeException e) {
      return instant; // Instant.MAX's millisecond: nothing is stored that late
    }
  }
}
