package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {
  private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
  private static final ZoneId UTC = ZoneId.of("UTC");

  @Test
  void weekdayMornings_inHalfHourOffsetZone_fireAtLocalTime() {
    Schedule cron = Schedule.cron("0 9 * * MON-FRI", KOLKATA);

    Instant friday = cron.next(Instant.parse("2026-05-08T03:00:00Z")).orElseThrow();

    assertThat(friday).isEqualTo("2026-05-08T03:30:00Z");
    assertThat(cron.next(friday)).hasValue(Instant.parse("2026-05-11T03:30:00Z"));
  }

  @Test
  void daily_createdBeforeTime_firesToday() {
    Schedule cron = Schedule.cron("0 9 * * *", UTC);

    assertThat(cron.next(Instant.parse("2026-05-04T08:00:00Z")))
        .hasValue(Instant.parse("2026-05-04T09:00:00Z"));
  }

  @Test
  void askedWithinOccurrenceMinute_firesAtNextOccurrence() {
    Schedule cron = Schedule.cron("*/5 * * * *", UTC);

    assertThat(cron.next(Instant.parse("2026-05-04T08:05:30Z")))
        .hasValue(Instant.parse("2026-05-04T08:10:00Z"));
  }

  @Test
  void dayOfMonthAndWeekday_combineByOrAsInUnixCron() {
    Schedule cron = Schedule.cron("0 0 13 * FRI", UTC);

    // 2026-05-01 is a Friday, before the 13th.
    assertThat(cron.next(Instant.parse("2026-04-30T12:00:00Z")))
        .hasValue(Instant.parse("2026-05-01T00:00:00Z"));
  }

  @Test
  void february29_firesInNextLeapYear() {
    Schedule cron = Schedule.cron("0 12 29 2 *", UTC);

    assertThat(cron.next(Instant.parse("2025-01-01T00:00:00Z")))
        .hasValue(Instant.parse("2028-02-29T12:00:00Z"));
  }

  @Test
  void expression_isTrimmedAndOtherwiseKeptAsGiven() {
    CronSchedule cron = Schedule.cron("  0 9 * * mon-fri ", UTC);

    assertThat(cron.expression()).isEqualTo("0 9 * * mon-fri");
  }

  @Test
  void valueSemantics_restOnExpressionTextAndZoneOnly() {
    CronSchedule a = Schedule.cron("0 9 * * MON-FRI", KOLKATA);
    CronSchedule b = new CronSchedule(" 0 9 * * MON-FRI", KOLKATA);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Schedule.cron("0 9 * * 1-5", KOLKATA));
    assertThat(a).isNotEqualTo(Schedule.cron("0 9 * * MON-FRI", UTC));
    assertThat(a).hasToString("CronSchedule[expression=0 9 * * MON-FRI, zone=Asia/Kolkata]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"61 * * * *", "* * *", "0 0 * * * *", "bogus", "0 0 L * *"})
  void invalidExpressions_areRefusedNamingCronWithReason(String expression) {
    assertThatThrownBy(() -> Schedule.cron(expression, UTC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cron is not a valid five-field Unix expression (")
        .hasMessageEndingWith("): " + expression);
  }

  @Test
  void outOfRangeValue_messageCarriesCronUtilsReason() {
    assertThatThrownBy(() -> Schedule.cron("61 * * * *", UTC)).hasMessageContaining("59");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0 0 30 2 *", "0 0 31 2 *", "0 0 31 4,6,9,11 *"})
  void expressionsThatNeverFire_areRefused(String expression) {
    assertThatThrownBy(() -> Schedule.cron(expression, UTC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cron never fires: " + expression);
  }

  @Test
  void nullsAndBlank_areRefusedNamingField() {
    assertThatThrownBy(() -> Schedule.cron(null, UTC)).hasMessage("cron must not be null");
    assertThatThrownBy(() -> Schedule.cron("  ", UTC)).hasMessage("cron must not be blank");
    assertThatThrownBy(() -> Schedule.cron("0 9 * * *", null)).hasMessage("zone must not be null");
    assertThatThrownBy(() -> Schedule.cron("0 9 * * *", UTC).next(null))
        .hasMessage("after must not be null");
  }
}
