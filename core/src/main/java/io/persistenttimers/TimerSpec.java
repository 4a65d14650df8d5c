package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.internal.Json;
import java.time.Instant;

/**
 * What to run, for whom, and how: everything about a timer except when it fires. Immutable; each
 * {@code withX}-style method returns a copy. Start from {@link #of}.
 *
 * <pre>{@code
 * TimerSpec spec = TimerSpec.of("feedback_initial", "participant-42")
 *     .flowType("micro_health_intervention")
 *     .params("{\"promptId\":\"p-7\"}")
 *     .id("feedback_initial:participant-42")   // idempotent: the same id is one timer
 *     .ifExists(IfExists.REPLACE);
 * }</pre>
 *
 * <p>Values are checked when the timer is scheduled; a refused call names the field and the rule.
 */
public final class TimerSpec {
  /** The flow type used when none is given. */
  public static final String DEFAULT_FLOW_TYPE = "default";

  private final String callbackType;
  private final String participantId;
  private final String flowType;
  private final String params;
  private final int payloadVersion;
  private final String id;
  private final IfExists ifExists;
  private final String stateType;
  private final String dataKey;
  private final Instant expiresAt;
  private final RetryPolicy retryPolicy;
  private final OverduePolicy overduePolicy;

  private TimerSpec(
      String callbackType,
      String participantId,
      String flowType,
      String params,
      int payloadVersion,
      String id,
      IfExists ifExists,
      String stateType,
      String dataKey,
      Instant expiresAt,
      RetryPolicy retryPolicy,
      OverduePolicy overduePolicy) {
    this.callbackType = callbackType;
    this.participantId = participantId;
    this.flowType = flowType;
    this.params = params;
    this.payloadVersion = payloadVersion;
    this.id = id;
    this.ifExists = ifExists;
    this.stateType = stateType;
    this.dataKey = dataKey;
    this.expiresAt = expiresAt;
    this.retryPolicy = retryPolicy;
    this.overduePolicy = overduePolicy;
  }

  /**
   * A timer of {@code callbackType} for {@code participantId}, with params {@code {}}.
   *
   * @param callbackType the registered callback type, a stable name
   * @param participantId whom the timer is for
   * @return a new spec
   */
  public static TimerSpec of(String callbackType, String participantId) {
    return new TimerSpec(
        callbackType,
        participantId,
        DEFAULT_FLOW_TYPE,
        "{}",
        1,
        null,
        IfExists.KEEP,
        null,
        null,
        null,
        null,
        null);
  }

  /**
   * The host flow this timer belongs to (indexed; list and cancel by it).
   *
   * @param flowType the flow type
   * @return a copy of this spec with that change
   */
  public TimerSpec flowType(String flowType) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * The callback's parameters as a JSON text.
   *
   * @param json exactly one JSON value
   * @return a copy of this spec with that change
   */
  public TimerSpec params(String json) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        json,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * The callback's parameters, written as JSON with Jackson.
   *
   * @param value the object to write as JSON
   * @return a copy of this spec with that change
   */
  public TimerSpec paramsOf(Object value) {
    return params(Json.write(requireNonNull(value, "params")));
  }

  /**
   * The version of the params' shape (≥ 1), for factories that read several generations.
   *
   * @param payloadVersion at least 1
   * @return a copy of this spec with that change
   */
  public TimerSpec payloadVersion(int payloadVersion) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * A caller-chosen id, such as a business key {@code "feedback_initial:participant-42"}. Without
   * one, a random UUID is used.
   *
   * @param id the timer id
   * @return a copy of this spec with that change
   */
  public TimerSpec id(String id) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * What to do when a timer with the same id exists; default {@link IfExists#KEEP}.
   *
   * @param ifExists keep, replace or fail
   * @return a copy of this spec with that change
   */
  public TimerSpec ifExists(IfExists ifExists) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * Opaque host context stored with the timer (the seed's state type and data key).
   *
   * @param stateType the host's state type
   * @param dataKey the host's data key
   * @return a copy of this spec with that change
   */
  public TimerSpec state(String stateType, String dataKey) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * A deadline after which the timer is dropped instead of fired.
   *
   * @param expiresAt the deadline
   * @return a copy of this spec with that change
   */
  public TimerSpec expiresAt(Instant expiresAt) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * This timer's retry policy instead of the engine default.
   *
   * @param retryPolicy the policy
   * @return a copy of this spec with that change
   */
  public TimerSpec retry(RetryPolicy retryPolicy) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * This timer's overdue policy instead of the engine default.
   *
   * @param overduePolicy the policy
   * @return a copy of this spec with that change
   */
  public TimerSpec overdue(OverduePolicy overduePolicy) {
    return new TimerSpec(
        callbackType,
        participantId,
        flowType,
        params,
        payloadVersion,
        id,
        ifExists,
        stateType,
        dataKey,
        expiresAt,
        retryPolicy,
        overduePolicy);
  }

  /**
   * The callback type.
   *
   * @return the callback type
   */
  public String callbackType() {
    return callbackType;
  }

  /**
   * The participant the timer is for.
   *
   * @return the participant id
   */
  public String participantId() {
    return participantId;
  }

  /**
   * The host flow; {@link #DEFAULT_FLOW_TYPE} unless set.
   *
   * @return the flow type
   */
  public String flowType() {
    return flowType;
  }

  /**
   * The callback's parameters as JSON text.
   *
   * @return the params JSON
   */
  public String params() {
    return params;
  }

  /**
   * The version of the params' shape.
   *
   * @return the payload version, at least 1
   */
  public int payloadVersion() {
    return payloadVersion;
  }

  /**
   * The caller-chosen id, or null for a random one.
   *
   * @return the id, or null
   */
  public String id() {
    return id;
  }

  /**
   * What a schedule call does when the id exists.
   *
   * @return the policy for an existing id
   */
  public IfExists ifExists() {
    return ifExists;
  }

  /**
   * The host's state type, or null.
   *
   * @return the state type, or null
   */
  public String stateType() {
    return stateType;
  }

  /**
   * The host's data key, or null.
   *
   * @return the data key, or null
   */
  public String dataKey() {
    return dataKey;
  }

  /**
   * The deadline after which the timer is dropped, or null.
   *
   * @return the deadline, or null
   */
  public Instant expiresAt() {
    return expiresAt;
  }

  /**
   * This timer's retry policy, or null for the engine default.
   *
   * @return the retry policy, or null
   */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * This timer's overdue policy, or null for the engine default.
   *
   * @return the overdue policy, or null
   */
  public OverduePolicy overduePolicy() {
    return overduePolicy;
  }

  @Override
  public String toString() {
    return "TimerSpec[callbackType=" + callbackType + ", flowType=" + flowType + ", id=" + id + "]";
  }
}
