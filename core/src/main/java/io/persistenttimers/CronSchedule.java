package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A five-field Unix cron expression ({@code minute hour day-of-month month day-of-week}) read in a
 * zone, parsed with cron-utils ({@link CronType#UNIX}). Unlike {@link CalendarSchedule}, a
 * restricted day-of-month and day-of-week combine by OR, as in Unix cron. Daylight saving time
 * follows the rules of {@link Schedule}. Obtain one through {@link Schedule#cron}.
 *
 * <p>The expression is kept as given, only trimmed, so it round-trips through JSON unchanged.
 * Equality, hash code and JSON use only the expression text and the zone; the parsed form is held
 * beside them so that {@link #next} does not parse again. Instances are immutable and thread-safe.
 *
 * @throws IllegalArgumentException when either is null, the expression is not a valid five-field
 *     Unix cron expression, or it can never fire (for example {@code 0 0 30 2 *})
 */
public final class CronSchedule implements Schedule {

  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private static final LocalDateTime VALIDATION_START = LocalDateTime.of(2000, 1, 1, 0, 0);

  private final String expression;
  private final ZoneId zone;

  /** Parsed once here; cron-utils' {@code ExecutionTime} holds only final, immutable state. */
  private final ExecutionTime executionTime;

  /**
   * @param expression the cron expression; kept trimmed
   * @param zone the zone the expression is read in
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

  /** The cron expression, trimmed and otherwise as given. */
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
      cron = PARSER.parse(expression).validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cron is not a valid five-field Unix expression (" + e.getMessage() + "): " + expression,
          e);
    }
    return ExecutionTime.forCron(cron);
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
