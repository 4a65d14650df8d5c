package io.persistenttimers.internal;

import io.persistenttimers.CallbackInterceptor;
import io.persistenttimers.FailureLogging;
import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The engine's settings, validated by {@code PersistentTimer.Builder}. {@code workerThreads} is the
 * size of the worker pool, also when the host passed its own executor (then the builder's value,
 * which multi-node claims take as the number of callbacks that can run at once). {@code
 * callbackTimeouts} maps a callback type to its timeout; a type without one has none. {@code
 * interceptors} are the host's, in registration order.
 */
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
    int maxBatch,
    int workerThreads,
    Duration slowCallbackThreshold,
    Map<String, Duration> callbackTimeouts,
    List<CallbackInterceptor> interceptors,
    boolean participantIdInMdc,
    FailureLogging failureLogging,
    int maxAsyncInFlight) {

  public EngineConfig {
    callbackTimeouts = Map.copyOf(callbackTimeouts);
    interceptors = List.copyOf(interceptors);
  }

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
        + failedRetention
        + ", workerThreads="
        + workerThreads
        + ", slowCallbackThreshold="
        + slowCallbackThreshold
        + ", callbackTimeouts="
        + callbackTimeouts
        + ", interceptors="
        + interceptors.size()
        + ", participantIdInMdc="
        + participantIdInMdc
        + ", failureLogging="
        + failureLogging;
  }
}
