package io.persistenttimers.internal;

import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Several listeners as one: each receives every event in the order added, and one that throws is
 * logged and does not keep the event from the others.
 */
public final class TimerListeners implements TimerListener {
  private final List<TimerListener> listeners;

  private TimerListeners(List<TimerListener> listeners) {
    this.listeners = listeners.stream().<TimerListener>map(SafeListener::new).toList();
  }

  /** One listener for {@code listeners}: a no-op for none, the listener itself for one. */
  public static TimerListener of(List<TimerListener> listeners) {
    if (listeners.isEmpty()) {
      return new TimerListener() {};
    }
    return listeners.size() == 1 ? listeners.get(0) : new TimerListeners(listeners);
  }

  private void each(Consumer<TimerListener> event) {
    listeners.forEach(event);
  }

  @Override
  public void onScheduled(TimerRecord timer) {
    each(l -> l.onScheduled(timer));
  }

  @Override
  public void onRecovered(TimerRecord timer, boolean overdue) {
    each(l -> l.onRecovered(timer, overdue));
  }

  @Override
  public void onFired(TimerRecord timer, Duration lateness) {
    each(l -> l.onFired(timer, lateness));
  }

  @Override
  public void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {
    each(l -> l.onFailed(timer, error, retryAt));
  }

  @Override
  public void onDead(TimerRecord timer, Throwable error) {
    each(l -> l.onDead(timer, error));
  }

  @Override
  public void onDropped(TimerRecord timer, String reason) {
    each(l -> l.onDropped(timer, reason));
  }

  @Override
  public void onQuarantined(TimerRecord timer, String reason) {
    each(l -> l.onQuarantined(timer, reason));
  }

  @Override
  public void onUnknownCallbackType(TimerRecord timer) {
    each(l -> l.onUnknownCallbackType(timer));
  }

  @Override
  public void onStoreError(String operation, Throwable error) {
    each(l -> l.onStoreError(operation, error));
  }

  @Override
  public void onSlowCallback(TimerRecord timer, Duration running) {
    each(l -> l.onSlowCallback(timer, running));
  }
}
