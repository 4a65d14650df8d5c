package io.persistenttimers;

import static io.persistenttimers.internal.Checks.optionalText;
import static io.persistenttimers.internal.Checks.requireArgument;

/**
 * A filter over stored timers. Every set criterion must match; unset ones match anything. Results
 * come ordered by {@code nextFireAt}, then {@code id}. Build from {@link #all()}.
 *
 * @param participantId only this participant's timers, or null
 * @param flowType only this flow type, or null
 * @param callbackType only this callback type, or null
 * @param status only this status, or null
 * @param limit at most this many results (≥ 1)
 */
public record TimerQuery(
    String participantId, String flowType, String callbackType, TimerStatus status, int limit) {

  /** The limit of a query that returns every match. */
  public static final int NO_LIMIT = Integer.MAX_VALUE;

  /**
   * Validates the criteria.
   *
   * @param participantId only this participant's timers, or null
   * @param flowType only this flow type, or null
   * @param callbackType only this callback type, or null
   * @param status only this status, or null
   * @param limit at most this many results (≥ 1)
   * @throws IllegalArgumentException when a name is blank or too long, or the limit is below 1
   */
  public TimerQuery {
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
    return new TimerQuery(null, null, null, null, NO_LIMIT);
  }

  /**
   * Only this participant's timers.
   *
   * @param participantId the participant, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery participant(String participantId) {
    return new TimerQuery(participantId, flowType, callbackType, status, limit);
  }

  /**
   * Only timers of this flow type.
   *
   * @param flowType the flow type, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery flowType(String flowType) {
    return new TimerQuery(participantId, flowType, callbackType, status, limit);
  }

  /**
   * Only timers of this callback type.
   *
   * @param callbackType the callback type, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery callbackType(String callbackType) {
    return new TimerQuery(participantId, flowType, callbackType, status, limit);
  }

  /**
   * Only timers in this status.
   *
   * @param status the status, or null for any
   * @return a copy of this query with that criterion
   */
  public TimerQuery status(TimerStatus status) {
    return new TimerQuery(participantId, flowType, callbackType, status, limit);
  }

  /**
   * At most this many results.
   *
   * @param limit at least 1; {@link #NO_LIMIT} for every match
   * @return a copy of this query with that limit
   */
  public TimerQuery limit(int limit) {
    return new TimerQuery(participantId, flowType, callbackType, status, limit);
  }

  /**
   * True when {@code record} meets every set criterion (the limit aside).
   *
   * @param record the record to test
   * @return whether it matches
   */
  public boolean matches(TimerRecord record) {
    return (participantId == null || participantId.equals(record.participantId()))
        && (flowType == null || flowType.equals(record.flowType()))
        && (callbackType == null || callbackType.equals(record.callbackType()))
        && (status == null || status == record.status());
  }
}
