package io.persistenttimers.schedule;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.internal.WallClock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Calendar fields in a zone, as in {@code minute hour day-of-month month weekday}: the schedule
 * fires at every local minute whose fields are all in their sets, where an empty set means "any".
 * Obtain one through {@link Schedule#calendar}, {@link Schedule#daily} or {@link
 * Schedule#weekdays}.
 *
 * <p>When both {@code daysOfMonth} and {@code daysOfWeek} are set, a day must match <em>both</em>
 * (for example the 13th when it is a Friday). This differs from Unix cron, which fires when either
 * matches; use {@link Schedule#cron} for cron's rule.
 *
 * <p>Sets are copied into unmodifiable sets that iterate in ascending order. Precision is the
 * minute: occurrences always fall on second 0 of a local minute, mapped to an instant by the
 * daylight saving rules described in {@link Schedule}.
 *
 * @param zone the zone the fields are read in
 * @param minutes allowed minutes, 0..59; empty for any
 * @param hours allowed hours, 0..23; empty for any
 * @param daysOfMonth allowed days of the month, 1..31; empty for any
 * @param months allowed months, 1..12; empty for any
 * @param daysOfWeek allowed weekdays; empty for any
 */
public record CalendarSchedule(
    ZoneId zone,
    Set<Integer> minutes,
    Set<Integer> hours,
    Set<Integer> daysOfMonth,
    Set<Integer> months,
    Set<DayOfWeek> daysOfWeek)
    implements Schedule {

  /**
   * The Gregorian calendar repeats dates and weekdays every 400 years (146097 days, exactly 20871
   * weeks), so a date pattern that matches nowhere in 400 years matches nowhere at all, and one
   * that matches somewhere matches within any 400-year window.
   */
  static final int SEARCH_YEARS = 400;

  private static final LocalDate VALIDATION_START = LocalDate.of(2000, 1, 1);

  /**
   * Validates the fields and copies the sets.
   *
   * @param zone the zone the fields are read in
   * @param minutes allowed minutes, 0..59; empty for any
   * @param hours allowed hours, 0..23; empty for any
   * @param daysOfMonth allowed days of the month, 1..31; empty for any
   * @param months allowed months, 1..12; empty for any
   * @param daysOfWeek allowed weekdays; empty for any
   * @throws IllegalArgumentException when a field is null or out of range, or when no date ever
   *     matches (for example February 30)
   */
  public CalendarSchedule {
    requireNonNull(zone, "zone");
    minutes = sortedCopy(minutes, "minutes", 0, 59);
    hours = sortedCopy(hours, "hours", 0, 23);
    daysOfMonth = sortedCopy(daysOfMonth, "daysOfMonth", 1, 31);
    months = sortedCopy(months, "months", 1, 12);
    requireNonNull(daysOfWeek, "daysOfWeek");
    requireArgument(
        daysOfWeek.stream().noneMatch(Objects::isNull), "daysOfWeek must not contain null");
    daysOfWeek = Collections.unmodifiableSortedSet(new TreeSet<>(daysOfWeek));
    requireArgument(
        firstDateAtOrAfter(
                VALIDATION_START,
                daysOfMonth,
                months,
                daysOfWeek,
                VALIDATION_START.plusYears(SEARCH_YEARS))
            != null,
        "schedule never fires: no date has daysOfMonth %s, months %s and daysOfWeek %s",
        daysOfMonth,
        months,
        daysOfWeek);
  }

  static Builder builder(ZoneId zone) {
    return new Builder(requireNonNull(zone, "zone"));
  }

  /**
   * The first occurrence strictly after {@code after}: the next matching local minute after the
   * wall time of {@code after}, mapped to an instant by the daylight saving rules of {@link
   * Schedule}. Never empty.
   *
   * @throws IllegalArgumentException when {@code after} is null
   */
  @Override
  public Optional<Instant> next(Instant after) {
    return Optional.of(WallClock.next(zone, after, this::firstMatchStrictlyAfter));
  }

  @Override
  public String toJson() {
    return ScheduleJson.write(this);
  }

  private LocalDateTime firstMatchStrictlyAfter(LocalDateTime cursor) {
    LocalDateTime start = cursor.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    LocalDate limit = start.toLocalDate().plusYears(SEARCH_YEARS);
    LocalDate date = requireDate(firstDateAtOrAfter(start.toLocalDate(), limit), cursor);
    if (date.equals(start.toLocalDate())) {
      LocalTime time = firstTimeAtOrAfter(start.toLocalTime());
      if (time != null) {
        return date.atTime(time);
      }
      date = requireDate(firstDateAtOrAfter(date.plusDays(1), limit), cursor);
    }
    // A later day starts at midnight, and hours and minutes always have a match within a day.
    return date.atTime(firstTimeAtOrAfter(LocalTime.MIDNIGHT));
  }

  private LocalDate firstDateAtOrAfter(LocalDate start, LocalDate limit) {
    return firstDateAtOrAfter(start, daysOfMonth, months, daysOfWeek, limit);
  }

  private LocalDate requireDate(LocalDate date, LocalDateTime cursor) {
    if (date == null) {
      // Construction proved a match in every 400-year window; reaching this is a bug.
      throw new IllegalStateException(
          "no occurrence within " + SEARCH_YEARS + " years after " + cursor + " for " + this);
    }
    return date;
  }

  /** The earliest time of day at or after {@code from} with matching hour and minute, or null. */
  private LocalTime firstTimeAtOrAfter(LocalTime from) {
    for (int hour = from.getHour(); hour <= 23; hour++) {
      if (!matches(hours, hour)) {
        continue;
      }
      for (int minute = hour == from.getHour() ? from.getMinute() : 0; minute <= 59; minute++) {
        if (matches(minutes, minute)) {
          return LocalTime.of(hour, minute);
        }
      }
    }
    return null;
  }

  /** The first matching date in {@code [start, limit)}, or null. */
  private static LocalDate firstDateAtOrAfter(
      LocalDate start,
      Set<Integer> daysOfMonth,
      Set<Integer> months,
      Set<DayOfWeek> daysOfWeek,
      LocalDate limit) {
    LocalDate date = start;
    while (date.isBefore(limit)) {
      if (!matches(months, date.getMonthValue())) {
        // Skipping whole months keeps rare patterns (February 29 on a Monday) cheap to find.
        date = date.withDayOfMonth(1).plusMonths(1);
      } else if (matches(daysOfMonth, date.getDayOfMonth())
          && (daysOfWeek.isEmpty() || daysOfWeek.contains(date.getDayOfWeek()))) {
        return date;
      } else {
        date = date.plusDays(1);
      }
    }
    return null;
  }

  private static boolean matches(Set<Integer> allowed, int value) {
    return allowed.isEmpty() || allowed.contains(value);
  }

  private static SortedSet<Integer> sortedCopy(
      Collection<Integer> values, String field, int min, int max) {
    requireNonNull(values, field);
    // Set.of and TreeSet throw on contains(null), so look instead of asking.
    requireArgument(values.stream().noneMatch(Objects::isNull), "%s must not contain null", field);
    TreeSet<Integer> copy = new TreeSet<>(values);
    for (int value : copy) {
      requireArgument(
          value >= min && value <= max, "%s must be in %d..%d: %d", field, min, max, value);
    }
    return Collections.unmodifiableSortedSet(copy);
  }

  /**
   * Builds a {@link CalendarSchedule}; every field starts empty ("any"). Each setter replaces the
   * previous values of its field. Obtain one through {@link Schedule#calendar}.
   */
  public static final class Builder {
    private final ZoneId zone;
    private Set<Integer> minutes = Set.of();
    private Set<Integer> hours = Set.of();
    private Set<Integer> daysOfMonth = Set.of();
    private Set<Integer> months = Set.of();
    private Set<DayOfWeek> daysOfWeek = Set.of();

    Builder(ZoneId zone) {
      this.zone = zone;
    }

    /**
     * Allowed minutes, 0..59; none for any.
     *
     * @param minutes the allowed minutes
     * @return this builder
     */
    public Builder minutes(int... minutes) {
      this.minutes = toSet(minutes, "minutes");
      return this;
    }

    /**
     * Allowed hours, 0..23; none for any.
     *
     * @param hours the allowed hours
     * @return this builder
     */
    public Builder hours(int... hours) {
      this.hours = toSet(hours, "hours");
      return this;
    }

    /**
     * Allowed days of the month, 1..31; none for any. Combined with weekdays by AND.
     *
     * @param daysOfMonth the allowed days of the month
     * @return this builder
     */
    public Builder daysOfMonth(int... daysOfMonth) {
      this.daysOfMonth = toSet(daysOfMonth, "daysOfMonth");
      return this;
    }

    /**
     * Allowed months, 1..12; none for any.
     *
     * @param months the allowed months
     * @return this builder
     */
    public Builder months(int... months) {
      this.months = toSet(months, "months");
      return this;
    }

    /**
     * Allowed weekdays; none for any. Combined with days of the month by AND.
     *
     * @param daysOfWeek the allowed weekdays
     * @return this builder
     */
    public Builder daysOfWeek(DayOfWeek... daysOfWeek) {
      requireNonNull(daysOfWeek, "daysOfWeek");
      TreeSet<DayOfWeek> set = new TreeSet<>();
      for (DayOfWeek day : daysOfWeek) {
        set.add(requireNonNull(day, "daysOfWeek element"));
      }
      this.daysOfWeek = set;
      return this;
    }

    /**
     * The schedule.
     *
     * @return the schedule
     * @throws IllegalArgumentException when a value is out of range or the schedule never fires
     */
    public CalendarSchedule build() {
      return new CalendarSchedule(zone, minutes, hours, daysOfMonth, months, daysOfWeek);
    }

    private static Set<Integer> toSet(int[] values, String field) {
      requireNonNull(values, field);
      TreeSet<Integer> set = new TreeSet<>();
      for (int value : values) {
        set.add(value);
      }
      return set;
    }
  }
}
