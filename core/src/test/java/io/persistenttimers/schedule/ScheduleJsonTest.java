package io.persistenttimers.schedule;

import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.WEDNESDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScheduleJsonTest {

  static Stream<Schedule> schedules() {
    return Stream.of(
        Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")),
        Schedule.weekdays(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")),
        Schedule.calendar(ZoneId.of("America/St_Johns")).build(),
        Schedule.calendar(ZoneId.of("UTC"))
            .minutes(0, 15, 30, 45)
            .hours(8, 20)
            .daysOfMonth(1, 13, 31)
            .months(1, 12)
            .daysOfWeek(WEDNESDAY, MONDAY)
            .build(),
        Schedule.calendar(ZoneOffset.ofHoursMinutes(5, 45)).months(2).daysOfMonth(29).build(),
        Schedule.calendar(ZoneOffset.UTC).hours(0).build(),
        Schedule.cron("30 2 * * *", ZoneId.of("Europe/Berlin")),
        Schedule.cron("*/15 9-17 * * mon-fri", ZoneId.of("America/Sao_Paulo")),
        Schedule.every(Duration.ofMinutes(15)),
        Schedule.every(Duration.ofMillis(1500), Instant.parse("2026-05-04T10:00:00.123Z")));
  }

  @ParameterizedTest
  @MethodSource("schedules")
  void roundTrip_givesEqualSchedule(Schedule schedule) {
    String json = schedule.toJson();

    Schedule read = Schedule.fromJson(json);

    assertThat(read).isEqualTo(schedule);
    assertThat(read.toJson()).isEqualTo(json);
  }

  @Test
  void calendar_writesEveryFieldInAscendingOrder() {
    Schedule schedule =
        Schedule.calendar(ZoneId.of("Asia/Kolkata"))
            .minutes(0)
            .hours(9)
            .daysOfWeek(WEDNESDAY, MONDAY)
            .build();

    assertThat(schedule.toJson())
        .isEqualTo(
            "{\"type\":\"calendar\",\"zone\":\"Asia/Kolkata\",\"minutes\":[0],\"hours\":[9],"
                + "\"daysOfMonth\":[],\"months\":[],\"daysOfWeek\":[\"MONDAY\",\"WEDNESDAY\"]}");
  }

  @Test
  void cron_writesExpressionAsGiven() {
    assertThat(Schedule.cron("30 2 * * *", ZoneId.of("Europe/Berlin")).toJson())
        .isEqualTo("{\"type\":\"cron\",\"zone\":\"Europe/Berlin\",\"expression\":\"30 2 * * *\"}");
  }

  @Test
  void read_acceptsHandWrittenCalendarInAnyOrder() {
    Schedule read =
        Schedule.fromJson(
            "{\"daysOfWeek\":[\"WEDNESDAY\",\"MONDAY\"],\"months\":[],\"daysOfMonth\":[],"
                + "\"hours\":[9],\"minutes\":[0],\"zone\":\"Asia/Kolkata\",\"type\":\"calendar\"}");

    assertThat(read)
        .isEqualTo(
            Schedule.calendar(ZoneId.of("Asia/Kolkata"))
                .minutes(0)
                .hours(9)
                .daysOfWeek(MONDAY, WEDNESDAY)
                .build());
  }

  static Stream<Arguments> badJson() {
    String calendar =
        "\"type\":\"calendar\",\"zone\":\"UTC\",\"minutes\":[0],\"hours\":[9],\"daysOfMonth\":[],\"months\":[]";
    return Stream.of(
        Arguments.of("not json", "schedule is not valid JSON"),
        Arguments.of("[1]", "schedule must be a JSON object"),
        Arguments.of("{}", "schedule.type is required"),
        Arguments.of("{\"type\":\"weekly\"}", "schedule.type is unknown: weekly"),
        Arguments.of(
            "{\"type\":\"cron\",\"expression\":\"0 9 * * *\"}", "schedule.zone is required"),
        Arguments.of(
            "{\"type\":\"cron\",\"zone\":\"Mars/Base\",\"expression\":\"0 9 * * *\"}",
            "schedule.zone is not a valid zone id: Mars/Base"),
        Arguments.of(
            "{\"type\":\"cron\",\"zone\":\"!!\",\"expression\":\"0 9 * * *\"}",
            "schedule.zone is not a valid zone id: !!"),
        Arguments.of(
            "{\"type\":\"cron\",\"zone\":7,\"expression\":\"0 9 * * *\"}",
            "schedule.zone must be a string"),
        Arguments.of("{\"type\":\"cron\",\"zone\":\"UTC\"}", "schedule.expression is required"),
        Arguments.of(
            "{\"type\":\"cron\",\"zone\":\"UTC\",\"expression\":\"0 25 * * *\"}",
            "cron is not a valid five-field Unix expression"),
        Arguments.of(
            "{\"type\":\"cron\",\"zone\":\"UTC\",\"expression\":\"0 0 30 2 *\"}",
            "cron never fires: 0 0 30 2 *"),
        Arguments.of("{" + calendar + "}", "schedule.daysOfWeek is required"),
        Arguments.of(
            "{" + calendar + ",\"daysOfWeek\":\"MONDAY\"}", "schedule.daysOfWeek must be an array"),
        Arguments.of(
            "{" + calendar + ",\"daysOfWeek\":[\"MOONDAY\"]}",
            "schedule.daysOfWeek must hold day names such as MONDAY: \"MOONDAY\""),
        Arguments.of(
            "{" + calendar.replace("[9]", "[\"9\"]") + ",\"daysOfWeek\":[]}",
            "schedule.hours must hold integers only: \"9\""),
        Arguments.of(
            "{" + calendar.replace("[9]", "[24]") + ",\"daysOfWeek\":[]}",
            "hours must be in 0..23: 24"),
        Arguments.of(
            "{\"type\":\"calendar\",\"zone\":\"UTC\",\"minutes\":[],\"hours\":[],\"daysOfMonth\":[30],"
                + "\"months\":[2],\"daysOfWeek\":[]}",
            "schedule never fires"),
        Arguments.of("{\"type\":\"interval\"}", "schedule.period is required"),
        Arguments.of(
            "{\"type\":\"interval\",\"period\":\"15 minutes\"}",
            "schedule.period is not an ISO-8601 duration: 15 minutes"),
        Arguments.of(
            "{\"type\":\"interval\",\"period\":\"PT15M\",\"anchor\":\"yesterday\"}",
            "schedule.anchor is not an ISO-8601 instant: yesterday"),
        Arguments.of("{\"type\":\"interval\",\"period\":\"PT0S\"}", "period must be at least"));
  }

  @ParameterizedTest
  @MethodSource("badJson")
  void badInput_isRefusedNamingField(String json, String expectedMessageStart) {
    assertThatThrownBy(() -> Schedule.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expectedMessageStart);
  }

  @Test
  void nullJson_isRefusedNamingField() {
    assertThatThrownBy(() -> Schedule.fromJson(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schedule must not be null");
  }
}
