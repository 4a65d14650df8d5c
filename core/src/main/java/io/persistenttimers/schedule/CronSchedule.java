package io.persistenttimers.schedule;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.persistenttimers.internal.WallClock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * A five-field cron expression read in a zone, in the dialect of crontab(5) as cronie reads it
 * (cronie is Vixie cron's maintained descendant; its {@code src/entry.c} is the reference). Parsed
 * with cron-utils. Obtain one through {@link Schedule#cron}.
 *
 * <p>The dialect:
 *
 * <ul>
 *   <li>Fields, separated by blanks: {@code minute} 0-59, {@code hour} 0-23, {@code day-of-month}
 *       1-31, {@code month} 1-12 or {@code JAN}...{@code DEC}, {@code day-of-week} 0-7 or {@code
 *       SUN}...{@code SAT}. Names are three letters, any case. Exactly five fields: the six-field
 *       form with seconds (Spring's {@code 0 0 9 * * MON-FRI}, Quartz), a year field and nicknames
 *       such as {@code @daily} are refused.
 *   <li>Each field is {@code *}, a value, a range {@code a-b}, a step {@code *}{@code /n} or {@code
 *       a-b/n}, or a comma-separated list of these. {@code L}, {@code W}, {@code #} and {@code ?}
 *       are refused, and so is a value outside the field's range, also as the end of a stepped
 *       range (cronie reads {@code 1-8/3} in day of week as 1,4,7; here it is refused).
 *   <li>Day of week: Sunday is both 0 and 7, and the name {@code SUN} is 0, so {@code SUN-THU} is
 *       Sunday to Thursday, {@code SUN-SAT}, {@code 0-6}, {@code 1-7} and {@code 0-7} are every
 *       day, {@code 0-SUN} is Sunday only, and {@code *}{@code /2} is 0,2,4,6 (Sunday, Tuesday,
 *       Thursday, Saturday). A range whose start is after its end is refused ({@code SAT-MON},
 *       {@code 5-0}) — except a range from {@code MON}...{@code SAT} to the name {@code SUN}, which
 *       ends on Sunday ({@code FRI-SUN} is Friday to Sunday, as {@code 5-7}): cronie refuses it,
 *       but this library always accepted it, so stored expressions keep firing.
 *   <li>Day of month and day of week: when both are restricted, a day matching <em>either</em>
 *       fires ({@code 0 0 13 * FRI} fires on every 13th and every Friday). As in cronie, a field
 *       counts as unrestricted when it <em>starts with</em> {@code *}, so {@code 0 9 *}{@code /2 *
 *       MON} fires on odd-numbered days that are Mondays. {@link CalendarSchedule} always requires
 *       both.
 *   <li>Minute precision; daylight saving time follows the rules of {@link Schedule}.
 * </ul>
 *
 * <p>The expression is kept as given, only trimmed, so it round-trips through JSON unchanged.
 * Equality, hash code and JSON use only the expression text and the zone; the parsed form is held
 * beside them so that {@link #next} does not parse again. Instances are immutable and thread-safe.
 */
public final class CronSchedule implements Schedule {

  /**
   * cron-utils' {@link CronType#UNIX} definition, spelled out: day of week 0-7 with 7 read as 0
   * (Sunday), strict ranges (a range whose start is after its end is refused). Restricted day of
   * month and day of week combine by OR.
   */
  private static final CronParser EITHER_DAY = new CronParser(unix().instance());

  /** The same, with day of month and day of week combined by AND (see {@link #parse}). */
  private static final CronParser BOTH_DAYS =
      new CronParser(unix().matchDayOfWeekAndDayOfMonth().instance());

  /**
   * crontab(5) day names in cronie's numbering: the index in this list (SUN = 0 ... SAT = 6), as
   * cronie's {@code get_number} finds the first of {@code Sun, Mon, ..., Sat, Sun}. cron-utils
   * numbers names MON = 1 ... SUN = 7 with no setting to change it, which made {@code SUN-THU} the
   * refused range 7-4 and {@code 0-SUN} the whole week 0-7; so names are turned into cronie's
   * numbers before cron-utils sees the field.
   */
  private static final List<String> DAY_NAMES =
      List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private static final String ACCEPTED_FORMS =
      "five fields, minute hour day-of-month month day-of-week, as in crontab(5); the six-field"
          + " form with seconds (Spring, Quartz) and @-nicknames are not accepted";

  private static final LocalDateTime VALIDATION_START = LocalDateTime.of(2000, 1, 1, 0, 0);

  private final String expression;
  private final ZoneId zone;

  /** Parsed once here; cron-utils' {@code ExecutionTime} holds only final, immutable state. */
  private final ExecutionTime executionTime;

  /**
   * @param expression the cron expression; kept trimmed
   * @param zone the zone the expression is read in
   * @throws IllegalArgumentException when either is null, the expression is not a valid five-field
   *     expression of the dialect above, or it can never fire (for example {@code 0 0 30 2 *})
   */
  public CronSchedule(String expression, ZoneId zone) {
    requireNonNull(expression, "cron");
    requireNonNull(zone, "zone");
    expression = expression.trim();
    requireArgument(!expression.isEmpty(), "cron must not be blank");
    ExecutionTime parsed = executionTime(expression);
    requireArgument(
        nextLocal(parsed, VALIDATION_START).isPresent(), "cron never fires: %s", expression);
    this.expression = expression;
    this.zone = zone;
    this.executionTime = parsed;
  }

  static CronSchedule of(String expression, ZoneId zone) {
    return new CronSchedule(expression, zone);
  }

  /**
   * The cron expression, trimmed and otherwise as given.
   *
   * @return the expression
   */
  public String expression() {
    return expression;
  }

  /** The zone the expression is read in. */
  @Override
  public ZoneId zone() {
    return zone;
  }

  /**
   * The first occurrence strictly after {@code after}: the next local minute matching the
   * expression after the wall time of {@code after}, mapped to an instant by the daylight saving
   * rules of {@link Schedule}. Never empty.
   *
   * @throws IllegalArgumentException when {@code after} is null
   */
  @Override
  public Optional<Instant> next(Instant after) {
    return Optional.of(
        WallClock.next(
            zone,
            after,
            cursor ->
                nextLocal(executionTime, cursor)
                    .orElseThrow(
                        () ->
                            new IllegalStateException(
                                "cron-utils found no occurrence after "
                                    + cursor
                                    + " for "
                                    + this))));
  }

  @Override
  public String toJson() {
    return ScheduleJson.write(this);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CronSchedule that
        && expression.equals(that.expression)
        && zone.equals(that.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(expression, zone);
  }

  @Override
  public String toString() {
    return "CronSchedule[expression=" + expression + ", zone=" + zone + "]";
  }

  private static ExecutionTime executionTime(String expression) {
    Cron cron;
    try {
      cron = parse(expression).validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cron is not a valid five-field Unix expression (" + e.getMessage() + "): " + expression,
          e);
    }
    return ExecutionTime.forCron(cron);
  }

  /**
   * Reads the expression as cronie (the cron of Fedora, RHEL and Arch, Vixie cron's descendant,
   * {@code src/entry.c}) reads a crontab line's five time fields, with one addition:
   *
   * <ul>
   *   <li>day names are cronie's numbers, SUN = 0 ... SAT = 6, and 7 is Sunday too: {@code SUN-THU}
   *       is 0-4, {@code 0-SUN} is 0-0 (Sunday only), {@code 1-7} and {@code 0-6} are the whole
   *       week;
   *   <li>the addition: a range from MON...SAT to the name SUN ends on 7, so {@code FRI-SUN} is
   *       Friday to Sunday. cronie refuses it (its start is after its end); it is kept because
   *       cron-utils always read it so, and stored expressions must keep firing as before. Other
   *       ranges whose start is after their end ({@code SAT-MON}, {@code 5-0}) are refused, as in
   *       cronie;
   *   <li>day of month and day of week combine by OR only when neither field starts with {@code *};
   *       when one does, they combine by AND. This is cronie's {@code DOM_STAR}/{@code DOW_STAR}
   *       rule, which looks at the first character, so {@code 0 9 *}{@code /2 * MON} is "odd days
   *       of the month that are Mondays", not "odd days and Mondays". With a plain {@code *} AND
   *       and OR agree.
   * </ul>
   */
  private static Cron parse(String expression) {
    String[] fields = expression.split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "it has "
              + fields.length
              + (fields.length == 1 ? " field" : " fields")
              + "; accepted: "
              + ACCEPTED_FORMS);
    }
    String dayOfMonth = fields[2];
    String dayOfWeek = fields[4];
    fields[4] = dayOfWeekNumbers(dayOfWeek);
    CronParser parser =
        dayOfMonth.startsWith("*") || dayOfWeek.startsWith("*") ? BOTH_DAYS : EITHER_DAY;
    return parser.parse(String.join(" ", fields));
  }

  /** The day-of-week field with day names replaced by cronie's numbers (see {@link #parse}). */
  private static String dayOfWeekNumbers(String field) {
    StringJoiner out = new StringJoiner(",");
    for (String element : field.split(",", -1)) {
      int slash = element.indexOf('/');
      String range = slash < 0 ? element : element.substring(0, slash);
      String step = slash < 0 ? "" : element.substring(slash);
      int dash = range.indexOf('-');
      if (dash < 0) {
        out.add(dayNumber(range) + step);
        continue;
      }
      String start = dayNumber(range.substring(0, dash));
      String endText = range.substring(dash + 1);
      String end =
          endText.equalsIgnoreCase("SUN")
                  && start.length() == 1
                  && start.charAt(0) >= '1'
                  && start.charAt(0) <= '6'
              ? "7"
              : dayNumber(endText);
      out.add(start + "-" + end + step);
    }
    return out.toString();
  }

  /** A day name's cronie number; any other text unchanged, for cron-utils to accept or refuse. */
  private static String dayNumber(String text) {
    int index = DAY_NAMES.indexOf(text.toUpperCase(Locale.ROOT));
    return index < 0 ? text : Integer.toString(index);
  }

  /** cron-utils' UNIX definition ({@code CronDefinitionBuilder.unixCrontab}), field by field. */
  private static CronDefinitionBuilder unix() {
    return CronDefinitionBuilder.defineCron()
        .withMinutes()
        .withValidRange(0, 59)
        .withStrictRange()
        .and()
        .withHours()
        .withValidRange(0, 23)
        .withStrictRange()
        .and()
        .withDayOfMonth()
        .withValidRange(1, 31)
        .withStrictRange()
        .and()
        .withMonth()
        .withValidRange(1, 12)
        .withStrictRange()
        .and()
        .withDayOfWeek()
        .withValidRange(0, 7)
        .withMondayDoWValue(1)
        .withIntMapping(7, 0)
        .withStrictRange()
        .and();
  }

  /**
   * The next matching local minute strictly after {@code cursor}. Running cron-utils at offset UTC
   * keeps it on a pure local timeline, so it never applies DST rules of its own.
   */
  private static Optional<LocalDateTime> nextLocal(
      ExecutionTime executionTime, LocalDateTime cursor) {
    return executionTime
        .nextExecution(cursor.atZone(ZoneOffset.UTC))
        .map(ZonedDateTime::toLocalDateTime);
  }
}
