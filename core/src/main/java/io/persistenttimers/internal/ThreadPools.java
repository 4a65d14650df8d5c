package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's threads: the ones the host passed in, or ones created here. Whoever creates an
 * executor shuts it down, so {@link #close()} shuts down only what this class created.
 *
 * <p>In multi-node mode lease renewal gets a daemon thread of its own, so it never waits behind
 * callbacks on the workers. When the host passed its own scheduler (tests pass a manual one), no
 * thread is created: renewal runs on the scheduler's callback, which keeps a manual scheduler's
 * tests deterministic.
 */
public final class ThreadPools implements AutoCloseable {
  private final DelayScheduler scheduler;
  private final Executor workers;
  private final ScheduledThreadPoolExecutor ownedScheduler;
  private final ExecutorService ownedWorkers;
  private final Executor renewals;
  private final ExecutorService ownedRenewals;
  private final Duration shutdownTimeout;

  public ThreadPools(
      DelayScheduler scheduler,
      Executor workers,
      int workerThreads,
      Duration shutdownTimeout,
      boolean multiNode) {
    this.shutdownTimeout = shutdownTimeout;
    if (scheduler == null) {
      ownedScheduler = new ScheduledThreadPoolExecutor(1, daemon("persistent-timers-scheduler"));
      ownedScheduler.setRemoveOnCancelPolicy(true);
      this.scheduler = DelayScheduler.of(ownedScheduler);
    } else {
      ownedScheduler = null;
      this.scheduler = scheduler;
    }
    if (workers == null) {
      ownedWorkers =
          new ThreadPoolExecutor(
              workerThreads,
              workerThreads,
              0,
              TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(),
              daemon("persistent-timers-worker"));
      this.workers = ownedWorkers;
    } else {
      ownedWorkers = null;
      this.workers = workers;
    }
    if (multiNode && scheduler == null) {
      ownedRenewals =
          new ThreadPoolExecutor(
              1,
              1,
              0,
              TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(),
              daemon("persistent-timers-lease-renewal"));
      this.renewals = ownedRenewals;
    } else {
      ownedRenewals = null;
      this.renewals = Runnable::run;
    }
  }

  public DelayScheduler scheduler() {
    return scheduler;
  }

  public Executor workers() {
    return workers;
  }

  /** Where lease renewals run: a thread of their own, or the scheduler's callback (see above). */
  public Executor renewals() {
    return renewals;
  }

  @Override
  public void close() throws InterruptedException {
    if (ownedScheduler != null) {
      ownedScheduler.shutdownNow();
    }
    if (ownedWorkers != null) {
      ownedWorkers.shutdown();
      if (!ownedWorkers.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ownedWorkers.shutdownNow();
      }
    }
    if (ownedRenewals != null) {
      ownedRenewals.shutdown();
      if (!ownedRenewals.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ownedRenewals.shutdownNow();
      }
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
