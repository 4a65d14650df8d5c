package io.persistenttimers.testkit;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import java.time.Instant;

/**
 * A fluent maker of {@link TimerRecord}s for tests: only what a test cares about is spelled out.
 */
public final class Records {
  public static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private String id;
  private String participantId = "participant-1";
  private String flowType = "coaching";
  private String callbackType = "reminder";
  private String params = "{}";
  private int payloadVersion = 1;
  private Schedule schedule;
  private Instant nextFireAt = T0;
  private Instant expiresAt;
  private String stateType;
  private String dataKey;
  private int attempt;
  private String lastError;
  private TimerStatus status = TimerStatus.ACTIVE;
  private long version = 1;
  private RetryPolicy retryPolicy;
  private OverduePolicy overduePolicy;
  private Instant lastFiredAt;
  private Instant createdAt = T0.minusSeconds(3600);
  private Instant updatedAt = T0.minusSeconds(3600);

  private Records(String id) {
    this.id = id;
  }

  public static Records record(String id) {
    return new Records(id);
  }

  /**
   * A maker that starts from every field of {@code r}.
   *
   * @param r the record to copy
   * @return a maker holding r's fields
   */
  public static Records from(TimerRecord r) {
    Records m = new Records(r.id());
    m.participantId = r.participantId();
    m.flowType = r.flowType();
    m.callbackType = r.callbackType();
    m.params = r.params();
    m.payloadVersion = r.payloadVersion();
    m.schedule = r.schedule();
    m.nextFireAt = r.nextFireAt();
    m.expiresAt = r.expiresAt();
    m.stateType = r.stateType();
    m.dataKey = r.dataKey();
    m.attempt = r.attempt();
    m.lastError = r.lastError();
    m.status = r.status();
    m.version = r.version();
    m.retryPolicy = r.retryPolicy();
    m.overduePolicy = r.overduePolicy();
    m.lastFiredAt = r.lastFiredAt();
    m.createdAt = r.createdAt();
    m.updatedAt = r.updatedAt();
    return m;
  }

  /**
   * What an engine writes after a run or a failed attempt: the next version of {@code r} due at
   * {@code nextFireAt}.
   *
   * @param r the stored record
   * @param nextFireAt the new due time
   * @param attempt failed attempts of the current occurrence
   * @param lastError the last failure, or null
   * @param lastFiredAt due time of the last completed occurrence, or null
   * @param now stored as {@code updatedAt}
   * @return the next version
   */
  public static TimerRecord rescheduled(
      TimerRecord r,
      Instant nextFireAt,
      int attempt,
      String lastError,
      Instant lastFiredAt,
      Instant now) {
    return from(r)
        .due(nextFireAt)
        .attempt(attempt, lastError)
        .lastFiredAt(lastFiredAt)
        .version(r.version() + 1)
        .updatedAt(now)
        .build();
  }

  /**
   * The next version of {@code r} with another status and reason.
   *
   * @param r the stored record
   * @param status the new status
   * @param lastError the reason, or null
   * @param now stored as {@code updatedAt}
   * @return the next version
   */
  public static TimerRecord withStatus(
      TimerRecord r, TimerStatus status, String lastError, Instant now) {
    return from(r)
        .status(status)
        .attempt(r.attempt(), lastError)
        .version(r.version() + 1)
        .updatedAt(now)
        .build();
  }

  public Records participant(String v) {
    participantId = v;
    return this;
  }

  public Records flowType(String v) {
    flowType = v;
    return this;
  }

  public Records callbackType(String v) {
    callbackType = v;
    return this;
  }

  public Records params(String v) {
    params = v;
    return this;
  }

  public Records payloadVersion(int v) {
    payloadVersion = v;
    return this;
  }

  public Records recurring(Schedule v) {
    schedule = v;
    return this;
  }

  public Records due(Instant v) {
    nextFireAt = v;
    return this;
  }

  public Records expiresAt(Instant v) {
    expiresAt = v;
    return this;
  }

  public Records state(String stateType, String dataKey) {
    this.stateType = stateType;
    this.dataKey = dataKey;
    return this;
  }

  public Records attempt(int v, String error) {
    attempt = v;
    lastError = error;
    return this;
  }

  public Records status(TimerStatus v) {
    status = v;
    return this;
  }

  public Records version(long v) {
    version = v;
    return this;
  }

  public Records policies(RetryPolicy retry, OverduePolicy overdue) {
    retryPolicy = retry;
    overduePolicy = overdue;
    return this;
  }

  public Records lastFiredAt(Instant v) {
    lastFiredAt = v;
    return this;
  }

  public Records updatedAt(Instant v) {
    updatedAt = v;
    return this;
  }

  public TimerRecord build() {
    return new TimerRecord(
        id,
        participantId,
        flowType,
        callbackType,
        params,
        payloadVersion,
        schedule == null ? TimerKind.ONCE : TimerKind.RECURRING,
        schedule,
        nextFireAt,
        expiresAt,
        stateType,
        dataKey,
        attempt,
        lastError,
        status,
        version,
        retryPolicy,
        overduePolicy,
        lastFiredAt,
        createdAt,
        updatedAt);
  }
}
