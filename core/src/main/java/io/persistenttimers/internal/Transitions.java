package io.persistenttimers.internal;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.time.Instant;

/**
 * The engine's state changes of a stored timer. Each returns the next record with the version one
 * higher (or, for a replacement, one above the stored timer's), which the engine then writes with a
 * compare-and-set on the version it read. They live here, not on {@link TimerRecord}, because only
 * the engine may decide what a timer's next state is.
 */
public final class Transitions {

  private Transitions() {}

  /**
   * The next state after a run or a failed attempt: a new due time, attempt count and error.
   *
   * @param r the stored record
   * @param nextFireAt the new due time
   * @param attempt failed attempts of the current occurrence
   * @param lastError the last failure, or null
   * @param lastFiredAt due time of the last completed occurrence, or null
   * @param now the current instant, stored as {@code updatedAt}
   * @return the next record
   */
  public static TimerRecord rescheduled(
      TimerRecord r,
      Instant nextFireAt,
      int attempt,
      String lastError,
      Instant lastFiredAt,
      Instant now) {
    return next(r, nextFireAt, attempt, lastError, r.status(), r.version() + 1, lastFiredAt, now);
  }

  /**
   * The record with a new status and reason (quarantine, expiry).
   *
   * @param r the stored record
   * @param status the new status
   * @param lastError the reason, or null
   * @param now the current instant, stored as {@code updatedAt}
   * @return the next record
   */
  public static TimerRecord withStatus(
      TimerRecord r, TimerStatus status, String lastError, Instant now) {
    return next(
        r, r.nextFireAt(), r.attempt(), lastError, status, r.version() + 1, r.lastFiredAt(), now);
  }

  /**
   * A one-shot timer that used up its retries: FAILED, with the attempt count and error.
   *
   * @param r the stored record
   * @param attempt the failed attempts
   * @param lastError the last failure
   * @param now the current instant, stored as {@code updatedAt}
   * @return the next record
   */
  public static TimerRecord failed(TimerRecord r, int attempt, String lastError, Instant now) {
    return next(
        r,
        r.nextFireAt(),
        attempt,
        lastError,
        TimerStatus.FAILED,
        r.version() + 1,
        r.lastFiredAt(),
        now);
  }

  /**
   * The record made ACTIVE again from FAILED or QUARANTINED, with a fresh attempt count.
   *
   * @param r the stored record
   * @param nextFireAt the new due time
   * @param now the current instant, stored as {@code updatedAt}
   * @return the next record
   */
  public static TimerRecord released(TimerRecord r, Instant nextFireAt, Instant now) {
    return next(
        r, nextFireAt, 0, r.lastError(), TimerStatus.ACTIVE, r.version() + 1, r.lastFiredAt(), now);
  }

  /**
   * A new timer that replaces a stored one under the same id: the stored timer's next version and
   * creation time, everything else from the new timer.
   *
   * @param r the new timer
   * @param existing the stored timer it replaces
   * @return the replacement
   */
  public static TimerRecord replacing(TimerRecord r, TimerRecord existing) {
    return copy(
        r,
        r.nextFireAt(),
        r.attempt(),
        r.lastError(),
        r.status(),
        existing.version() + 1,
        r.lastFiredAt(),
        existing.createdAt(),
        r.updatedAt());
  }

  private static TimerRecord next(
      TimerRecord r,
      Instant nextFireAt,
      int attempt,
      String lastError,
      TimerStatus status,
      long version,
      Instant lastFiredAt,
      Instant now) {
    return copy(
        r, nextFireAt, attempt, lastError, status, version, lastFiredAt, r.createdAt(), now);
  }

  /** A copy with the fields that change over a timer's life replaced; what it is stays. */
  private static TimerRecord copy(
      TimerRecord r,
      Instant nextFireAt,
      int attempt,
      String lastError,
      TimerStatus status,
      long version,
      Instant lastFiredAt,
      Instant createdAt,
      Instant updatedAt) {
    return new TimerRecord(
        r.id(),
        r.participantId(),
        r.flowType(),
        r.callbackType(),
        r.params(),
        r.payloadVersion(),
        r.kind(),
        r.schedule(),
        nextFireAt,
        r.expiresAt(),
        r.stateType(),
        r.dataKey(),
        attempt,
        lastError,
        status,
        version,
        r.retryPolicy(),
        r.overduePolicy(),
        lastFiredAt,
        createdAt,
        updatedAt);
  }
}
