package io.persistenttimers.internal;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import java.time.Duration;

/** The engine's settings, validated by {@code PersistentTimer.Builder}. */
public record EngineConfig(
    Duration horizon,
    int maxArmed,
    Duration overdueThreshold,
    int overdueFiresPerSecond,
    RetryPolicy defaultRetry,
    OverduePolicy defaultOverdueOnce,
    OverduePolicy defaultOverdueRecurring,
    Duration cleanupInterval,
    Duration failedRetention,
    boolean allowUnregisteredCallbackTypes,
    int maxParamsBytes,
    Duration shutdownTimeout,
    int maxBatch) {

  @Override
  public String toString() {
    return "horizon="
        + horizon
        + ", maxArmed="
        + maxArmed
        + ", overdueThreshold="
        + overdueThreshold
        + ", overdueFiresPerSecond="
        + (overdueFiresPerSecond == 0 ? "unlimited" : overdueFiresPerSecond)
        + ", retry="
        + defaultRetry
        + ", overdue(once)="
        + defaultOverdueOnce
        + ", overdue(recurring)="
        + defaultOverdueRecurring
        + ", cleanupInterval="
        + cleanupInterval
        + ", failedRetention="
        + failedRetention;
  }
}
