package io.persistenttimers.admin;

import io.persistenttimers.schedule.CalendarSchedule;
import io.persistenttimers.schedule.CronSchedule;
import io.persistenttimers.schedule.IntervalSchedule;
import io.persistenttimers.schedule.Schedule;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** A schedule in words and its next occurrences, for people reading a timer. */
public final class ScheduleText {

  private ScheduleText() {}

  /**
   * The schedule in words: {@code every day at 09:00 (Asia/Kolkata)}, {@code cron "0 9 * * MON-FRI"
   * (Europe/Berlin)}, {@code every 15m}.
   *
   * @param schedule the schedule
   * @return a one-line description
   */
  public static String describe(Schedule schedule) {
    if (schedule instanceof IntervalSchedule interval) {
      return "every " + interval.period().toString().substring(2).toLowerCase(Locale.ROOT);
    }
    if (schedule instanceof CronSchedule cron) {
      return "cron \"" + cron.expression() + "\" (" + cron.zone() + ")";
    }
    CalendarSchedule c = (CalendarSchedule) schedule;
    StringBuilder out = new StringBuilder();
    out.append(days(c));
    if (!c.months().isEmpty()) {
      out.append(" in month ").append(join(c.months()));
    }
    if (c.hours().size() == 1 && c.minutes().size() == 1) {
      out.append(
          String.format(
              " at %02d:%02d", c.hours().iterator().next(), c.minutes().iterator().next()));
    } else {
      out.append(" at hour ")
          .append(c.hours().isEmpty() ? "any" : join(c.hours()))
          .append(", minute ")
          .append(c.minutes().isEmpty() ? "any" : join(c.minutes()));
    }
    return out.append(" (").append(c.zone()).append(")").toString();
  }

  /**
   * The next {@code count} occurrences strictly after {@code after}, fewer when the schedule ends.
   *
   * @param schedule the schedule
   * @param after the exclusive lower bound
   * @param count how many occurrences at most
   * @return the occurrences, earliest first
   */
  public static List<Instant> next(Schedule schedule, Instant after, int count) {
    List<Instant> out = new ArrayList<>(count);
    Instant from = after;
    for (int i = 0; i < count; i++) {
      Optional<Instant> next = schedule.next(from);
      if (next.isEmpty()) {
        break;
      }
      out.add(next.get());
      from = next.get();
    }
    return out;
  }

  private static String days(CalendarSchedule c) {
    Set<DayOfWeek> weekdays = c.daysOfWeek();
    String byMonthDay = c.daysOfMonth().isEmpty() ? "" : "on day " + join(c.daysOfMonth());
    if (weekdays.isEmpty()) {
      return byMonthDay.isEmpty() ? "every day" : byMonthDay + " of the month";
    }
    String names =
        weekdays.stream()
            .sorted()
            .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH))
            .collect(Collectors.joining(", "));
    String days =
        weekdays.size() == 5
                && !weekdays.contains(DayOfWeek.SATURDAY)
                && !weekdays.contains(DayOfWeek.SUNDAY)
            ? "every weekday"
            : "every " + names;
    return byMonthDay.isEmpty() ? days : days + " that is " + byMonthDay + " of the month";
  }

  private static String join(Set<Integer> values) {
    return values.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
  }
}
