package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cron day-of-week names, numbers, ranges, lists and steps, and the day-of-month/day-of-week rule,
 * as cronie (Vixie cron's descendant, {@code src/entry.c}) reads them. Every case fires at 09:00 in
 * Asia/Jerusalem (IDT, UTC+3, in May), asked on Saturday 2026-05-02 at 15:00 local.
 */
class CronDialectTest {
  private static final ZoneId JERUSALEM = ZoneId.of("Asia/Jerusalem");
  private static final Instant SATURDAY = Instant.parse("2026-05-02T12:00:00Z");

  // 09:00 IDT on each day of the week from Sunday 2026-05-03.
  private static final String SUN = "2026-05-03T06:00:00Z";
  private static final String MON = "2026-05-04T06:00:00Z";
  private static final String TUE = "2026-05-05T06:00:00Z";
  private static final String WED = "2026-05-06T06:00:00Z";
  private static final String THU = "2026-05-07T06:00:00Z";
  private static final String FRI = "2026-05-08T06:00:00Z";
  private static final String SAT = "2026-05-09T06:00:00Z";
  private static final String SUN2 = "2026-05-10T06:00:00Z";
  private static final String MON2 = "2026-05-11T06:00:00Z";

  static Stream<Arguments> daysOfWeek() {
    return Stream.of(
        // Sunday is 0 and 7; names are cronie's numbers, SUN = 0.
        Arguments.of("0 9 * * SUN-THU", List.of(SUN, MON, TUE, WED, THU, SUN2, MON2)),
        Arguments.of("0 9 * * sun-thu", List.of(SUN, MON, TUE, WED, THU, SUN2, MON2)),
        Arguments.of("0 9 * * 0-4", List.of(SUN, MON, TUE, WED, THU, SUN2, MON2)),
        Arguments.of("0 9 * * SUN-SAT", List.of(SUN, MON, TUE, WED, THU, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * 0-6", List.of(SUN, MON, TUE, WED, THU, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * 1-7", List.of(SUN, MON, TUE, WED, THU, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * 0-7", List.of(SUN, MON, TUE, WED, THU, FRI, SAT, SUN2)),
        // cronie: 0-SUN is 0-0, Sunday only (cron-utils alone read it as 0-7, every day).
        Arguments.of("0 9 * * 0-SUN", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        Arguments.of("0 9 * * SUN-SUN", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        Arguments.of("0 9 * * SUN", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        Arguments.of("0 9 * * 0", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        Arguments.of("0 9 * * 7", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        Arguments.of("0 9 * * 0,7", List.of(SUN, SUN2, "2026-05-17T06:00:00Z")),
        // Kept as cron-utils always read it (cronie refuses it): Friday to Sunday, as 5-7.
        Arguments.of("0 9 * * FRI-SUN", List.of(SUN, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * 5-7", List.of(SUN, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * MON-SUN", List.of(SUN, MON, TUE, WED, THU, FRI, SAT, SUN2)),
        Arguments.of("0 9 * * MON-FRI", List.of(MON, TUE, WED, THU, FRI, MON2)),
        Arguments.of("0 9 * * SUN,SAT", List.of(SUN, SAT, SUN2)),
        Arguments.of("0 9 * * mon,wed-fri", List.of(MON, WED, THU, FRI, MON2)),
        // Steps: * is 0-7, so */2 is 0,2,4,6 and */7 is 0,7.
        Arguments.of("0 9 * * */2", List.of(SUN, TUE, THU, SAT, SUN2)),
        Arguments.of("0 9 * * */7", List.of(SUN, SUN2)),
        Arguments.of("0 9 * * 1-7/2", List.of(SUN, MON, WED, FRI, SUN2, MON2)),
        Arguments.of("0 9 * * SUN-THU/2", List.of(SUN, TUE, THU, SUN2)),
        Arguments.of("0 9 * * MON-FRI/2", List.of(MON, WED, FRI, MON2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("daysOfWeek")
  void dayOfWeek_readAsCronie(String expression, List<String> expected) {
    assertThat(fires(expression, expected.size())).containsExactlyElementsOf(instants(expected));
  }

  static Stream<Arguments> dayOfMonthAndDayOfWeek() {
    return Stream.of(
        // Both restricted, neither starting with *: either matching fires.
        Arguments.of("0 9 13 * FRI", List.of(FRI, "2026-05-13T06:00:00Z", "2026-05-15T06:00:00Z")),
        Arguments.of(
            "0 9 1,15 * SUN-THU",
            List.of(SUN, MON, TUE, WED, THU, SUN2, MON2, "2026-05-12T06:00:00Z")),
        // One starts with * (cronie's DOM_STAR / DOW_STAR): both must match.
        Arguments.of(
            "0 9 */2 * MON",
            List.of("2026-05-11T06:00:00Z", "2026-05-25T06:00:00Z", "2026-06-01T06:00:00Z")),
        Arguments.of(
            "0 9 1 * */2",
            List.of("2026-08-01T06:00:00Z", "2026-09-01T06:00:00Z", "2026-10-01T06:00:00Z")),
        Arguments.of("0 9 13 * */1", List.of("2026-05-13T06:00:00Z", "2026-06-13T06:00:00Z")),
        // A plain * leaves the other field alone.
        Arguments.of(
            "0 9 1 * *",
            List.of("2026-06-01T06:00:00Z", "2026-07-01T06:00:00Z", "2026-08-01T06:00:00Z")),
        Arguments.of("0 9 * * TUE", List.of(TUE, "2026-05-12T06:00:00Z")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dayOfMonthAndDayOfWeek")
  void dayOfMonthAndDayOfWeek_combineAsCronie(String expression, List<String> expected) {
    assertThat(fires(expression, expected.size())).containsExactlyElementsOf(instants(expected));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0 9 * * SAT-MON", // start after end: cronie refuses, no wrap-around
        "0 9 * * 5-0",
        "0 9 * * 7-SUN",
        "0 9 * * 8",
        "0 9 * * Sunday", // cronie takes three-letter names only
      })
  void dayOfWeek_refusedAsCronieRefusesIt(String expression) {
    assertThatThrownBy(() -> Schedule.cron(expression, JERUSALEM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cron is not a valid five-field Unix expression (")
        .hasMessageEndingWith("): " + expression);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0 0 9 * * MON-FRI", "0 0 9 * * *", "0 9 * * MON-FRI 2027"})
  void sixFields_areRefusedNamingTheAcceptedForm(String expression) {
    assertThatThrownBy(() -> Schedule.cron(expression, JERUSALEM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "cron is not a valid five-field Unix expression (it has 6 fields; accepted: five"
                + " fields, minute hour day-of-month month day-of-week, as in crontab(5); the"
                + " six-field form with seconds (Spring, Quartz) and @-nicknames are not"
                + " accepted): "
                + expression);
  }

  @Test
  void storedFiveFieldRow_keepsItsFiringTimes() {
    Schedule stored =
        Schedule.fromJson(
            "{\"type\":\"cron\",\"zone\":\"America/Sao_Paulo\","
                + "\"expression\":\"*/15 9-17 * * mon-fri\"}");

    // Friday 2026-05-08 17:45 -03, then Monday 09:00.
    List<Instant> fired = run(stored, Instant.parse("2026-05-08T20:40:00Z"), 2);

    assertThat(fired)
        .containsExactly(
            Instant.parse("2026-05-08T20:45:00Z"), Instant.parse("2026-05-11T12:00:00Z"));
    assertThat(stored.toJson())
        .isEqualTo(
            "{\"type\":\"cron\",\"zone\":\"America/Sao_Paulo\","
                + "\"expression\":\"*/15 9-17 * * mon-fri\"}");
  }

  private static List<Instant> fires(String expression, int count) {
    return run(Schedule.cron(expression, JERUSALEM), SATURDAY, count);
  }

  private static List<Instant> run(Schedule schedule, Instant from, int count) {
    List<Instant> fired = new ArrayList<>();
    Instant at = from;
    for (int i = 0; i < count; i++) {
      at = schedule.next(at).orElseThrow();
      fired.add(at);
    }
    return fired;
  }

  private static List<Instant> instants(List<String> texts) {
    return Arrays.asList(texts.stream().map(Instant::parse).toArray(Instant[]::new));
  }
}
