package io.persistenttimers.internal;

import io.persistenttimers.CallbackInterceptor;
import io.persistenttimers.TimerContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interceptors of one engine, the library's own MDC first: before a run in order, after it in
 * reverse order, each guarded so that host code here never changes a run.
 */
final class Interceptors {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private final List<CallbackInterceptor> chain;

  Interceptors(boolean participantIdInMdc, List<CallbackInterceptor> host) {
    List<CallbackInterceptor> all = new ArrayList<>();
    all.add(new CallbackMdc(participantIdInMdc));
    all.addAll(host);
    this.chain = List.copyOf(all);
  }

  void before(TimerContext context) {
    for (CallbackInterceptor interceptor : chain) {
      call(interceptor, "beforeRun", context, i -> i.beforeRun(context));
    }
  }

  void after(TimerContext context, Duration took) {
    for (int i = chain.size() - 1; i >= 0; i--) {
      call(chain.get(i), "afterRun", context, c -> c.afterRun(context, took));
    }
  }

  void failed(TimerContext context, Throwable error, Duration took) {
    for (int i = chain.size() - 1; i >= 0; i--) {
      call(chain.get(i), "onFailure", context, c -> c.onFailure(context, error, took));
    }
  }

  private static void call(
      CallbackInterceptor interceptor,
      String method,
      TimerContext context,
      Consumer<CallbackInterceptor> call) {
    try {
      call.accept(interceptor);
    } catch (RuntimeException e) {
      // Host code wrote the message; it may quote params or a participant id.
      log.warn(
          "{}.{} threw {} for timer '{}'; ignored",
          interceptor.getClass().getName(),
          method,
          e.getClass().getName(),
          context.timerId());
      SensitiveLog.debug("{}.{} threw", interceptor.getClass().getName(), method, e);
    }
  }
}
