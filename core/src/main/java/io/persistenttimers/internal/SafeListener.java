package io.persistenttimers.internal;

import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to the host's listener; a listener that throws is logged and ignored. */
final class SafeListener implements TimerListener {
  private static final Logger log = LoggerFactory.getLogger(SafeListener.class);
  private final TimerListener delegate;

  SafeListener(TimerListener delegate) {
    this.delegate = delegate;
  }

  private void call(String event, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      // Host code wrote the message; it may quote params or a participant id.
      log.warn("TimerListener.{} threw {}; ignored", event, e.getClass().getName());
      SensitiveLog.debug("TimerListener.{} threw", event, e);
    }
  }

  @Override
  public void onScheduled(TimerRecord timer) {
    call("onScheduled", () -> delegate.onScheduled(timer));
  }

  @Override
  public void onRecovered(TimerRecord timer, boolean overdue) {
    call("onRecovered", () -> delegate.onRecovered(timer, overdue));
  }

  @Override
  public void onSlowCallback(TimerRecord timer, Duration running) {
    call("onSlowCallback", () -> delegate.onSlowCallback(timer, running));
  }

  @Override
  public void onFired(TimerRecord timer, Duration lateness) {
    call("onFired", () -> delegate.onFired(timer, lateness));
  }

  @Override
  public void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {
    call("onFailed", () -> delegate.onFailed(timer, error, retryAt));
  }

  @Override
  public void onDead(TimerRecord timer, Throwable error) {
    call("onDead", () -> delegate.onDead(timer, error));
  }

  @Override
  public void onDropped(TimerRecord timer, String reason) {
    call("onDropped", () -> delegate.onDropped(timer, reason));
  }

  @Override
  public void onQuarantined(TimerRecord timer, String reason) {
    call("onQuarantined", () -> delegate.onQuarantined(timer, reason));
  }

  @Override
  public void onUnknownCallbackType(TimerRecord timer) {
    call("onUnknownCallbackType", () -> delegate.onUnknownCallbackType(timer));
  }

  @Override
  public void onStoreError(String operation, Throwable error) {
    call("onStoreError", () -> delegate.onStoreError(operation, error));
  }
}
