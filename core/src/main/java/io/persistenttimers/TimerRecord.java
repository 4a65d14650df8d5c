package io.persistenttimers;

import static io.persistenttimers.internal.Checks.optionalText;
import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;
import static io.persistenttimers.internal.Checks.requireText;
import static io.persistenttimers.internal.Checks.storableText;

import io.persistenttimers.internal.Checks;
import io.persistenttimers.internal.Json;
import io.persistenttimers.schedule.Schedule;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One stored timer: an immutable value, exactly what a {@link io.persistenttimers.spi.Store}
 * persists. All instants have millisecond precision (the constructor truncates), so every store
 * returns what it was given.
 *
 * <p><b>Input rules</b>, the same on every store because they are checked here, before any store
 * sees the record: the text fields hold no NUL and no unpaired surrogate; {@code params} is exactly
 * one JSON value with neither of those in any string, raw or escaped, and no number beyond 1000
 * digits before or after the decimal point. Everything else, quotes, SQL-like text, emoji, CJK,
 * line separators, comes back byte for byte. {@code lastError} is written by the library, so it is
 * repaired instead of refused: NUL and unpaired surrogates become U+FFFD, and it is cut to {@value
 * #MAX_ERROR_LENGTH} characters without splitting a surrogate pair.
 *
 * @param id unique id: a random UUID or a caller-chosen business key, at most 255 characters
 * @param participantId whom the timer is for, or {@link #NO_PARTICIPANT} for a timer that belongs
 *     to no participant; indexed
 * @param flowType the host flow the timer belongs to; indexed
 * @param callbackType the stable name under which a {@link CallbackFactory} is registered
 * @param params the callback's parameters as exactly one JSON value; may hold personal data, so it
 *     is never logged above DEBUG nor put into exception messages
 * @param payloadVersion the version of the params' shape, chosen by the host (≥ 1)
 * @param kind one-shot or recurring
 * @param schedule the schedule of a recurring timer; null for a one-shot timer
 * @param nextFireAt the one due time used everywhere; indexed
 * @param expiresAt optional deadline after which the timer is dropped instead of fired
 * @param stateType opaque host context, optional
 * @param dataKey opaque host context, optional
 * @param attempt failed attempts of the current occurrence so far (0 before the first failure)
 * @param lastError the last failure or the quarantine reason: the exception's class and message,
 *     which may quote the params (a callback's exception often does), so it is the same class of
 *     data as the params and is stored beside them, never logged above DEBUG
 * @param status lifecycle state
 * @param version the compare-and-set identity: a new timer starts at a random version that no
 *     earlier timer under the same id had, and each change adds one; all updates compare and set on
 *     it
 * @param retryPolicy this timer's retry policy, or null for the engine default
 * @param overduePolicy this timer's overdue policy, or null for the engine default
 * @param lastFiredAt due time of the last occurrence of a recurring timer that completed
 * @param createdAt when the timer was first stored
 * @param updatedAt when the timer was last changed
 */
public record TimerRecord(
    String id,
    String participantId,
    String flowType,
    String callbackType,
    String params,
    int payloadVersion,
    TimerKind kind,
    Schedule schedule,
    Instant nextFireAt,
    Instant expiresAt,
    String stateType,
    String dataKey,
    int attempt,
    String lastError,
    TimerStatus status,
    long version,
    RetryPolicy retryPolicy,
    OverduePolicy overduePolicy,
    Instant lastFiredAt,
    Instant createdAt,
    Instant updatedAt) {

  /**
   * The participant id of a timer that belongs to no participant ({@link TimerSpec#of(String)}):
   * the empty string. Queries and cancels by participant never match it, since they require a
   * non-blank participant.
   */
  public static final String NO_PARTICIPANT = "";

  /** The longest id, in characters. */
  public static final int MAX_ID_LENGTH = 255;

  /** The longest participant id, flow type, callback type, state type or data key. */
  public static final int MAX_NAME_LENGTH = 255;

  /** {@code lastError} is cut to this many characters. */
  public static final int MAX_ERROR_LENGTH = 2000;

  public TimerRecord {
    requireText(id, "id", MAX_ID_LENGTH);
    Checks.participantId(participantId, "participantId", MAX_NAME_LENGTH);
    requireText(flowType, "flowType", MAX_NAME_LENGTH);
    requireText(callbackType, "callbackType", MAX_NAME_LENGTH);
    Json.requireOneValue(params, "params");
    requireArgument(payloadVersion >= 1, "payloadVersion must be >= 1: %s", payloadVersion);
    requireNonNull(kind, "kind");
    requireArgument(
        (kind == TimerKind.RECURRING) == (schedule != null),
        "schedule must be set for a RECURRING timer and only then (kind=%s)",
        kind);
    nextFireAt = millis(requireNonNull(nextFireAt, "nextFireAt"));
    expiresAt = millis(expiresAt);
    stateType = optionalText(stateType, "stateType", MAX_NAME_LENGTH);
    dataKey = optionalText(dataKey, "dataKey", MAX_NAME_LENGTH);
    requireArgument(attempt >= 0, "attempt must be >= 0: %s", attempt);
    lastError = storableText(lastError, MAX_ERROR_LENGTH);
    requireNonNull(status, "status");
    requireArgument(version >= 1, "version must be >= 1: %s", version);
    lastFiredAt = millis(lastFiredAt);
    createdAt = millis(requireNonNull(createdAt, "createdAt"));
    updatedAt = millis(requireNonNull(updatedAt, "updatedAt"));
  }

  private static Instant millis(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
  }

  /**
   * True when the timer has an expiry at or before {@code now}.
   *
   * @param now the current instant
   * @return whether the timer has expired
   */
  public boolean isExpiredAt(Instant now) {
    return expiresAt != null && !expiresAt.isAfter(now);
  }

  /**
   * A short description for logs and messages: id, type, due time. Never the params.
   *
   * @return the description
   */
  public String describe() {
    return "timer '" + id + "' (" + callbackType + ", due " + nextFireAt + ", " + status + ")";
  }

  @Override
  public String toString() {
    // Params and participant ids may hold personal data; keep them out of toString, which ends up
    // in logs and messages.
    return "TimerRecord[id="
        + id
        + ", flowType="
        + flowType
        + ", callbackType="
        + callbackType
        + ", kind="
        + kind
        + ", nextFireAt="
        + nextFireAt
        + ", status="
        + status
        + ", attempt="
        + attempt
        + ", version="
        + version
        + "]";
  }
}
