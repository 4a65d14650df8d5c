package io.persistenttimers.internal;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.IntervalSchedule;
import io.persistenttimers.schedule.Schedule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Turns a schedule call into a validated record; refuses bad input naming the field and rule. */
public final class NewTimers {
  /** Longer than any sensible timer; beyond it a delay is a unit mistake. */
  public static final Duration MAX_DELAY = Duration.ofDays(36_500);

  private final CallbackRegistry registry;
  private final EngineConfig config;

  public NewTimers(CallbackRegistry registry, EngineConfig config) {
    this.registry = registry;
    this.config = config;
  }

  public TimerRecord after(Duration delay, TimerSpec spec, Instant now) {
    requireNonNull(delay, "delay");
    requireArgument(!delay.isNegative(), "delay must be >= 0: %s", delay);
    requireArgument(
        delay.compareTo(MAX_DELAY) <= 0, "delay must be at most %s: %s", MAX_DELAY, delay);
    return once(now.plus(delay), spec, now);
  }

  public TimerRecord at(Instant dueAt, TimerSpec spec, Instant now) {
    requireNonNull(dueAt, "dueAt");
    requireArgument(
        Duration.between(now, dueAt).abs().compareTo(MAX_DELAY) <= 0,
        "dueAt must be within %s of now: %s",
        MAX_DELAY,
        dueAt);
    return once(dueAt, spec, now);
  }

  public TimerRecord recurring(Schedule schedule, TimerSpec spec, Instant now) {
    requireNonNull(schedule, "schedule");
    Schedule anchored = anchored(schedule, now);
    Instant first =
        anchored
            .next(now)
            .orElseThrow(
                () -> new IllegalArgumentException("schedule never fires: " + schedule.toJson()));
    return build(TimerKind.RECURRING, anchored, first, spec, now);
  }

  /**
   * An interval created without an anchor ({@code Schedule.every(period)}) counts from the moment
   * its timer is scheduled; every other schedule is already complete.
   */
  static Schedule anchored(Schedule schedule, Instant now) {
    if (schedule instanceof IntervalSchedule interval && interval.anchor() == null) {
      return Schedule.every(interval.period(), now);
    }
    return schedule;
  }

  private TimerRecord once(Instant dueAt, TimerSpec spec, Instant now) {
    return build(TimerKind.ONCE, null, dueAt, spec, now);
  }

  private TimerRecord build(
      TimerKind kind, Schedule schedule, Instant due, TimerSpec spec, Instant now) {
    requireNonNull(spec, "spec");
    String type = spec.callbackType();
    Checks.requireText(type, "callbackType", TimerRecord.MAX_NAME_LENGTH);
    requireArgument(
        config.allowUnregisteredCallbackTypes() || registry.contains(type),
        "callbackType '%s' is not registered: register a CallbackFactory for it first"
            + " (or build with allowUnregisteredCallbackTypes())",
        type);
    Checks.participantId(spec.participantId(), "participantId", TimerRecord.MAX_NAME_LENGTH);
    Checks.requireText(spec.flowType(), "flowType", TimerRecord.MAX_NAME_LENGTH);
    requireNonNull(spec.params(), "params");
    int bytes = spec.params().getBytes(StandardCharsets.UTF_8).length;
    requireArgument(
        bytes <= config.maxParamsBytes(),
        "params must be at most %d bytes (UTF-8): got %d",
        config.maxParamsBytes(),
        bytes);
    Json.requireOneValue(spec.params(), "params");
    requireNonNull(spec.ifExists(), "ifExists");
    String id = spec.id() == null ? UUID.randomUUID().toString() : spec.id();
    Checks.requireText(id, "id", TimerRecord.MAX_ID_LENGTH);
    if (spec.expiresAt() != null) {
      requireArgument(
          spec.expiresAt().isAfter(due),
          "expiresAt must be after the first due time: expiresAt=%s, due=%s",
          spec.expiresAt(),
          due);
    }
    return new TimerRecord(
        id,
        spec.participantId(),
        spec.flowType(),
        type,
        spec.params(),
        spec.payloadVersion(),
        kind,
        schedule,
        due,
        spec.expiresAt(),
        spec.stateType(),
        spec.dataKey(),
        0,
        null,
        TimerStatus.ACTIVE,
        TimerVersions.first(),
        spec.retryPolicy(),
        spec.overduePolicy(),
        null,
        now,
        now);
  }
}
