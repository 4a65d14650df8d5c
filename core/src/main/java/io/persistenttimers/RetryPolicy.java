package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.internal.Json;
import java.time.Duration;

/**
 * How a failing callback is retried: exponential backoff with jitter, up to a number of attempts.
 * After the last attempt a one-shot timer is marked {@link TimerStatus#FAILED} and kept; a
 * recurring timer reports the failure and moves on to its next occurrence.
 *
 * @param maxAttempts total attempts including the first, at least 1 (1 means no retry)
 * @param initialBackoff wait before the second attempt, positive
 * @param maxBackoff upper bound of any wait, at least {@code initialBackoff}
 * @param multiplier growth of the wait per attempt, at least 1.0
 * @param jitter random spread of each wait as a fraction in [0, 1): 0.2 means ±20%
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier,
    double jitter) {

  /** Three attempts, 30 s then 60 s apart (±20%), at most one hour apart. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofSeconds(30), Duration.ofHours(1), 2.0, 0.2);

  /** One attempt: a failure is final. */
  public static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0, 0.0);

  /**
   * Validates the fields.
   *
   * @param maxAttempts total attempts including the first, 1..1000
   * @param initialBackoff wait before the second attempt, positive
   * @param maxBackoff upper bound of any wait, from {@code initialBackoff} to 365 days
   * @param multiplier growth of the wait per attempt, in [1, 100]
   * @param jitter random spread of each wait as a fraction in [0, 1)
   * @throws IllegalArgumentException when a field is null or out of range, naming it
   */
  public RetryPolicy {
    requireArgument(maxAttempts >= 1, "maxAttempts must be >= 1: %s", maxAttempts);
    requireArgument(maxAttempts <= 1000, "maxAttempts must be <= 1000: %s", maxAttempts);
    requireNonNull(initialBackoff, "initialBackoff");
    requireNonNull(maxBackoff, "maxBackoff");
    requireArgument(
        !initialBackoff.isNegative() && !initialBackoff.isZero(),
        "initialBackoff must be positive: %s",
        initialBackoff);
    requireArgument(
        maxBackoff.compareTo(initialBackoff) >= 0,
        "maxBackoff must be >= initialBackoff: %s < %s",
        maxBackoff,
        initialBackoff);
    requireArgument(
        maxBackoff.compareTo(Duration.ofDays(365)) <= 0,
        "maxBackoff must be <= 365 days: %s",
        maxBackoff);
    requireArgument(
        multiplier >= 1.0 && multiplier <= 100.0, "multiplier must be in [1, 100]: %s", multiplier);
    requireArgument(jitter >= 0.0 && jitter < 1.0, "jitter must be in [0, 1): %s", jitter);
  }

  /**
   * {@code attempts} attempts, starting {@code initialBackoff} apart and doubling, no jitter.
   *
   * @param attempts total attempts including the first
   * @param initialBackoff wait before the second attempt
   * @param maxBackoff upper bound of any wait
   * @return the policy
   */
  public static RetryPolicy exponential(
      int attempts, Duration initialBackoff, Duration maxBackoff) {
    return new RetryPolicy(attempts, initialBackoff, maxBackoff, 2.0, 0.0);
  }

  /**
   * A copy with the given jitter.
   *
   * @param jitter in [0, 1)
   * @return a copy of this policy with that jitter
   */
  public RetryPolicy jitter(double jitter) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter);
  }

  /**
   * True when a timer that failed {@code failedAttempts} times may try again.
   *
   * @param failedAttempts how many attempts have failed
   * @return whether another attempt is allowed
   */
  public boolean allowsRetryAfter(int failedAttempts) {
    return failedAttempts < maxAttempts;
  }

  /**
   * A JSON form that {@link #fromJson} reads back to an equal policy.
   *
   * @return the policy as JSON
   */
  public String toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("maxAttempts", maxAttempts);
    node.put("initialBackoff", initialBackoff.toString());
    node.put("maxBackoff", maxBackoff.toString());
    node.put("multiplier", multiplier);
    node.put("jitter", jitter);
    return node.toString();
  }

  /**
   * Reads {@link #toJson()}'s form.
   *
   * @param json the text written by {@link #toJson()}
   * @return the policy
   * @throws IllegalArgumentException when the text is not such a policy
   */
  public static RetryPolicy fromJson(String json) {
    JsonNode node = Json.parseObject(json, "retryPolicy");
    try {
      return new RetryPolicy(
          Json.requiredField(node, "maxAttempts", "retryPolicy").asInt(),
          Duration.parse(Json.requiredField(node, "initialBackoff", "retryPolicy").asText()),
          Duration.parse(Json.requiredField(node, "maxBackoff", "retryPolicy").asText()),
          Json.requiredField(node, "multiplier", "retryPolicy").asDouble(),
          Json.requiredField(node, "jitter", "retryPolicy").asDouble());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(
          "retryPolicy has an unreadable duration: " + e.getMessage(), e);
    }
  }
}
