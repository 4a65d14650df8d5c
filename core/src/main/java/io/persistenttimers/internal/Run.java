package io.persistenttimers.internal;

import io.persistenttimers.TimerRecord;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run of one timer version in this process, from its wake-up until its outcome is written.
 *
 * <p>It is also the gate that makes cancel final: the decision to start the callback and the start
 * are one atomic step ({@link #tryStart}), and a cancel, cancel-by-participant or replace that has
 * committed its change {@linkplain #invalidate invalidates} every run of that id that has not
 * started. An invalidated run may start only after it re-read the store (which then shows the
 * change) and found its version still there — so once such a call returned, no run of the version
 * it removed starts in this process.
 */
final class Run {
  private final TimerRecord armed;
  private final CountDownLatch finished = new CountDownLatch(1);
  private int invalidations;
  private boolean started;

  Run(TimerRecord armed) {
    this.armed = armed;
  }

  /** The record as it was armed. */
  TimerRecord armed() {
    return armed;
  }

  String id() {
    return armed.id();
  }

  long version() {
    return armed.version();
  }

  /**
   * A check point before the store is read: {@link #tryStart} with it succeeds only when no
   * invalidation came after it.
   */
  synchronized int checkpoint() {
    return invalidations;
  }

  /**
   * Starts the callback unless an invalidation came after {@code checkpoint}.
   *
   * @return true when the callback may run now
   */
  synchronized boolean tryStart(int checkpoint) {
    if (invalidations != checkpoint) {
      return false;
    }
    started = true;
    return true;
  }

  /**
   * Called after a change to this timer committed: a run that has not started must re-read first.
   *
   * @return true when the callback had already started (it is in flight and may finish)
   */
  synchronized boolean invalidate() {
    if (started) {
      return true;
    }
    invalidations++;
    return false;
  }

  synchronized boolean started() {
    return started;
  }

  /** Marks the run over: its outcome is written or abandoned. */
  void end() {
    finished.countDown();
  }

  boolean awaitEnd(long nanos) throws InterruptedException {
    return finished.await(nanos, TimeUnit.NANOSECONDS);
  }
}
