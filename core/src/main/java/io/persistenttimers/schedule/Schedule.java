package io.persistenttimers.schedule;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Optional;

/**
 * What a recurring timer follows. Every schedule carries a {@link ZoneId}; occurrences are computed
 * from the schedule itself, in that zone, never from "now", so they do not drift.
 *
 * <p>Three forms:
 *
 * <ul>
 *   <li>calendar fields as in {@code minute hour day-of-month month weekday}, each a set of allowed
 *       values where an empty set means "any" ({@link #calendar}, {@link #daily}, {@link
 *       #weekdays});
 *   <li>a five-field cron expression as crontab(5) reads it ({@link #cron});
 *   <li>a fixed interval from an anchor instant ({@link #every}). An interval is elapsed time:
 *       {@code every(Duration.ofDays(1))} is 24 hours, not a calendar day, so across a daylight
 *       saving change it moves by an hour on the wall clock. For "daily at 09:00" use {@link
 *       #daily} or {@code cron("0 9 * * *", zone)}.
 * </ul>
 *
 * <p>Daylight saving time: a wall time that does not exist (spring forward) fires at the first
 * instant after the gap; a wall time that occurs twice (fall back) fires once, at the earlier
 * instant. A daily 09:00 schedule asked at 08:00 fires today at 09:00.
 *
 * <p>Precisely, for the calendar and cron forms: take the next matching local minute strictly after
 * the wall time of {@code after}; a local time inside a gap maps to the instant the gap ends
 * (America/New_York 2026-03-08 02:30 fires at 03:00 EDT), a local time inside an overlap maps to
 * its earlier instant; if that instant is not strictly after {@code after}, go on to the next
 * matching local minute. So several wall times inside one gap fire once, together, at the gap end;
 * and during the second pass of an overlap nothing fires (an hourly {@code :30} schedule in
 * Europe/Berlin on 2026-10-25 fires at 02:30 CEST and next at 03:30 CET, two real hours later). The
 * same holds for a timer created during the second pass: a daily 02:30 timer created at 02:10 CET
 * that day first fires the next day at 02:30 CET (02:30 already happened, at 02:30 CEST); a daily
 * 09:00 timer created then fires the same day at 09:00.
 *
 * <p>Schedules are immutable values; {@link #toJson()} and {@link #fromJson(String)} round-trip
 * exactly ({@code fromJson(s.toJson()).equals(s)}). A schedule that can never fire is refused at
 * construction with an {@link IllegalArgumentException}.
 */
public sealed interface Schedule permits CalendarSchedule, CronSchedule, IntervalSchedule {

  /**
   * The zone in which wall-clock fields are interpreted.
   *
   * @return the schedule's zone
   */
  ZoneId zone();

  /**
   * The first occurrence strictly after {@code after}, or empty when the schedule has no further
   * occurrence (never for the forms above, which repeat forever).
   *
   * @param after the exclusive lower bound
   * @return the next occurrence, or empty
   */
  Optional<Instant> next(Instant after);

  /**
   * A JSON object that {@link #fromJson} turns back into an equal schedule.
   *
   * @return the schedule as JSON
   */
  String toJson();

  /**
   * Reads the JSON written by {@link #toJson()}.
   *
   * @param json the text written by {@link #toJson()}
   * @return the schedule
   * @throws IllegalArgumentException when the text is not a valid schedule; the message names the
   *     offending field
   */
  static Schedule fromJson(String json) {
    return ScheduleJson.read(json);
  }

  /**
   * A builder for calendar-field schedules in {@code zone}.
   *
   * @param zone the zone the fields are read in
   * @return a new builder
   */
  static CalendarSchedule.Builder calendar(ZoneId zone) {
    return CalendarSchedule.builder(zone);
  }

  /**
   * Every day at {@code time} (minute precision) in {@code zone}.
   *
   * @param time the local time of day
   * @param zone the zone the time is read in
   * @return the schedule
   */
  static CalendarSchedule daily(LocalTime time, ZoneId zone) {
    return calendar(zone).hours(time.getHour()).minutes(time.getMinute()).build();
  }

  /**
   * Monday to Friday at {@code time} (minute precision) in {@code zone}.
   *
   * @param time the local time of day
   * @param zone the zone the time is read in
   * @return the schedule
   */
  static CalendarSchedule weekdays(LocalTime time, ZoneId zone) {
    return calendar(zone)
        .hours(time.getHour())
        .minutes(time.getMinute())
        .daysOfWeek(
            DayOfWeek.MONDAY,
            DayOfWeek.TUESDAY,
            DayOfWeek.WEDNESDAY,
            DayOfWeek.THURSDAY,
            DayOfWeek.FRIDAY)
        .build();
  }

  /**
   * A five-field cron expression ({@code minute hour day-of-month month day-of-week}) in {@code
   * zone}, read as crontab(5) and cronie read it: {@code SUN} is 0 and 7 is Sunday too ({@code
   * SUN-THU} is Sunday to Thursday); a restricted day of month and day of week fire when either
   * matches, unless one field starts with {@code *}. The six-field form with seconds is refused.
   * The full dialect is in {@link CronSchedule}.
   *
   * @param expression the five-field expression
   * @param zone the zone the fields are read in
   * @return the schedule
   * @throws IllegalArgumentException when the expression is invalid or can never fire; the message
   *     names the accepted form
   */
  static CronSchedule cron(String expression, ZoneId zone) {
    return CronSchedule.of(expression, zone);
  }

  /**
   * Every {@code period}, starting one period after the timer is scheduled. Occurrences are {@code
   * anchor + k * period}, so a slow callback does not shift later runs. The period is elapsed time:
   * {@code Duration.ofDays(1)} is 24 hours, which drifts by an hour on the wall clock across a
   * daylight saving change; use {@link #daily} or {@link #cron} for a time of day.
   *
   * @param period the interval, positive
   * @return the schedule, anchored when the timer is scheduled
   */
  static IntervalSchedule every(Duration period) {
    return IntervalSchedule.of(period, null);
  }

  /**
   * Every {@code period} at {@code anchor + k * period} for k ≥ 1.
   *
   * @param period the interval, positive
   * @param anchor the instant occurrences count from
   * @return the schedule
   */
  static IntervalSchedule every(Duration period, Instant anchor) {
    return IntervalSchedule.of(period, anchor);
  }
}
