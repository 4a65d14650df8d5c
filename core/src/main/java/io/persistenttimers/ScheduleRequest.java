package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.internal.WallClock;
import io.persistenttimers.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * One timer to schedule in a batch ({@link PersistentTimer#scheduleAll}, {@link
 * PersistentTimer#prepareAll}) or without waiting ({@link PersistentTimer#scheduleAsync}): the same
 * choices as the single calls {@code scheduleAfter}, {@code scheduleAt} and {@code
 * scheduleRecurring}. Immutable.
 *
 * <p>The factories refuse only nulls; everything else (a negative delay, an unregistered callback
 * type, params too large) is checked when the request is scheduled, with the same rules and
 * messages as the single calls, prefixed by the request's position in its batch. A delay counts
 * from the moment the request is scheduled, not from when it was built.
 */
public final class ScheduleRequest {

  /** What decides the first due time. */
  public enum Kind {
    /** Due a delay after the request is scheduled ({@link #delay()}). */
    AFTER,
    /** Due at an instant ({@link #dueAt()}). */
    AT,
    /** Recurring, first due at the schedule's first occurrence ({@link #schedule()}). */
    RECURRING
  }

  private final Kind kind;
  private final Duration delay;
  private final Instant dueAt;
  private final Schedule schedule;
  private final TimerSpec spec;

  private ScheduleRequest(
      Kind kind, Duration delay, Instant dueAt, Schedule schedule, TimerSpec spec) {
    this.kind = kind;
    this.delay = delay;
    this.dueAt = dueAt;
    this.schedule = schedule;
    this.spec = requireNonNull(spec, "spec");
  }

  /**
   * A one-shot timer due {@code delay} after it is scheduled, as {@link
   * PersistentTimer#scheduleAfter}.
   *
   * @param delay how long from scheduling the timer is due
   * @param spec what to run and for whom
   * @return the request
   * @throws IllegalArgumentException when an argument is null
   */
  public static ScheduleRequest after(Duration delay, TimerSpec spec) {
    return new ScheduleRequest(Kind.AFTER, requireNonNull(delay, "delay"), null, null, spec);
  }

  /**
   * A one-shot timer due at {@code dueAt}, as {@link PersistentTimer#scheduleAt(Instant,
   * TimerSpec)}.
   *
   * @param dueAt when the timer is due
   * @param spec what to run and for whom
   * @return the request
   * @throws IllegalArgumentException when an argument is null
   */
  public static ScheduleRequest at(Instant dueAt, TimerSpec spec) {
    return new ScheduleRequest(Kind.AT, null, requireNonNull(dueAt, "dueAt"), null, spec);
  }

  /**
   * A one-shot timer at a wall-clock time in {@code zone}, read with the daylight-saving rule of
   * {@link PersistentTimer#scheduleAt(LocalDateTime, ZoneId, TimerSpec)}; the request holds the
   * resulting instant.
   *
   * @param dueAt the local date and time
   * @param zone where that local time is read
   * @param spec what to run and for whom
   * @return the request
   * @throws IllegalArgumentException when an argument is null
   */
  public static ScheduleRequest at(LocalDateTime dueAt, ZoneId zone, TimerSpec spec) {
    requireNonNull(dueAt, "dueAt");
    requireNonNull(zone, "zone");
    return at(WallClock.toInstant(dueAt, zone.getRules()), spec);
  }

  /**
   * A recurring timer, as {@link PersistentTimer#scheduleRecurring}.
   *
   * @param schedule when the timer fires
   * @param spec what to run and for whom
   * @return the request
   * @throws IllegalArgumentException when an argument is null
   */
  public static ScheduleRequest recurring(Schedule schedule, TimerSpec spec) {
    return new ScheduleRequest(
        Kind.RECURRING, null, null, requireNonNull(schedule, "schedule"), spec);
  }

  /**
   * Which factory made this request.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The delay of an {@link Kind#AFTER} request.
   *
   * @return the delay; null for the other kinds
   */
  public Duration delay() {
    return delay;
  }

  /**
   * The due instant of an {@link Kind#AT} request.
   *
   * @return the instant; null for the other kinds
   */
  public Instant dueAt() {
    return dueAt;
  }

  /**
   * The schedule of a {@link Kind#RECURRING} request.
   *
   * @return the schedule; null for the other kinds
   */
  public Schedule schedule() {
    return schedule;
  }

  /**
   * What to run and for whom, with the id and {@link IfExists} rule.
   *
   * @return the spec
   */
  public TimerSpec spec() {
    return spec;
  }

  @Override
  public String toString() {
    String when =
        switch (kind) {
          case AFTER -> "after " + delay;
          case AT -> "at " + dueAt;
          case RECURRING -> "recurring " + schedule.toJson();
        };
    return "ScheduleRequest[" + when + ", " + spec.callbackType() + ", id=" + spec.id() + "]";
  }
}
