package io.persistenttimers.admin;

import static io.persistenttimers.testkit.Records.record;

import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.Stores;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * The timers the admin tests look at: one of each kind of trouble, and a hostile participant id.
 */
final class AdminFixture {

  static final String HOSTILE = "<script>alert('pwned')</script>";
  static final String TOKEN = "test-token-0123456789abcdef";

  private AdminFixture() {}

  static void fill(Store store, Instant now) {
    Stores.insert(
        store,
        record("overdue-1")
            .participant("participant-ana")
            .flowType("micro")
            .callbackType("feedback_initial")
            .due(now.minus(Duration.ofMinutes(75)))
            .build());
    Stores.insert(
        store,
        record("daily-prompt:participant-ana")
            .participant("participant-ana")
            .flowType("daily")
            .callbackType("scheduled_prompt")
            .recurring(Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")))
            .due(now.plus(Duration.ofHours(3)))
            .params("{\"phone\":\"+55 11 5555-0101\"}")
            .build());
    Stores.insert(
        store,
        record("hostile-1")
            .participant(HOSTILE)
            .flowType("micro")
            .callbackType("reminder")
            .due(now.plus(Duration.ofMinutes(20)))
            .build());
    Stores.insert(
        store,
        record("failed-1")
            .participant("participant-bo")
            .callbackType("reminder")
            .due(now.minus(Duration.ofDays(2)))
            .attempt(3, "java.lang.IllegalStateException: Bo's phone +55 11 5555-0199 is off")
            .status(TimerStatus.FAILED)
            .updatedAt(now.minus(Duration.ofDays(1)))
            .build());
    Stores.insert(
        store,
        record("quarantined-1")
            .participant("participant-cy")
            .callbackType("reminder")
            .due(now.minus(Duration.ofDays(1)))
            .attempt(0, "unreadable params")
            .status(TimerStatus.QUARANTINED)
            .build());
    for (int i = 0; i < 12; i++) {
      Stores.insert(
          store,
          record(String.format("bulk-%02d", i))
              .participant("participant-dee")
              .flowType("bulk")
              .callbackType("reminder")
              .due(now.plus(Duration.ofHours(30 + i)))
              .build());
    }
  }
}
