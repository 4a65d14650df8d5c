package io.persistenttimers;

import static io.persistenttimers.internal.Checks.optionalText;
import static io.persistenttimers.internal.Checks.requireArgument;

import java.time.Instant;

/**
 * A filter over stored timers. Every set criterion must match; unset ones match anything. Results
 * come ordered by {@code nextFireAt}, then {@code id}. Build from {@link #all()}.
 *
 * @param id only the timer with this id, or null
 * @param participantId only this participant's timers, or null
 * @param flowType only this flow type, or null
 * @param callbackType only this callback type, or null
 * @param status only this status, or null
 * @param dueBefore only timers whose {@code nextFireAt} is strictly before this instant, or null
 * @param limit at most this many results (≥ 1)
 */
public record TimerQuery(
    String id,
    String participantId,
    String flowType,
    String callbackType,
    TimerStatus status,
    Instant dueBefore,
    int limit) {

  /** The limit of a query that returns every match. */
  public static final int NO_LIMIT = Integer.MAX_VALUE;

  /**
   * Validates the criteria.
   *
   * @param id only the timer with this id, or null
   * @param participantId only this participant's timers, or null
   * @param flowType only this flow type, or null
   * @param callbackType only this callback type, or null
   * @param status only this status, or null
   * @param dueBefore only timers due strictly before this instant, or null
   * @param limit at most this many results (≥ 1)
   * @throws IllegalArgumentException when a name is blank or too long, or the limit is below 1
   */
  public TimerQuery {
    optionalText(id, "id", TimerRecord.MAX_ID_LENGTH);
    optionalText(participantId, "participantId", TimerRecord.MAX_NAME_LENGTH);
    optionalText(flowType, "flowType", TimerRecord.MAX_NAME_LENGTH);
    optionalText(callbackType, "callbackType", TimerRecord.MAX_NAME_LENGTH);
    requireArgument(limit >= 1, "limit must be >= 1: %s", limit);
  }

  /**
   * Every timer, unlimited.
   *
   * @return a query without criteria
   */
  public static TimerQuery all() {
    return new TimerQuery(null, null, null, null, null, null, NO_LIMIT);
  }

  /**
   * Only the timer with this id.
   *
   * @param id the timer id, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery id(String id) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * Only this participant's timers.
   *
   * @param participantId the participant, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery participant(String participantId) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * Only timers of this flow type.
   *
   * @param flowType the flow type, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery flowType(String flowType) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * Only timers of this callback type.
   *
   * @param callbackType the callback type, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery callbackType(String callbackType) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * Only timers in this status.
   *
   * @param status the status, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery status(TimerStatus status) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * Only timers due strictly before {@code instant}: with {@link #status status(ACTIVE)}, the due
   * timers the engine loads.
   *
   * @param instant the exclusive upper bound on {@code nextFireAt}, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery dueBefore(Instant instant) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, instant, limit);
  }

  /**
   * At most this many results.
   *
   * @param limit at least 1; {@link #NO_LIMIT} for every match
   * @return a copy of this query with that limit
   */
  public TimerQuery limit(int limit) {
    return new TimerQuery(id, participantId, flowType, callbackType, status, dueBefore, limit);
  }

  /**
   * True when {@code record} meets every set criterion (the limit aside).
   *
   * @param record the record to test
   * @return whether it matches
   */
  public boolean matches(TimerRecord record) {
    return (id == null || id.equals(record.id()))
        && (participantId == null || participantId.equals(record.participantId()))
        && (flowType == null || flowType.equals(record.flowType()))
        && (callbackType == null || callbackType.equals(record.callbackType()))
        && (status == null || status == record.status())
        && (dueBefore == null || record.nextFireAt().isBefore(dueBefore));
  }
}
