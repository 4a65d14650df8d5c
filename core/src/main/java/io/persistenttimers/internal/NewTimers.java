package io.persistenttimers.internal;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.ScheduleRequest;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.IntervalSchedule;
import io.persistenttimers.schedule.Schedule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Turns a schedule call into a validated record; refuses bad input naming the field and rule. */
public final class NewTimers {
  /**
   * Most requests in one batch: every record of a batch is one store transaction, held in memory
   * and sent as one JDBC batch; a host with more chooses where to cut (atomicity is per batch).
   */
  public static final int MAX_BATCH_REQUESTS = 10_000;

  /** Longer than any sensible timer; beyond it a delay is a unit mistake. */
  public static final Duration MAX_DELAY = Duration.ofDays(36_500);

  private final CallbackRegistry registry;
  private final EngineConfig config;

  public NewTimers(CallbackRegistry registry, EngineConfig config) {
    this.registry = registry;
    this.config = config;
  }

  /** The record of one request, validated as the single call of its kind would. */
  public TimerRecord request(ScheduleRequest request, Instant now) {
    requireNonNull(request, "request");
    return switch (request.kind()) {
      case AFTER -> after(request.delay(), request.spec(), now);
      case AT -> at(request.dueAt(), request.spec(), now);
      case RECURRING -> recurring(request.schedule(), request.spec(), now);
    };
  }

  /**
   * The records of a batch, in request order, all read at one {@code now}. Refuses the whole batch
   * when any request is bad (naming its index), when two requests share an id (one batch cannot
   * both create and replace the same timer in a meaningful order), or when there are too many.
   */
  public List<TimerRecord> batch(List<ScheduleRequest> requests, Instant now) {
    requireNonNull(requests, "requests");
    requireArgument(
        requests.size() <= MAX_BATCH_REQUESTS,
        "requests must hold at most %d timers per batch: got %d (split it into several calls)",
        MAX_BATCH_REQUESTS,
        requests.size());
    List<TimerRecord> records = new ArrayList<>(requests.size());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      TimerRecord record;
      try {
        record = request(requests.get(i), now);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("requests[" + i + "]: " + e.getMessage(), e);
      }
      requireArgument(
          ids.add(record.id()),
          "requests[%d]: id '%s' appears twice in one batch (ids must be unique within a batch)",
          i,
          record.id());
      records.add(record);
    }
    return records;
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
