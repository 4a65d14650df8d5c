package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.internal.Json;
import java.time.Instant;

/**
 * What to run, for whom, and how: everything about a timer except when it fires. An immutable
 * value; each method named after a component returns a copy with that component replaced. Start
 * from {@link #of(String, String)}, {@link #of(String)} or {@link #builder(String)}.
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
 *
 * @param callbackType the registered callback type, a stable name
 * @param participantId whom the timer is for, or {@link TimerRecord#NO_PARTICIPANT} for a timer
 *     that belongs to no participant
 * @param flowType the host flow this timer belongs to; {@link #DEFAULT_FLOW_TYPE} unless given
 * @param params the callback's parameters as exactly one JSON value; {@code {}} unless given
 * @param payloadVersion the version of the params' shape, at least 1
 * @param id a caller-chosen id such as a business key, or null for a random UUID
 * @param ifExists what to do when a timer with the same id exists; {@link IfExists#KEEP} unless
 *     given
 * @param stateType opaque host context, or null
 * @param dataKey opaque host context, or null
 * @param expiresAt a deadline after which the timer is dropped instead of fired, or null
 * @param retryPolicy this timer's retry policy, or null for the engine default
 * @param overduePolicy this timer's overdue policy, or null for the engine default
 */
public record TimerSpec(
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

  /** The flow type used when none is given. */
  public static final String DEFAULT_FLOW_TYPE = "default";

  /**
   * A timer of {@code callbackType} for {@code participantId}, with params {@code {}}.
   *
   * @param callbackType the registered callback type, a stable name
   * @param participantId whom the timer is for
   * @return a new spec
   */
  public static TimerSpec of(String callbackType, String participantId) {
    return builder(callbackType).participantId(participantId).build();
  }

  /**
   * A timer of {@code callbackType} that belongs to no participant (a nightly job, a system
   * reminder), with params {@code {}}. Such a timer is found by id, flow type or callback type,
   * never by participant.
   *
   * @param callbackType the registered callback type, a stable name
   * @return a new spec
   */
  public static TimerSpec of(String callbackType) {
    return builder(callbackType).build();
  }

  /**
   * A builder for a spec of {@code callbackType}, with the defaults of {@link #of(String)}.
   *
   * @param callbackType the registered callback type, a stable name
   * @return a new builder
   */
  public static Builder builder(String callbackType) {
    return new Builder(callbackType);
  }

  /**
   * A builder holding every component of this spec.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Whom the timer is for.
   *
   * @param participantId the participant
   * @return a copy of this spec with that change
   */
  public TimerSpec participantId(String participantId) {
    return toBuilder().participantId(participantId).build();
  }

  /**
   * The host flow this timer belongs to (indexed; list and cancel by it).
   *
   * @param flowType the flow type
   * @return a copy of this spec with that change
   */
  public TimerSpec flowType(String flowType) {
    return toBuilder().flowType(flowType).build();
  }

  /**
   * The callback's parameters as a JSON text.
   *
   * @param json exactly one JSON value
   * @return a copy of this spec with that change
   */
  public TimerSpec params(String json) {
    return toBuilder().params(json).build();
  }

  /**
   * The callback's parameters, written as JSON with Jackson.
   *
   * @param value the object to write as JSON
   * @return a copy of this spec with that change
   */
  public TimerSpec paramsOf(Object value) {
    return toBuilder().paramsOf(value).build();
  }

  /**
   * The version of the params' shape (≥ 1), for factories that read several generations.
   *
   * @param payloadVersion at least 1
   * @return a copy of this spec with that change
   */
  public TimerSpec payloadVersion(int payloadVersion) {
    return toBuilder().payloadVersion(payloadVersion).build();
  }

  /**
   * A caller-chosen id, such as a business key {@code "feedback_initial:participant-42"}. Without
   * one, a random UUID is used.
   *
   * @param id the timer id
   * @return a copy of this spec with that change
   */
  public TimerSpec id(String id) {
    return toBuilder().id(id).build();
  }

  /**
   * What to do when a timer with the same id exists; default {@link IfExists#KEEP}.
   *
   * @param ifExists keep, replace or fail
   * @return a copy of this spec with that change
   */
  public TimerSpec ifExists(IfExists ifExists) {
    return toBuilder().ifExists(ifExists).build();
  }

  /**
   * Opaque host context stored with the timer (the seed's state type and data key).
   *
   * @param stateType the host's state type
   * @param dataKey the host's data key
   * @return a copy of this spec with that change
   */
  public TimerSpec state(String stateType, String dataKey) {
    return toBuilder().state(stateType, dataKey).build();
  }

  /**
   * A deadline after which the timer is dropped instead of fired.
   *
   * @param expiresAt the deadline
   * @return a copy of this spec with that change
   */
  public TimerSpec expiresAt(Instant expiresAt) {
    return toBuilder().expiresAt(expiresAt).build();
  }

  /**
   * This timer's retry policy instead of the engine default.
   *
   * @param retryPolicy the policy
   * @return a copy of this spec with that change
   */
  public TimerSpec retryPolicy(RetryPolicy retryPolicy) {
    return toBuilder().retryPolicy(retryPolicy).build();
  }

  /**
   * This timer's overdue policy instead of the engine default.
   *
   * @param overduePolicy the policy
   * @return a copy of this spec with that change
   */
  public TimerSpec overduePolicy(OverduePolicy overduePolicy) {
    return toBuilder().overduePolicy(overduePolicy).build();
  }

  /**
   * True when the timer belongs to a participant.
   *
   * @return whether a participant is set
   */
  public boolean hasParticipant() {
    return !TimerRecord.NO_PARTICIPANT.equals(participantId);
  }

  @Override
  public String toString() {
    // Params and participant ids may hold personal data: keep them out of logs and messages.
    return "TimerSpec[callbackType=" + callbackType + ", flowType=" + flowType + ", id=" + id + "]";
  }

  /** A mutable maker of {@link TimerSpec}s; the spec's methods of the same names document each. */
  public static final class Builder {
    private final String callbackType;
    private String participantId = TimerRecord.NO_PARTICIPANT;
    private String flowType = DEFAULT_FLOW_TYPE;
    private String params = "{}";
    private int payloadVersion = 1;
    private String id;
    private IfExists ifExists = IfExists.KEEP;
    private String stateType;
    private String dataKey;
    private Instant expiresAt;
    private RetryPolicy retryPolicy;
    private OverduePolicy overduePolicy;

    private Builder(String callbackType) {
      this.callbackType = callbackType;
    }

    private Builder(TimerSpec spec) {
      callbackType = spec.callbackType;
      participantId = spec.participantId;
      flowType = spec.flowType;
      params = spec.params;
      payloadVersion = spec.payloadVersion;
      id = spec.id;
      ifExists = spec.ifExists;
      stateType = spec.stateType;
      dataKey = spec.dataKey;
      expiresAt = spec.expiresAt;
      retryPolicy = spec.retryPolicy;
      overduePolicy = spec.overduePolicy;
    }

    /**
     * Sets the participant.
     *
     * @param participantId whom the timer is for
     * @return this builder
     */
    public Builder participantId(String participantId) {
      this.participantId = participantId;
      return this;
    }

    /**
     * Sets the flow type.
     *
     * @param flowType the host flow
     * @return this builder
     */
    public Builder flowType(String flowType) {
      this.flowType = flowType;
      return this;
    }

    /**
     * Sets the params as JSON text.
     *
     * @param json exactly one JSON value
     * @return this builder
     */
    public Builder params(String json) {
      this.params = json;
      return this;
    }

    /**
     * Sets the params, written as JSON with Jackson.
     *
     * @param value the object to write
     * @return this builder
     */
    public Builder paramsOf(Object value) {
      this.params = Json.write(requireNonNull(value, "params"));
      return this;
    }

    /**
     * Sets the params' shape version.
     *
     * @param payloadVersion at least 1
     * @return this builder
     */
    public Builder payloadVersion(int payloadVersion) {
      this.payloadVersion = payloadVersion;
      return this;
    }

    /**
     * Sets a caller-chosen id.
     *
     * @param id the timer id
     * @return this builder
     */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /**
     * Sets what to do when the id exists.
     *
     * @param ifExists keep, replace or fail
     * @return this builder
     */
    public Builder ifExists(IfExists ifExists) {
      this.ifExists = ifExists;
      return this;
    }

    /**
     * Sets the opaque host context.
     *
     * @param stateType the host's state type
     * @param dataKey the host's data key
     * @return this builder
     */
    public Builder state(String stateType, String dataKey) {
      this.stateType = stateType;
      this.dataKey = dataKey;
      return this;
    }

    /**
     * Sets the deadline.
     *
     * @param expiresAt the deadline, or null
     * @return this builder
     */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /**
     * Sets the retry policy.
     *
     * @param retryPolicy the policy, or null for the engine default
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    /**
     * Sets the overdue policy.
     *
     * @param overduePolicy the policy, or null for the engine default
     * @return this builder
     */
    public Builder overduePolicy(OverduePolicy overduePolicy) {
      this.overduePolicy = overduePolicy;
      return this;
    }

    /**
     * The spec.
     *
     * @return a new immutable spec
     */
    public TimerSpec build() {
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
  }
}
