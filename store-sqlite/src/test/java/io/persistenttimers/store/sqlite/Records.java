package io.persistenttimers.store.sqlite;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;

/** Test records. */
final class Records {

  static final Instant T0 = Instant.parse("2026-03-08T04:30:00.123Z");

  private Records() {}

  static TimerRecord once(String id, String participant, Instant due) {
    return new TimerRecord(
        id,
        participant,
        "onboarding",
        "reminder",
        "{\"text\":\"drink water\"}",
        1,
        TimerKind.ONCE,
        null,
        due,
        null,
        null,
        null,
        0,
        null,
        TimerStatus.ACTIVE,
        1,
        null,
        null,
        null,
        T0,
        T0);
  }

  /** A record with every optional field set. */
  static TimerRecord full(String id) {
    return new TimerRecord(
        id,
        "participant-42",
        "daily-checkin",
        "scheduled_prompt",
        "{\"phone\":\"+15550100\",\"name\":\"Ana\"}",
        3,
        TimerKind.RECURRING,
        Schedule.every(Duration.ofHours(6), T0.minusSeconds(3600)),
        T0.plusSeconds(60),
        T0.plus(Duration.ofDays(30)),
        "AWAITING_REPLY",
        "conv-7",
        2,
        "boom: timeout",
        TimerStatus.ACTIVE,
        5,
        RetryPolicy.exponential(4, Duration.ofSeconds(2), Duration.ofMinutes(5)),
        OverduePolicy.SKIP,
        T0.minusSeconds(10),
        T0.minusSeconds(7200),
        T0.minusSeconds(5));
  }

  static TimerRecord withStatus(TimerRecord r, TimerStatus status, Instant updatedAt) {
    return new TimerRecord(
        r.id(),
        r.participantId(),
        r.flowType(),
        r.callbackType(),
        r.params(),
        r.payloadVersion(),
        r.kind(),
        r.schedule(),
        r.nextFireAt(),
        r.expiresAt(),
        r.stateType(),
        r.dataKey(),
        r.attempt(),
        r.lastError(),
        status,
        r.version(),
        r.retryPolicy(),
        r.overduePolicy(),
        r.lastFiredAt(),
        r.createdAt(),
        updatedAt);
  }

  static TimerRecord withFlow(TimerRecord r, String flowType) {
    return new TimerRecord(
        r.id(),
        r.participantId(),
        flowType,
        r.callbackType(),
        r.params(),
        r.payloadVersion(),
        r.kind(),
        r.schedule(),
        r.nextFireAt(),
        r.expiresAt(),
        r.stateType(),
        r.dataKey(),
        r.attempt(),
        r.lastError(),
        r.status(),
        r.version(),
        r.retryPolicy(),
        r.overduePolicy(),
        r.lastFiredAt(),
        r.createdAt(),
        r.updatedAt());
  }

  static TimerRecord expiring(TimerRecord r, Instant expiresAt) {
    return new TimerRecord(
        r.id(),
        r.participantId(),
        r.flowType(),
        r.callbackType(),
        r.params(),
        r.payloadVersion(),
        r.kind(),
        r.schedule(),
        r.nextFireAt(),
        expiresAt,
        r.stateType(),
        r.dataKey(),
        r.attempt(),
        r.lastError(),
        r.status(),
        r.version(),
        r.retryPolicy(),
        r.overduePolicy(),
        r.lastFiredAt(),
        r.createdAt(),
        r.updatedAt());
  }
}
