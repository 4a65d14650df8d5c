package io.persistenttimers.testkit;

import io.persistenttimers.DelayScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link DelayScheduler} driven by a {@link ManualClock}: tasks run only inside {@link
 * #advance}/{@link #runDue}, on the test's thread, in due order, with the clock set to each task's
 * due instant while it runs. Combined with a direct worker executor this makes the engine fully
 * deterministic: no test sleeps.
 */
public final class ManualScheduler implements DelayScheduler {

  private static final class Task {
    final Instant due;
    final long sequence;
    final Runnable runnable;
    volatile boolean cancelled;

    Task(Instant due, long sequence, Runnable runnable) {
      this.due = due;
      this.sequence = sequence;
      this.runnable = runnable;
    }
  }

  private final ManualClock clock;
  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.due.equals(b.due) ? Long.compare(a.sequence, b.sequence) : a.due.compareTo(b.due));
  private long sequence;

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Cancellable schedule(Runnable runnable, Duration delay) {
    Task task = new Task(clock.instant().plus(delay), sequence++, runnable);
    queue.add(task);
    return () -> task.cancelled = true;
  }

  /** Runs every task due now, including tasks those tasks schedule for now. */
  public int runDue() {
    return runUntil(clock.instant());
  }

  /** Moves the clock forward by {@code duration}, running every task that falls due on the way. */
  public int advance(Duration duration) {
    return advanceTo(clock.instant().plus(duration));
  }

  /** Moves the clock to {@code instant}, running every task that falls due on the way. */
  public int advanceTo(Instant instant) {
    int ran = runUntil(instant);
    if (clock.instant().isBefore(instant)) {
      clock.set(instant);
    }
    return ran + runDue();
  }

  /** Tasks waiting, not cancelled. */
  public synchronized int pending() {
    return (int) queue.stream().filter(t -> !t.cancelled).count();
  }

  private int runUntil(Instant limit) {
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due.isAfter(limit)) {
          return ran;
        }
        queue.poll();
      }
      if (next.cancelled) {
        continue;
      }
      if (next.due.isAfter(clock.instant())) {
        clock.set(next.due);
      }
      next.runnable.run();
      ran++;
    }
  }
}
