package io.persistenttimers.schedule;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A fixed interval: occurrences at {@code anchor + k * period} for k ≥ 1. Created through {@link
 * Schedule#every}. Without an anchor the engine anchors it when the timer is scheduled.
 *
 * @param period time between occurrences, at least one second and at most 3660 days
 * @param anchor the instant occurrences count from, or null until the timer is scheduled
 */
public record IntervalSchedule(Duration period, Instant anchor) implements Schedule {

  static final Duration MIN_PERIOD = Duration.ofSeconds(1);
  static final Duration MAX_PERIOD = Duration.ofDays(3660);

  /**
   * Validates the period and truncates the anchor to milliseconds.
   *
   * @param period time between occurrences, at least one second and at most 3660 days
   * @param anchor the instant occurrences count from, or null until the timer is scheduled
   * @throws IllegalArgumentException when the period is null, out of range or not whole
   *     milliseconds
   */
  public IntervalSchedule {
    requireNonNull(period, "period");
    requireArgument(
        period.compareTo(MIN_PERIOD) >= 0, "period must be at least %s: %s", MIN_PERIOD, period);
    requireArgument(
        period.compareTo(MAX_PERIOD) <= 0, "period must be at most %s: %s", MAX_PERIOD, period);
    requireArgument(
        period.getNano() % 1_000_000 == 0, "period must be whole milliseconds: %s", period);
    if (anchor != null) {
      anchor = anchor.truncatedTo(ChronoUnit.MILLIS);
    }
  }

  static IntervalSchedule of(Duration period, Instant anchor) {
    return new IntervalSchedule(period, anchor);
  }

  /** Always UTC: an interval does not depend on wall-clock time. */
  @Override
  public java.time.ZoneId zone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Optional<Instant> next(Instant after) {
    requireNonNull(after, "after");
    if (anchor == null) {
      throw new IllegalStateException(
          "interval schedule has no anchor yet: it gets one when a timer is scheduled with it, or pass one to Schedule.every(period, anchor)");
    }
    long periodMillis = period.toMillis();
    long elapsed = after.toEpochMilli() - anchor.toEpochMilli();
    long k = elapsed < 0 ? 1 : Math.floorDiv(elapsed, periodMillis) + 1;
    return Optional.of(anchor.plusMillis(k * periodMillis));
  }

  @Override
  public String toJson() {
    return ScheduleJson.write(this);
  }
}
