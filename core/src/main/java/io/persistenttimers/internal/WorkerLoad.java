package io.persistenttimers.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The engine's workers, counted (multi-node mode): how many of its tasks wait or run, when a task
 * last started, and how long a task that runs a callback keeps its worker (a moving average). A
 * node claims no more timers than its workers can start while the lease is safe ({@link
 * #startableWithin}), and renews the leases of waiting timers only while its workers make progress
 * ({@link #stalled}).
 */
final class WorkerLoad implements Executor {
  /** Weight of a new sample in the moving average of callback task durations: 1/8. */
  private static final int AVERAGE_SHIFT = 3;

  private final Executor delegate;
  private final int threads;
  private final LongSupplier nanos;
  private final AtomicInteger queued = new AtomicInteger();
  private final Set<Task> active = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<Task> current = new ThreadLocal<>();
  private volatile long lastStart;

  /** Moving average of the duration of tasks that ran a callback; negative until one finished. */
  private long callbackNanos = -1;

  WorkerLoad(Executor delegate, int threads, LongSupplier nanos) {
    this.delegate = delegate;
    this.threads = threads;
    this.nanos = nanos;
    this.lastStart = nanos.getAsLong();
  }

  private final class Task implements Runnable {
    private final Runnable body;
    private volatile boolean began;
    private volatile long startedAt;
    private volatile boolean ranCallback;

    Task(Runnable body) {
      this.body = body;
    }

    @Override
    public void run() {
      began = true;
      queued.decrementAndGet();
      long start = nanos.getAsLong();
      startedAt = start;
      lastStart = start;
      active.add(this);
      Task outer = current.get();
      current.set(this);
      try {
        body.run();
      } finally {
        if (outer == null) {
          current.remove();
        } else {
          current.set(outer);
        }
        active.remove(this);
        if (ranCallback) {
          finishedCallback(nanos.getAsLong() - start);
        }
      }
    }
  }

  @Override
  public void execute(Runnable task) {
    Task counted = new Task(task);
    queued.incrementAndGet();
    try {
      delegate.execute(counted);
    } catch (RejectedExecutionException e) {
      if (!counted.began) {
        queued.decrementAndGet();
      }
      throw e;
    }
  }

  /** Marks the task running on this thread as one that runs a callback (its duration counts). */
  void callbackStarting() {
    Task task = current.get();
    if (task != null) {
      task.ranCallback = true;
    }
  }

  private synchronized void finishedCallback(long duration) {
    callbackNanos =
        callbackNanos < 0
            ? duration
            : callbackNanos + ((duration - callbackNanos) >> AVERAGE_SHIFT);
  }

  /**
   * How many more callbacks the workers can start within {@code window} nanoseconds, beyond the
   * tasks already waiting or running (the caller's own task not counted): {@code threads * window /
   * d - busy}. {@code d} is the average callback task ({@code untimed} until one has finished), or
   * the longest task now running if that is longer (callbacks that just became slow count at once).
   * May be negative.
   */
  long startableWithin(long window, long untimed) {
    long now = nanos.getAsLong();
    long busy = queued.get() + active.size() - (current.get() != null ? 1 : 0);
    long perCallback;
    synchronized (this) {
      perCallback = callbackNanos < 0 ? untimed : callbackNanos;
    }
    for (Task task : active) {
      perCallback = Math.max(perCallback, now - task.startedAt);
    }
    if (perCallback <= 0) {
      return Long.MAX_VALUE;
    }
    return (long) ((double) threads * window / perCallback) - busy;
  }

  /** Whether tasks are waiting while no task started for {@code window} nanoseconds. */
  boolean stalled(long window) {
    return queued.get() > 0 && nanos.getAsLong() - lastStart > window;
  }
}
