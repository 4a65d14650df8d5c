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
  private final boolean withPosition;
  private final String sql;

  /**
   * The filter of {@code query}, its page position ({@link TimerQuery#after()}) included.
   *
   * @param query the query
   * @param codec binds instants as the dialect stores them
   */
  public QueryFilter(TimerQuery query, RowCodec codec) {
    this(query, codec, true);
  }

  /**
   * The filter of {@code query} for a count: every criterion but the page position.
   *
   * @param query the query
   * @param codec binds instants as the dialect stores them
   * @return the filter
   */
  public static QueryFilter forCount(TimerQuery query, RowCodec codec) {
    return new QueryFilter(query, codec, false);
  }

  private QueryFilter(TimerQuery query, RowCodec codec, boolean withPosition) {
    this.query = query;
    this.codec = codec;
    this.withPosition = withPosition && query.after() != null;
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
    if (query.expiredBy() != null) {
      conditions.add("expires_at <= :q_expired_by");
    }
    if (query.updatedBefore() != null) {
      conditions.add("updated_at < :q_updated_before");
    }
    if (query.failedAttemptsOnly()) {
      conditions.add("attempt > 0");
    }
    if (this.withPosition) {
      // Keyset paging in the (next_fire_at, id) order every list follows. The leading bound is
      // what an index range starts from; the OR alone made PostgreSQL walk the index from its
      // first entry, so a page in the middle of a million timers cost 116 ms instead of a few.
      conditions.add(
          "next_fire_at >= :q_after_due"
              + " AND (next_fire_at > :q_after_due OR id > :q_after_id)");
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
    if (query.expiredBy() != null) {
      statement.bind("q_expired_by", codec.instant(query.expiredBy()));
    }
    if (query.updatedBefore() != null) {
      statement.bind("q_updated_before", codec.instant(ceilMillis(query.updatedBefore())));
    }
    if (withPosition) {
      statement
          .bind("q_after_due", codec.instant(query.after().nextFireAt()))
          .bind("q_after_id", query.after().id());
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
    if (query.expiredBy() != null) {
      text.append("expired by ").append(query.expiredBy()).append(", ");
    }
    if (query.updatedBefore() != null) {
      text.append("updated before ").append(query.updatedBefore()).append(", ");
    }
    if (query.failedAttemptsOnly()) {
      text.append("with failed attempts, ");
    }
    if (query.after() != null) {
      text.append("after a position, ");
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
