package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import java.time.Duration;

/**
 * Watches one running callback on the scheduler: reports it once when it runs longer than the slow
 * threshold, and interrupts its thread when it runs longer than its type's timeout. A callback that
 * ignores the interrupt keeps its worker until it returns (Java cannot stop a thread); its run
 * counts as timed out all the same.
 */
final class CallbackWatch {
  private final Thread worker;
  private final Duration timeout;
  private DelayScheduler.Cancellable slowTask;
  private DelayScheduler.Cancellable timeoutTask;
  private boolean stopped;
  private boolean timedOut;

  private CallbackWatch(Thread worker, Duration timeout) {
    this.worker = worker;
    this.timeout = timeout;
  }

  /**
   * Starts watching the callback about to run on the calling thread.
   *
   * @param timeout null for none
   * @param onSlow called on the scheduler's thread if the callback still runs after {@code
   *     slowAfter}
   */
  static CallbackWatch start(
      DelayScheduler scheduler, Duration slowAfter, Duration timeout, Runnable onSlow) {
    CallbackWatch watch = new CallbackWatch(Thread.currentThread(), timeout);
    DelayScheduler.Cancellable slow = scheduler.schedule(() -> watch.slow(onSlow), slowAfter);
    DelayScheduler.Cancellable interrupt =
        timeout == null ? null : scheduler.schedule(watch::expire, timeout);
    synchronized (watch) {
      watch.slowTask = slow;
      watch.timeoutTask = interrupt;
      if (watch.stopped) {
        watch.cancelTasks();
      }
    }
    return watch;
  }

  private void slow(Runnable onSlow) {
    synchronized (this) {
      if (stopped) {
        return;
      }
    }
    onSlow.run();
  }

  private synchronized void expire() {
    if (!stopped) {
      timedOut = true;
      worker.interrupt();
    }
  }

  /**
   * The callback returned; called on its thread. Clears an interrupt this watch sent, so the worker
   * thread goes on clean.
   *
   * @return true when the callback ran past its timeout
   */
  synchronized boolean stop() {
    stopped = true;
    cancelTasks();
    if (timedOut) {
      Thread.interrupted();
    }
    return timedOut;
  }

  Duration timeout() {
    return timeout;
  }

  private void cancelTasks() {
    if (slowTask != null) {
      slowTask.cancel();
    }
    if (timeoutTask != null) {
      timeoutTask.cancel();
    }
  }
}
