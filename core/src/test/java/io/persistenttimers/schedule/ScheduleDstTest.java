package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The daylight saving rules of {@link Schedule}, checked through both calendar and cron forms. */
class ScheduleDstTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  /** A form name and a way to build "minute hour * * *"-style schedules in that form. */
  static Stream<Arguments> forms() {
    Function<Spec, Schedule> calendar =
        spec -> {
          CalendarSchedule.Builder builder = Schedule.calendar(spec.zone);
          if (spec.minutes.length > 0) {
            builder.minutes(spec.minutes);
          }
          if (spec.hour >= 0) {
            builder.hours(spec.hour);
          }
          return builder.build();
        };
    Function<Spec, Schedule> cron =
        spec -> {
          StringBuilder minutes = new StringBuilder();
          for (int m : spec.minutes) {
            minutes.append(minutes.length() == 0 ? "" : ",").append(m);
          }
          String hour = spec.hour >= 0 ? Integer.toString(spec.hour) : "*";
          return Schedule.cron(minutes + " " + hour + " * * *", spec.zone);
        };
    return Stream.of(Arguments.of("calendar", calendar), Arguments.of("cron", cron));
  }

  record Spec(ZoneId zone, int hour, int... minutes) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void springForward_wallTimeInGap_firesAtGapEnd(String form, Function<Spec, Schedule> make) {
    Schedule daily = make.apply(new Spec(NEW_YORK, 2, 30));

    Instant first = daily.next(Instant.parse("2026-03-07T12:00:00Z")).orElseThrow();
    Instant second = daily.next(first).orElseThrow();

    assertThat(first).isEqualTo("2026-03-08T07:00:00Z"); // 03:00 EDT, not 03:30
    assertThat(second).isEqualTo("2026-03-09T06:30:00Z"); // 02:30 EDT
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void springForward_askedJustBeforeGap_firesAtGapEnd(String form, Function<Spec, Schedule> make) {
    Schedule daily = make.apply(new Spec(NEW_YORK, 2, 30));

    assertThat(daily.next(Instant.parse("2026-03-08T06:59:59Z")))
        .hasValue(Instant.parse("2026-03-08T07:00:00Z"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void fallBack_wallTimeInOverlap_firesOnceAtEarlierInstant(
      String form, Function<Spec, Schedule> make) {
    Schedule daily = make.apply(new Spec(BERLIN, 2, 30));

    Instant first = daily.next(Instant.parse("2026-10-24T12:00:00Z")).orElseThrow();
    Instant second = daily.next(first).orElseThrow();

    assertThat(first).isEqualTo("2026-10-25T00:30:00Z"); // 02:30 CEST
    assertThat(second).isEqualTo("2026-10-26T01:30:00Z"); // 02:30 CET the next day
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void fallBack_askedDuringSecondPass_skipsRepeatedWallTime(
      String form, Function<Spec, Schedule> make) {
    Schedule daily = make.apply(new Spec(BERLIN, 2, 30));

    // 01:00Z is 02:00 CET, the second pass of 02:00..02:59; 02:30 CET (01:30Z) must not fire.
    assertThat(daily.next(Instant.parse("2026-10-25T01:00:00Z")))
        .hasValue(Instant.parse("2026-10-26T01:30:00Z"));
  }

  /**
   * A daily timer created at 02:10 CET on 2026-10-25, in the second pass of Berlin's 02:00..02:59
   * overlap: its first run is computed from that instant, as the engine does on scheduling.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void fallBack_dailyCreatedDuringSecondPass(String form, Function<Spec, Schedule> make) {
    Instant secondPass = Instant.parse("2026-10-25T01:10:00Z"); // 02:10 CET

    // 02:30 already happened today (at 02:30 CEST, 00:30Z): the first run is tomorrow.
    assertThat(make.apply(new Spec(BERLIN, 2, 30)).next(secondPass))
        .hasValue(Instant.parse("2026-10-26T01:30:00Z"));
    // A time after the overlap fires today, as any daily time still ahead does.
    assertThat(make.apply(new Spec(BERLIN, 9, 0)).next(secondPass))
        .hasValue(Instant.parse("2026-10-25T08:00:00Z"));
    // The minute being asked in fires next day, not one real hour later at its repeat.
    assertThat(make.apply(new Spec(BERLIN, 2, 10)).next(secondPass))
        .hasValue(Instant.parse("2026-10-26T01:10:00Z"));
  }

  @org.junit.jupiter.api.Test
  void everyDay_isTwentyFourHours_notACalendarDay() {
    Instant firstPass = Instant.parse("2026-10-25T00:10:00Z"); // 02:10 CEST
    Schedule everyDay = Schedule.every(java.time.Duration.ofDays(1), firstPass);
    Schedule daily = Schedule.daily(LocalTime.of(2, 10), BERLIN);

    // 24 h after 02:10 CEST is 01:10 CET on the wall clock; the calendar schedule keeps 02:10.
    assertThat(everyDay.next(firstPass)).hasValue(Instant.parse("2026-10-26T00:10:00Z"));
    assertThat(daily.next(firstPass)).hasValue(Instant.parse("2026-10-26T01:10:00Z"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void everyQuarterHour_acrossSpringForwardGap_firesOnceAtGapEnd(
      String form, Function<Spec, Schedule> make) {
    Schedule quarterly = make.apply(new Spec(NEW_YORK, -1, 0, 15, 30, 45));

    List<Instant> fired = run(quarterly, Instant.parse("2026-03-08T06:30:00Z"), 4);

    // 01:45 EST, then 02:00..02:45 and 03:00 (which does not exist apart from them) are one firing
    // at 03:00 EDT, then 03:15 EDT.
    assertThat(fired)
        .containsExactly(
            Instant.parse("2026-03-08T06:45:00Z"),
            Instant.parse("2026-03-08T07:00:00Z"),
            Instant.parse("2026-03-08T07:15:00Z"),
            Instant.parse("2026-03-08T07:30:00Z"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void hourlyAtHalfPast_acrossFallBackOverlap_firesRepeatedWallTimeOnce(
      String form, Function<Spec, Schedule> make) {
    Schedule hourly = make.apply(new Spec(BERLIN, -1, 30));

    List<Instant> fired = run(hourly, Instant.parse("2026-10-24T23:00:00Z"), 4);

    // 01:30 CEST, 02:30 CEST, then 02:30 CET (01:30Z) is skipped: next is 03:30 CET.
    assertThat(fired)
        .containsExactly(
            Instant.parse("2026-10-24T23:30:00Z"),
            Instant.parse("2026-10-25T00:30:00Z"),
            Instant.parse("2026-10-25T02:30:00Z"),
            Instant.parse("2026-10-25T03:30:00Z"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void daily_iteratedThousandTimesAcrossDstChanges_alwaysLandsOnWallTime(
      String form, Function<Spec, Schedule> make) {
    Schedule daily = make.apply(new Spec(NEW_YORK, 9, 0));

    List<Instant> fired = run(daily, Instant.parse("2026-01-01T00:00:00Z"), 1000);

    assertThat(fired)
        .allSatisfy(
            at -> assertThat(at.atZone(NEW_YORK).toLocalTime()).isEqualTo(LocalTime.of(9, 0)));
    assertThat(fired.get(999).atZone(NEW_YORK).toLocalDate())
        .isEqualTo(fired.get(0).atZone(NEW_YORK).toLocalDate().plusDays(999));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void pacificApia_skippedCalendarDay_firesOnceAtGapEnd(
      String form, Function<Spec, Schedule> make) {
    // Samoa skipped 2011-12-30 entirely; its 09:00 fires when the gap ends, at 31 Dec 00:00 local.
    ZoneId apia = ZoneId.of("Pacific/Apia");
    Schedule daily = make.apply(new Spec(apia, 9, 0));

    List<Instant> fired = run(daily, Instant.parse("2011-12-29T20:00:00Z"), 2);

    assertThat(fired)
        .containsExactly(
            Instant.parse("2011-12-30T10:00:00Z"), Instant.parse("2011-12-30T19:00:00Z"));
  }

  private static List<Instant> run(Schedule schedule, Instant from, int count) {
    List<Instant> fired = new ArrayList<>();
    Instant cursor = from;
    for (int i = 0; i < count; i++) {
      cursor = schedule.next(cursor).orElseThrow();
      fired.add(cursor);
    }
    return fired;
  }
}
