package io.persistenttimers.internal;

import io.persistenttimers.CallbackInterceptor;
import io.persistenttimers.TimerContext;
import java.time.Duration;
import org.slf4j.MDC;

/**
 * Puts the running timer into the SLF4J MDC while its callback runs, so every line the callback
 * logs can be traced to the timer: {@value #TIMER_ID}, {@value #CALLBACK_TYPE}, {@value #ATTEMPT},
 * and {@value #PARTICIPANT_ID} only when the host opted in (it may identify a person). Values the
 * thread held under these keys before (a host executor's own context) are put back afterwards.
 */
final class CallbackMdc implements CallbackInterceptor {
  static final String TIMER_ID = "timerId";
  static final String CALLBACK_TYPE = "callbackType";
  static final String ATTEMPT = "attempt";
  static final String PARTICIPANT_ID = "participantId";

  private final boolean participantId;
  private final ThreadLocal<String[]> saved = new ThreadLocal<>();

  CallbackMdc(boolean participantId) {
    this.participantId = participantId;
  }

  private String[] keys() {
    return participantId
        ? new String[] {TIMER_ID, CALLBACK_TYPE, ATTEMPT, PARTICIPANT_ID}
        : new String[] {TIMER_ID, CALLBACK_TYPE, ATTEMPT};
  }

  @Override
  public void beforeRun(TimerContext context) {
    String[] keys = keys();
    String[] before = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      before[i] = MDC.get(keys[i]);
    }
    saved.set(before);
    MDC.put(TIMER_ID, context.timerId());
    MDC.put(CALLBACK_TYPE, context.callbackType());
    MDC.put(ATTEMPT, Integer.toString(context.attempt()));
    if (participantId && context.participantId() != null) {
      MDC.put(PARTICIPANT_ID, context.participantId()); // a timer may have no participant
    }
  }

  @Override
  public void afterRun(TimerContext context, Duration took) {
    restore();
  }

  @Override
  public void onFailure(TimerContext context, Throwable error, Duration took) {
    restore();
  }

  private void restore() {
    String[] keys = keys();
    String[] before = saved.get();
    saved.remove();
    for (int i = 0; i < keys.length; i++) {
      if (before == null || before[i] == null) {
        MDC.remove(keys[i]);
      } else {
        MDC.put(keys[i], before[i]);
      }
    }
  }
}
