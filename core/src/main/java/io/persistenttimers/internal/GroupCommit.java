package io.persistenttimers.internal;

import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent writers share one store transaction, so N threads scheduling at once pay
 * for one commit and one sync instead of N, and each still returns only after its own write is
 * durable.
 *
 * <p>Leader/follower, no extra thread: a writer queues its write; if no commit is running it
 * becomes the leader, takes everything queued so far and commits it as one {@link Store#writeAll}
 * batch outside the lock, then wakes every waiting writer. Writers whose write was in that batch
 * return at once (they never wait behind the next commit); the others elect the next leader, whose
 * batch holds everything that queued up during the previous commit. A lone writer commits
 * immediately: no added latency.
 *
 * <p>If a batch fails for a reason that may pass ({@link StoreFailures#isTransient}: the database
 * is unreachable, busy or timed out), every write of that batch and every write queued behind it
 * fails at once with that exception: retrying them one by one would make each caller wait for the
 * store's timeout once per write, (1 + batch) times in all, while the store is away. So a write
 * waits at most for one commit already in progress plus its own batch: twice the store's bound for
 * one transaction. If a batch fails for good (the store refused a statement or the data), each of
 * its writes is retried alone, so one bad write fails only its own caller.
 */
public final class GroupCommit {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

  /** The longest a leader waits for recently concurrent writers to come back: 0.2 ms. */
  private static final long LINGER_NANOS = 200_000;

  /** Receives the outcome of a write submitted without waiting. */
  @FunctionalInterface
  public interface Outcome {
    /** Exactly one of a result (error null) or an error. */
    void done(boolean result, RuntimeException error);
  }

  private static final class Pending {
    final Write write;
    final Outcome outcome;
    boolean done;
    boolean result;
    RuntimeException error;

    Pending(Write write, Outcome outcome) {
      this.write = write;
      this.outcome = outcome;
    }
  }

  private final Store store;
  private final int maxBatch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition batchDone = lock.newCondition();
  private final Condition arrived = lock.newCondition();

  /** Size of the last batch: how many writers were recently concurrent. */
  private int lastBatch = 1;

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean committing;

  /** A {@link #commitQueued} task is handed to a committer and has not started yet. */
  private boolean committerCalled;

  public GroupCommit(Store store, int maxBatch) {
    Checks.requireArgument(maxBatch >= 1, "maxBatch must be >= 1: %s", maxBatch);
    this.store = store;
    this.maxBatch = maxBatch;
  }

  /**
   * Writes durably, possibly together with other threads' writes.
   *
   * @return whether the write took effect (see {@link Write})
   * @throws io.persistenttimers.StoreException when the store failed this write
   */
  public boolean write(Write write) {
    Pending mine = new Pending(write, null);
    lock.lock();
    try {
      enqueue(mine);
      while (!mine.done) {
        if (committing) {
          batchDone.awaitUninterruptibly();
        } else {
          lead();
        }
      }
    } finally {
      lock.unlock();
    }
    if (mine.error != null) {
      throw mine.error;
    }
    return mine.result;
  }

  /**
   * Queues a write without waiting for it: a completion after a callback, so the worker moves on
   * while completions pile up into large batches. {@code outcome} runs once the batch holding the
   * write committed (or failed) — on the committing thread, which may be this one: with no commit
   * running, the caller commits the queue itself before returning.
   */
  public void submit(Write write, Outcome outcome) {
    lock.lock();
    try {
      enqueue(new Pending(write, outcome));
      if (!committing) {
        lead();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a write that {@code committer} commits, never the caller: a host feeding many writes
   * from one thread goes on at once, and its writes pile up into batches behind the running commit.
   * {@code outcome} runs on whichever thread commits the batch (the committer, or a thread of
   * {@link #write} that leads meanwhile), so it must only hand the result on.
   *
   * @throws java.util.concurrent.RejectedExecutionException when the committer takes no more tasks;
   *     the write is then taken back and its outcome does not run
   */
  public void enqueue(Write write, Outcome outcome, Executor committer) {
    Pending pending = new Pending(write, outcome);
    boolean call;
    lock.lock();
    try {
      enqueue(pending);
      // A running leader commits the queue until it is empty; a committer already called will.
      call = !committing && !committerCalled;
      committerCalled |= call;
    } finally {
      lock.unlock();
    }
    if (call) {
      try {
        committer.execute(this::commitQueued);
      } catch (RuntimeException e) {
        lock.lock();
        try {
          committerCalled = false;
          queue.remove(pending);
        } finally {
          lock.unlock();
        }
        throw e;
      }
    }
  }

  private void commitQueued() {
    lock.lock();
    try {
      committerCalled = false;
      if (!committing) {
        lead();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes back the queued writes (not yet in a batch) whose outcome {@code which} accepts, and runs
   * their outcomes with {@code error}: none of them will be written.
   *
   * @return how many were taken back
   */
  public int abandon(Predicate<Outcome> which, RuntimeException error) {
    List<Pending> dropped = new ArrayList<>();
    lock.lock();
    try {
      queue.removeIf(p -> p.outcome != null && which.test(p.outcome) && dropped.add(p));
    } finally {
      lock.unlock();
    }
    for (Pending p : dropped) {
      p.outcome.done(false, error);
    }
    return dropped.size();
  }

  /**
   * Under the lock, with no commit running: commits batches until the queue is empty, so a write
   * queued while a commit ran is never left without a committer. Outcomes run after each commit
   * with the lock released and no commit claimed, so an outcome may itself write.
   */
  private void lead() {
    while (!queue.isEmpty() && !committing) {
      committing = true;
      linger();
      List<Pending> batch = drain();
      lastBatch = batch.size();
      RuntimeException storeAway = null;
      lock.unlock();
      try {
        storeAway = commit(batch);
      } finally {
        lock.lock();
        committing = false;
        if (storeAway != null && !queue.isEmpty()) {
          // They queued while the store was failing; they would meet the same timeout.
          batch = new ArrayList<>(batch);
          while (!queue.isEmpty()) {
            Pending queued = queue.poll();
            finish(queued, false, storeAway);
            batch.add(queued);
          }
        }
        batchDone.signalAll();
      }
      lock.unlock();
      try {
        for (Pending pending : batch) {
          if (pending.outcome != null) {
            try {
              pending.outcome.done(pending.result, pending.error);
            } catch (RuntimeException e) {
              log.error("Outcome of the write of timer '{}' failed", pending.write.id(), e);
            }
          }
        }
      } finally {
        lock.lock();
      }
    }
  }

  /** Under the lock. */
  private void enqueue(Pending pending) {
    queue.add(pending);
    if (queue.size() >= lastBatch) {
      arrived.signal();
    }
  }

  /**
   * Under the lock, as leader: when the last batch showed several concurrent writers but fewer are
   * queued now, waits up to {@link #LINGER_NANOS} for them. Without it, batches alternate between
   * the one writer that came back first and all the rest (what PostgreSQL's {@code commit_delay}
   * fixes for the same reason). A lone writer never waits.
   */
  private void linger() {
    long remaining = LINGER_NANOS;
    while (lastBatch > 1 && queue.size() < Math.min(lastBatch, maxBatch) && remaining > 0) {
      try {
        remaining = arrived.awaitNanos(remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Under the lock: up to {@code maxBatch} queued writes, oldest first. */
  private List<Pending> drain() {
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    return batch;
  }

  /**
   * Outside the lock: commits {@code batch} as one transaction.
   *
   * @return the failure when the batch failed for a reason that may pass (every write of it is
   *     failed with it), else null
   */
  private RuntimeException commit(List<Pending> batch) {
    if (batch.size() == 1) {
      return commitAlone(batch.get(0));
    }
    List<Write> writes = new ArrayList<>(batch.size());
    batch.forEach(p -> writes.add(p.write));
    try {
      List<Boolean> results = store.writeAll(writes);
      for (int i = 0; i < batch.size(); i++) {
        finish(batch.get(i), results.get(i), null);
      }
      return null;
    } catch (RuntimeException batchError) {
      if (StoreFailures.isTransient(batchError)) {
        log.debug(
            "Batch of {} writes failed; failing each: {}", batch.size(), batchError.toString());
        batch.forEach(p -> finish(p, false, batchError));
        return batchError;
      }
      log.debug(
          "Batch of {} writes refused; retrying each alone: {}",
          batch.size(),
          batchError.toString());
      // Only to find the bad write; a failure that may pass ends the retries for all.
      RuntimeException storeAway = null;
      for (Pending pending : batch) {
        if (storeAway != null) {
          finish(pending, false, storeAway);
        } else {
          storeAway = commitAlone(pending);
        }
      }
      return storeAway;
    }
  }

  /** The failure when the write failed for a reason that may pass, else null. */
  private RuntimeException commitAlone(Pending pending) {
    try {
      finish(pending, store.writeAll(List.of(pending.write)).get(0), null);
      return null;
    } catch (RuntimeException e) {
      finish(pending, false, e);
      return StoreFailures.isTransient(e) ? e : null;
    }
  }

  private static void finish(Pending pending, boolean result, RuntimeException error) {
    pending.result = result;
    pending.error = error;
    pending.done = true;
  }
}
