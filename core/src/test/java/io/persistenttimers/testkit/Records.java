package io.persistenttimers.testkit;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.Schedule;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
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
