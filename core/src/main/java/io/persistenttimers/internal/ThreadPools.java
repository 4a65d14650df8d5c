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
 * <p>Host callbacks run on the workers and nothing else does: the engine's own store work (loads,
 * the re-read before firing, cleanup, retries) runs on two {@code persistent-timers-io} threads,
 * and in multi-node mode lease renewal gets a daemon thread of its own, so neither ever waits
 * behind callbacks, however many block. When the host passed its own scheduler (tests pass a manual
 * one), neither is created: that work runs on the scheduler's callback, which keeps a manual
 * scheduler's tests deterministic.
 *
 * <p>{@link #close()} called from one of the owned workers (a callback that closes its timer) does
 * not wait for the workers to finish: it would wait for itself.
 */
public final class ThreadPools implements AutoCloseable {
  private final DelayScheduler scheduler;
  private final Executor workers;
  private final ScheduledThreadPoolExecutor ownedScheduler;
  private final ExecutorService ownedWorkers;
  private final Executor renewals;
  private final ExecutorService ownedRenewals;
  private final Executor io;
  private final ExecutorService ownedIo;
  private final ThreadLocal<Boolean> onOwnedWorker = new ThreadLocal<>();
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
      ownedWorkers = fixedPool(workerThreads, marked(daemon("persistent-timers-worker")));
      this.workers = ownedWorkers;
    } else {
      ownedWorkers = null;
      this.workers = workers;
    }
    if (multiNode && scheduler == null) {
      ownedRenewals = fixedPool(1, daemon("persistent-timers-lease-renewal"));
      this.renewals = ownedRenewals;
    } else {
      ownedRenewals = null;
      this.renewals = Runnable::run;
    }
    if (scheduler == null) {
      ownedIo = fixedPool(IO_THREADS, daemon("persistent-timers-io"));
      this.io = ownedIo;
    } else {
      ownedIo = null;
      this.io = Runnable::run;
    }
  }

  /** Two, so the re-read before firing never waits behind a long load or cleanup. */
  private static final int IO_THREADS = 2;

  /** Where the engine's own store work runs: never the workers (see above). */
  public Executor io() {
    return io;
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
      if (Boolean.TRUE.equals(onOwnedWorker.get())) {
        // Closed from a callback: the other callbacks finish on their own; waiting would include
        // this very thread.
      } else if (!ownedWorkers.awaitTermination(
          shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ownedWorkers.shutdownNow();
      }
    }
    shutDownAndWait(ownedIo);
    shutDownAndWait(ownedRenewals);
  }

  private void shutDownAndWait(ExecutorService pool) throws InterruptedException {
    if (pool != null) {
      pool.shutdown();
      if (!pool.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    }
  }

  private static ExecutorService fixedPool(int threads, ThreadFactory factory) {
    return new ThreadPoolExecutor(
        threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
  }

  /** Threads that know they are one of this instance's workers. */
  private ThreadFactory marked(ThreadFactory factory) {
    return runnable ->
        factory.newThread(
            () -> {
              onOwnedWorker.set(true);
              runnable.run();
            });
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
