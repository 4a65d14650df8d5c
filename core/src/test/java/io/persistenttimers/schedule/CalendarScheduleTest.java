package io.persistenttimers.schedule;

import static java.time.DayOfWeek.FRIDAY;
import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CalendarScheduleTest {
  private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
  private static final ZoneId ST_JOHNS = ZoneId.of("America/St_Johns");
  private static final ZoneId SAO_PAULO = ZoneId.of("America/Sao_Paulo");
  private static final ZoneId UTC = ZoneId.of("UTC");

  private static Instant at(String localDateTime, ZoneId zone) {
    return LocalDateTime.parse(localDateTime).atZone(zone).toInstant();
  }

  @Test
  void daily_createdBeforeTime_firesToday() {
    Schedule daily = Schedule.daily(LocalTime.of(9, 0), KOLKATA);

    assertThat(daily.next(at("2026-05-04T08:00", KOLKATA)))
        .hasValue(at("2026-05-04T09:00", KOLKATA));
  }

  @Test
  void daily_askedExactlyAtOccurrence_firesTomorrow() {
    Schedule daily = Schedule.daily(LocalTime.of(9, 0), KOLKATA);

    assertThat(daily.next(at("2026-05-04T09:00", KOLKATA)))
        .hasValue(at("2026-05-05T09:00", KOLKATA));
  }

  @Test
  void daily_askedWithinOccurrenceMinute_firesTomorrow() {
    Schedule daily = Schedule.daily(LocalTime.of(9, 0), KOLKATA);

    assertThat(daily.next(at("2026-05-04T09:00", KOLKATA).plusMillis(1)))
        .hasValue(at("2026-05-05T09:00", KOLKATA));
  }

  @Test
  void next_alwaysOnWholeMinute() {
    Schedule everyMinute = Schedule.calendar(UTC).build();

    assertThat(everyMinute.next(Instant.parse("2026-05-04T10:15:42.123456789Z")))
        .hasValue(Instant.parse("2026-05-04T10:16:00Z"));
  }

  @Test
  void weekdays_inHalfHourOffsetZone_skipWeekendAtNineLocal() {
    Schedule weekdays = Schedule.weekdays(LocalTime.of(9, 0), KOLKATA);

    // 2026-05-08 is a Friday; 09:00 IST is 03:30Z.
    Instant friday = weekdays.next(Instant.parse("2026-05-08T03:00:00Z")).orElseThrow();
    Instant monday = weekdays.next(friday).orElseThrow();

    assertThat(friday).isEqualTo("2026-05-08T03:30:00Z");
    assertThat(monday).isEqualTo("2026-05-11T03:30:00Z");
  }

  @Test
  void daily_inNegativeHalfHourOffsetZone_firesAtLocalTime() {
    Schedule daily = Schedule.daily(LocalTime.of(23, 45), ST_JOHNS);

    // 23:45 NST (-03:30) on 2026-01-10 is 03:15Z the next UTC day.
    assertThat(daily.next(Instant.parse("2026-01-11T03:00:00Z")))
        .hasValue(Instant.parse("2026-01-11T03:15:00Z"));
    // In summer NDT is -02:30.
    assertThat(daily.next(Instant.parse("2026-07-11T02:00:00Z")))
        .hasValue(Instant.parse("2026-07-11T02:15:00Z"));
  }

  @Test
  void daily_inNegativeOffsetZone_localDateDiffersFromUtcDate() {
    Schedule daily = Schedule.daily(LocalTime.of(22, 0), SAO_PAULO);

    // 2026-06-01T00:30Z is still 31 May 21:30 in São Paulo (-03:00): today's 22:00 counts.
    assertThat(daily.next(Instant.parse("2026-06-01T00:30:00Z")))
        .hasValue(Instant.parse("2026-06-01T01:00:00Z"));
  }

  @Test
  void february29_firesOnlyInLeapYears() {
    Schedule leapDay =
        Schedule.calendar(UTC).months(2).daysOfMonth(29).hours(12).minutes(0).build();

    Instant first = leapDay.next(Instant.parse("2025-01-01T00:00:00Z")).orElseThrow();
    Instant second = leapDay.next(first).orElseThrow();
    Instant skippingCentury = leapDay.next(Instant.parse("2097-01-01T00:00:00Z")).orElseThrow();

    assertThat(first).isEqualTo("2028-02-29T12:00:00Z");
    assertThat(second).isEqualTo("2032-02-29T12:00:00Z");
    assertThat(skippingCentury).isEqualTo("2104-02-29T12:00:00Z");
  }

  @Test
  void february29OnAMonday_isFoundAcrossTheCenturyGap() {
    Schedule rare =
        Schedule.calendar(UTC)
            .months(2)
            .daysOfMonth(29)
            .daysOfWeek(MONDAY)
            .hours(0)
            .minutes(0)
            .build();

    // Feb 29 falls on a Monday in 2072 and then not until 2112 (2100 is not a leap year).
    assertThat(rare.next(Instant.parse("2072-03-01T00:00:00Z")))
        .hasValue(Instant.parse("2112-02-29T00:00:00Z"));
  }

  @Test
  void day31_skipsMonthsWithoutIt() {
    Schedule monthEnd = Schedule.calendar(UTC).daysOfMonth(31).hours(0).minutes(0).build();

    Instant first = monthEnd.next(Instant.parse("2026-03-31T00:00:00Z")).orElseThrow();

    assertThat(first).isEqualTo("2026-05-31T00:00:00Z");
  }

  @Test
  void lastMinuteOfYear_rollsIntoNextYear() {
    Schedule schedule =
        Schedule.calendar(UTC).months(12).daysOfMonth(31).hours(23).minutes(59).build();

    assertThat(schedule.next(Instant.parse("2026-12-31T23:59:00Z")))
        .hasValue(Instant.parse("2027-12-31T23:59:00Z"));
  }

  @Test
  void dayOfMonthAndWeekday_bothMustMatch() {
    Schedule fridayThe13th =
        Schedule.calendar(UTC).daysOfMonth(13).daysOfWeek(FRIDAY).hours(0).minutes(0).build();

    Instant first = fridayThe13th.next(Instant.parse("2026-01-01T00:00:00Z")).orElseThrow();
    Instant second = fridayThe13th.next(first).orElseThrow();

    assertThat(first).isEqualTo("2026-02-13T00:00:00Z");
    assertThat(second).isEqualTo("2026-03-13T00:00:00Z");
    assertThat(fridayThe13th.next(second)).hasValue(Instant.parse("2026-11-13T00:00:00Z"));
  }

  @Test
  void severalValues_firesAtEachInOrder() {
    Schedule schedule =
        Schedule.calendar(UTC).hours(8, 17).minutes(0, 30).daysOfWeek(SATURDAY).build();

    Instant cursor = Instant.parse("2026-05-08T00:00:00Z"); // a Friday
    List<String> fired = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      cursor = schedule.next(cursor).orElseThrow();
      fired.add(cursor.toString());
    }

    assertThat(fired)
        .containsExactly(
            "2026-05-09T08:00:00Z",
            "2026-05-09T08:30:00Z",
            "2026-05-09T17:00:00Z",
            "2026-05-09T17:30:00Z",
            "2026-05-16T08:00:00Z");
  }

  @Test
  void daily_iteratedThousandTimes_doesNotDrift() {
    ZoneId zone = ZoneId.of("Europe/Berlin");
    Schedule daily = Schedule.daily(LocalTime.of(9, 0), zone);

    Instant cursor = Instant.parse("2026-01-01T07:00:00Z"); // 08:00 CET
    for (int i = 0; i < 1000; i++) {
      Instant next = daily.next(cursor).orElseThrow();
      ZonedDateTime local = next.atZone(zone);
      assertThat(local.toLocalTime()).isEqualTo(LocalTime.of(9, 0));
      assertThat(local.toLocalDate())
          .isEqualTo(LocalDateTime.parse("2026-01-01T09:00").toLocalDate().plusDays(i));
      cursor = next;
    }
  }

  @Test
  void fields_areCopiedSortedAndUnmodifiable() {
    Set<Integer> hours = new HashSet<>(List.of(17, 8, 12));
    CalendarSchedule schedule =
        new CalendarSchedule(UTC, Set.of(), hours, Set.of(), Set.of(), Set.of(FRIDAY, MONDAY));
    hours.add(3);

    assertThat(schedule.hours()).containsExactly(8, 12, 17);
    assertThat(schedule.daysOfWeek()).containsExactly(MONDAY, FRIDAY);
    assertThatThrownBy(() -> schedule.hours().add(1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void builder_equalsCanonicalConstructor() {
    CalendarSchedule built =
        Schedule.calendar(KOLKATA).minutes(0).hours(9).daysOfWeek(MONDAY).build();

    assertThat(built)
        .isEqualTo(
            new CalendarSchedule(
                KOLKATA, Set.of(0), Set.of(9), Set.of(), Set.of(), Set.of(MONDAY)));
  }

  @Test
  void outOfRangeValues_areRefusedNamingFieldAndRule() {
    assertThatThrownBy(() -> Schedule.calendar(UTC).minutes(60).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minutes must be in 0..59: 60");
    assertThatThrownBy(() -> Schedule.calendar(UTC).hours(24).build())
        .hasMessage("hours must be in 0..23: 24");
    assertThatThrownBy(() -> Schedule.calendar(UTC).daysOfMonth(0).build())
        .hasMessage("daysOfMonth must be in 1..31: 0");
    assertThatThrownBy(() -> Schedule.calendar(UTC).months(13).build())
        .hasMessage("months must be in 1..12: 13");
    assertThatThrownBy(() -> Schedule.calendar(UTC).hours(-1).build())
        .hasMessage("hours must be in 0..23: -1");
  }

  @Test
  void nulls_areRefusedNamingField() {
    assertThatThrownBy(() -> Schedule.calendar(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("zone must not be null");
    assertThatThrownBy(
            () -> new CalendarSchedule(null, Set.of(), Set.of(), Set.of(), Set.of(), Set.of()))
        .hasMessage("zone must not be null");
    assertThatThrownBy(
            () -> new CalendarSchedule(UTC, null, Set.of(), Set.of(), Set.of(), Set.of()))
        .hasMessage("minutes must not be null");
    Set<DayOfWeek> withNull = new HashSet<>();
    withNull.add(null);
    assertThatThrownBy(
            () -> new CalendarSchedule(UTC, Set.of(), Set.of(), Set.of(), Set.of(), withNull))
        .hasMessage("daysOfWeek must not contain null");
    assertThatThrownBy(() -> Schedule.daily(LocalTime.NOON, UTC).next(null))
        .hasMessage("after must not be null");
  }

  @Test
  void impossibleDates_areRefusedAsNeverFiring() {
    assertThatThrownBy(() -> Schedule.calendar(UTC).months(2).daysOfMonth(30).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("schedule never fires: ");
    assertThatThrownBy(() -> Schedule.calendar(UTC).months(2).daysOfMonth(30, 31).build())
        .hasMessageStartingWith("schedule never fires: ");
    assertThatThrownBy(() -> Schedule.calendar(UTC).months(4, 6, 9, 11).daysOfMonth(31).build())
        .hasMessageStartingWith("schedule never fires: ");
  }

  @Test
  void rareButPossibleDates_areAccepted() {
    assertThat(Schedule.calendar(UTC).months(2).daysOfMonth(29).daysOfWeek(SATURDAY).build())
        .isNotNull();
    assertThat(Schedule.calendar(UTC).months(2, 4).daysOfMonth(30).build().next(Instant.EPOCH))
        .hasValue(Instant.parse("1970-04-30T00:00:00Z"));
  }
}
