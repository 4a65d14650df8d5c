package io.persistenttimers;

import java.time.Duration;

/**
 * Code run around every callback run, on the worker thread that runs the callback: {@link
 * #beforeRun} right before it, then exactly one of {@link #afterRun} (it returned) or {@link
 * #onFailure} (it threw, or ran past its {@linkplain PersistentTimer.Builder#callbackTimeout
 * timeout}). Because all three run on the callback's thread, thread-bound context (the SLF4J MDC, a
 * tracing scope) opened in {@code beforeRun} is seen by the callback and can be closed afterwards.
 *
 * <p>Interceptors registered on {@link PersistentTimer.Builder#interceptor} run {@code beforeRun}
 * in registration order and the other two in reverse order. An interceptor that throws is logged
 * (its class only) and ignored: it never stops the callback or changes its outcome. They must
 * return quickly. Every method has an empty default.
 */
public interface CallbackInterceptor {

  /**
   * The callback is about to run.
   *
   * @param context what the callback receives
   */
  default void beforeRun(TimerContext context) {}

  /**
   * The callback returned normally; its outcome is written to the store next.
   *
   * @param context what the callback received
   * @param took how long it ran, by the timer's clock
   */
  default void afterRun(TimerContext context, Duration took) {}

  /**
   * The callback threw {@code error}, or ran past its timeout ({@code error} is then a {@link
   * java.util.concurrent.TimeoutException}); the attempt counts as failed.
   *
   * @param context what the callback received
   * @param error what it threw; its message may quote params or a participant id
   * @param took how long it ran, by the timer's clock
   */
  default void onFailure(TimerContext context, Throwable error, Duration took) {}
}
