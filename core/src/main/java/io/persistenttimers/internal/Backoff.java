package io.persistenttimers.internal;

import static io.persistenttimers.internal.Checks.requireArgument;

import io.persistenttimers.RetryPolicy;
import java.time.Duration;

/** How long the engine waits before the next attempt of a failed timer. */
public final class Backoff {

  private Backoff() {}

  /**
   * The wait after the {@code failedAttempts}-th failure: exponential from the initial backoff,
   * capped at the maximum, spread by the jitter.
   *
   * @param policy the timer's retry policy
   * @param failedAttempts how many attempts have failed so far, at least 1
   * @param random01 a uniformly distributed number in [0, 1) used for the jitter
   * @return the wait before the next attempt, at least 1 ms
   */
  public static Duration after(RetryPolicy policy, int failedAttempts, double random01) {
    requireArgument(failedAttempts >= 1, "failedAttempts must be >= 1: %s", failedAttempts);
    double base =
        policy.initialBackoff().toMillis() * Math.pow(policy.multiplier(), failedAttempts - 1);
    double capped = Math.min(base, policy.maxBackoff().toMillis());
    double spread = 1.0 + policy.jitter() * (2.0 * random01 - 1.0);
    return Duration.ofMillis(Math.max(1L, Math.round(capped * spread)));
  }
}
