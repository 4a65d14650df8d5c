package io.persistenttimers.internal;

import io.persistenttimers.DuplicateTimerException;
import io.persistenttimers.IfExists;
import io.persistenttimers.Scheduled;
import io.persistenttimers.Scheduled.Outcome;
import io.persistenttimers.TimerClosedException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Schedule calls that return a future at once: the write joins {@link GroupCommit}'s queue and one
 * engine-owned commit thread commits it, so one host thread can keep a whole group commit busy.
 * Futures complete on a separate completion thread, never on the commit thread, so a host
 * continuation that blocks delays other futures but never a commit. Both threads exist only while
 * there is work (they end after a short idle time).
 *
 * <p>At most {@code maxInFlight} futures are incomplete at once; a call beyond that waits for one
 * to complete (backpressure by blocking the feeder: a feeder that fails fast would have to spin). A
 * call from a continuation on the completion thread never waits: it would wait for itself.
 *
 * <p>Close: writes still queued are taken back and their futures fail with {@link
 * TimerClosedException} — those timers are not stored. A batch already committing finishes, within
 * the shutdown timeout, and its futures complete normally; anything still incomplete after that
 * fails with {@link TimerClosedException} saying the timer may be stored.
 */
final class AsyncSchedule {
  private static final long IDLE_SECONDS = 10;

  private final GroupCommit writes;
  private final Consumer<TimerRecord> scheduled;
  private final BiFunction<TimerRecord, IfExists, Scheduled> replace;
  private final int maxInFlight;
  private final Duration shutdownTimeout;
  private final ThreadLocal<Boolean> onCompletionThread = new ThreadLocal<>();
  private final ThreadPoolExecutor committer = pool("persistent-timers-commit", null);
  private final ThreadPoolExecutor completions =
      pool("persistent-timers-async", onCompletionThread);
  private final Set<Request> pending = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slotFree = lock.newCondition();
  private int inFlight;
  private boolean closed;

  AsyncSchedule(
      GroupCommit writes,
      Consumer<TimerRecord> scheduled,
      BiFunction<TimerRecord, IfExists, Scheduled> replace,
      int maxInFlight,
      Duration shutdownTimeout) {
    this.writes = writes;
    this.scheduled = scheduled;
    this.replace = replace;
    this.maxInFlight = maxInFlight;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** One write in flight; its own outcome, so close can tell the async writes from the others. */
  private final class Request implements GroupCommit.Outcome {
    final TimerRecord record;
    final IfExists rule;
    final CompletableFuture<Scheduled> future = new CompletableFuture<>();

    Request(TimerRecord record, IfExists rule) {
      this.record = record;
      this.rule = rule;
    }

    /** On the committing thread: hand the result on at once. */
    @Override
    public void done(boolean inserted, RuntimeException error) {
      try {
        completions.execute(() -> finish(inserted, error));
      } catch (RejectedExecutionException closing) {
        future.completeExceptionally(error != null ? error : closedWhileCommitting());
      }
    }

    private void finish(boolean inserted, RuntimeException error) {
      try {
        if (error != null) {
          future.completeExceptionally(error);
        } else if (inserted) {
          scheduled.accept(record);
          future.complete(new Scheduled(record.id(), Outcome.CREATED));
        } else if (rule == IfExists.KEEP) {
          future.complete(new Scheduled(record.id(), Outcome.KEPT));
        } else if (rule == IfExists.FAIL) {
          future.completeExceptionally(new DuplicateTimerException(record.id()));
        } else {
          future.complete(replace.apply(record, IfExists.REPLACE));
        }
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
      }
    }
  }

  CompletableFuture<Scheduled> submit(TimerRecord record, IfExists rule) {
    lock.lock();
    try {
      // A continuation scheduling more would wait for the very thread that completes futures.
      boolean mayWait = !Boolean.TRUE.equals(onCompletionThread.get());
      while (mayWait && inFlight >= maxInFlight && !closed) {
        try {
          slotFree.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return CompletableFuture.failedFuture(e);
        }
      }
      if (closed) {
        throw new TimerClosedException("this PersistentTimer is closed");
      }
      inFlight++;
    } finally {
      lock.unlock();
    }
    Request request = new Request(record, rule);
    pending.add(request);
    request.future.whenComplete((r, e) -> completed(request));
    try {
      writes.enqueue(Write.insert(record), request, committer);
    } catch (RejectedExecutionException e) {
      request.future.completeExceptionally(
          new TimerClosedException("this PersistentTimer is closed"));
    }
    return request.future;
  }

  private void completed(Request request) {
    pending.remove(request);
    lock.lock();
    try {
      inFlight--;
      slotFree.signal();
    } finally {
      lock.unlock();
    }
  }

  /** How many futures are incomplete. */
  int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      slotFree.signalAll();
    } finally {
      lock.unlock();
    }
    writes.abandon(
        o -> o instanceof Request,
        new TimerClosedException("closed before the timer was written; it is not stored"));
    awaitShutdown(committer);
    awaitShutdown(completions);
    for (Request request : pending) {
      request.future.completeExceptionally(closedWhileCommitting());
    }
  }

  private static TimerClosedException closedWhileCommitting() {
    return new TimerClosedException(
        "closed while the timer's write was committing; it may be stored (look it up by id)");
  }

  private void awaitShutdown(ExecutorService pool) {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadPoolExecutor pool(String name, ThreadLocal<Boolean> marker) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        1,
        1,
        IDLE_SECONDS,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          Runnable marked =
              marker == null
                  ? r
                  : () -> {
                    marker.set(true);
                    r.run();
                  };
          Thread t = new Thread(marked, name + "-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        }) {
      {
        allowCoreThreadTimeOut(true);
      }
    };
  }
}
