package io.persistenttimers;

import static io.persistenttimers.internal.Checks.optionalText;
import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;
import static io.persistenttimers.internal.Checks.requireText;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A filter over stored timers. Every set criterion must match; unset ones match anything. Results
 * come ordered by {@code nextFireAt}, then {@code id}. Build from {@link #all()}; each method named
 * after a component returns a copy with that criterion set.
 *
 * @param id only the timer with this id, or null
 * @param participantId only this participant's timers, or null
 * @param flowType only this flow type, or null
 * @param callbackType only this callback type, or null
 * @param status only this status, or null
 * @param dueBefore only timers whose {@code nextFireAt} is strictly before this instant, or null
 * @param expiredBy only timers with an {@code expiresAt} at or before this instant, or null
 * @param updatedBefore only timers last changed ({@code updatedAt}) strictly before this instant,
 *     or null
 * @param after only timers after this position in the order ({@code nextFireAt}, {@code id}): the
 *     keyset cursor of the next page, or null for the first page
 * @param failedAttemptsOnly only timers with at least one failed attempt ({@code attempt > 0})
 * @param limit at most this many results (≥ 1)
 */
public record TimerQuery(
    String id,
    String participantId,
    String flowType,
    String callbackType,
    TimerStatus status,
    Instant dueBefore,
    Instant expiredBy,
    Instant updatedBefore,
    Position after,
    boolean failedAttemptsOnly,
    int limit) {

  /** The limit of a query that returns every match. */
  public static final int NO_LIMIT = Integer.MAX_VALUE;

  /**
   * A place in the order every list follows ({@code nextFireAt}, then {@code id}): the last row of
   * a page, from which the next page continues. Paging by position stays as fast on the millionth
   * row as on the first, where an offset would read and skip every row before it.
   *
   * @param nextFireAt the due time of the last row seen
   * @param id the id of the last row seen
   */
  public record Position(Instant nextFireAt, String id) {

    /**
     * Validates the position.
     *
     * @param nextFireAt the due time of the last row seen; cut to milliseconds as stored
     * @param id the id of the last row seen
     * @throws IllegalArgumentException when either is missing or the id is blank or too long
     */
    public Position {
      nextFireAt = requireNonNull(nextFireAt, "after.nextFireAt").truncatedTo(ChronoUnit.MILLIS);
      requireText(id, "after.id", TimerRecord.MAX_ID_LENGTH);
    }

    /**
     * The position of {@code record}: the next page starts after it.
     *
     * @param record the last record of a page
     * @return its position
     */
    public static Position of(TimerRecord record) {
      return new Position(record.nextFireAt(), record.id());
    }
  }

  /**
   * Validates the criteria.
   *
   * @param id only the timer with this id, or null
   * @param participantId only this participant's timers, or null
   * @param flowType only this flow type, or null
   * @param callbackType only this callback type, or null
   * @param status only this status, or null
   * @param dueBefore only timers due strictly before this instant, or null
   * @param expiredBy only timers expired at this instant, or null
   * @param updatedBefore only timers last changed strictly before this instant, or null
   * @param after the keyset cursor, or null
   * @param failedAttemptsOnly only timers with a failed attempt
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
    return new TimerQuery(null, null, null, null, null, null, null, null, null, false, NO_LIMIT);
  }

  /**
   * Only the timer with this id.
   *
   * @param id the id, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery id(String id) {
    Copy copy = new Copy(this);
    copy.id = id;
    return copy.build();
  }

  /**
   * Only this participant's timers.
   *
   * @param participantId the participant, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery participant(String participantId) {
    Copy copy = new Copy(this);
    copy.participantId = participantId;
    return copy.build();
  }

  /**
   * Only this flow type.
   *
   * @param flowType the flow type, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery flowType(String flowType) {
    Copy copy = new Copy(this);
    copy.flowType = flowType;
    return copy.build();
  }

  /**
   * Only this callback type.
   *
   * @param callbackType the callback type, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery callbackType(String callbackType) {
    Copy copy = new Copy(this);
    copy.callbackType = callbackType;
    return copy.build();
  }

  /**
   * Only this status.
   *
   * @param status the status, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery status(TimerStatus status) {
    Copy copy = new Copy(this);
    copy.status = status;
    return copy.build();
  }

  /**
   * Only timers whose {@code nextFireAt} is strictly before {@code instant}.
   *
   * @param instant the exclusive bound, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery dueBefore(Instant instant) {
    Copy copy = new Copy(this);
    copy.dueBefore = instant;
    return copy.build();
  }

  /**
   * Only timers whose {@code expiresAt} is at or before {@code now}.
   *
   * @param now the instant, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery expiredBy(Instant now) {
    Copy copy = new Copy(this);
    copy.expiredBy = now;
    return copy.build();
  }

  /**
   * Only timers last changed strictly before {@code cutoff}.
   *
   * @param cutoff the exclusive bound, or null for any
   * @return a copy with that criterion
   */
  public TimerQuery updatedBefore(Instant cutoff) {
    Copy copy = new Copy(this);
    copy.updatedBefore = cutoff;
    return copy.build();
  }

  /**
   * Only timers after {@code position} in the order: the next page.
   *
   * @param position the last row of the previous page, or null for the first page
   * @return a copy with that criterion
   */
  public TimerQuery after(Position position) {
    Copy copy = new Copy(this);
    copy.after = position;
    return copy.build();
  }

  /**
   * Only timers with at least one failed attempt.
   *
   * @param only whether to require a failed attempt
   * @return a copy with that criterion
   */
  public TimerQuery failedAttemptsOnly(boolean only) {
    Copy copy = new Copy(this);
    copy.failedAttemptsOnly = only;
    return copy.build();
  }

  /**
   * At most {@code limit} results.
   *
   * @param limit at least 1; {@link #NO_LIMIT} for all
   * @return a copy with that limit
   */
  public TimerQuery limit(int limit) {
    Copy copy = new Copy(this);
    copy.limit = limit;
    return copy.build();
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
        && (dueBefore == null || record.nextFireAt().isBefore(dueBefore))
        && (expiredBy == null || record.isExpiredAt(expiredBy))
        && (updatedBefore == null || record.updatedAt().isBefore(updatedBefore))
        && (after == null || isAfter(record, after))
        && (!failedAttemptsOnly || record.attempt() > 0);
  }

  private static boolean isAfter(TimerRecord record, Position position) {
    int byDue = record.nextFireAt().compareTo(position.nextFireAt());
    return byDue > 0 || (byDue == 0 && record.id().compareTo(position.id()) > 0);
  }

  @Override
  public String toString() {
    // Participant ids may be personal data: keep them out of logs and messages.
    return "TimerQuery[id="
        + id
        + ", participant="
        + (participantId == null ? "any" : "(set)")
        + ", flowType="
        + flowType
        + ", callbackType="
        + callbackType
        + ", status="
        + status
        + ", dueBefore="
        + dueBefore
        + ", limit="
        + limit
        + "]";
  }

  /**
   * A mutable copy, so each wither names the one criterion it changes instead of repeating the
   * canonical constructor; {@link #build()} validates through it.
   */
  private static final class Copy {
    private String id;
    private String participantId;
    private String flowType;
    private String callbackType;
    private TimerStatus status;
    private Instant dueBefore;
    private Instant expiredBy;
    private Instant updatedBefore;
    private Position after;
    private boolean failedAttemptsOnly;
    private int limit;

    Copy(TimerQuery q) {
      id = q.id;
      participantId = q.participantId;
      flowType = q.flowType;
      callbackType = q.callbackType;
      status = q.status;
      dueBefore = q.dueBefore;
      expiredBy = q.expiredBy;
      updatedBefore = q.updatedBefore;
      after = q.after;
      failedAttemptsOnly = q.failedAttemptsOnly;
      limit = q.limit;
    }

    TimerQuery build() {
      return new TimerQuery(
          id,
          participantId,
          flowType,
          callbackType,
          status,
          dueBefore,
          expiredBy,
          updatedBefore,
          after,
          failedAttemptsOnly,
          limit);
    }
  }
}
