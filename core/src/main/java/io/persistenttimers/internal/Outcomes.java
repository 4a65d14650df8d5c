package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import io.persistenttimers.FailureLogging;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run leaves in the store: deleted, advanced, retried, FAILED or QUARANTINED. The outcome is
 * written after the callback returned — that is what makes delivery at-least-once — and submitted
 * to {@link GroupCommit} without waiting, so completions of many timers share one transaction. The
 * run stays registered until its outcome is durable, so the loader does not arm the old version
 * again; a write that fails for a reason that may pass is retried with backoff, and one the store
 * refuses for good quarantines the timer instead.
 */
final class Outcomes {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final Duration MAX_STORE_RETRY = Duration.ofSeconds(30);

  private final Window window;
  private final GroupCommit writes;
  private final InstantSource clock;
  private final DelayScheduler scheduler;
  private final Executor io;
  private final TimerListener listener;
  private final TimerPolicies policies;
  private final DoubleSupplier random;
  private final BooleanSupplier closed;

  /**
   * Whether a record this engine wrote may fire again without a re-read: alone, yes (the
   * compare-and-set saw the store); in multi-node mode the write says nothing about the lease.
   */
  private final boolean writeIsRead;

  private final FailureLog failureLog;
  private final AtomicLong fired = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  Outcomes(
      Window window,
      GroupCommit writes,
      InstantSource clock,
      DelayScheduler scheduler,
      Executor io,
      TimerListener listener,
      TimerPolicies policies,
      DoubleSupplier random,
      BooleanSupplier closed,
      boolean writeIsRead,
      FailureLogging failureLogging) {
    this.window = window;
    this.writes = writes;
    this.clock = clock;
    this.scheduler = scheduler;
    this.io = io;
    this.listener = listener;
    this.policies = policies;
    this.random = random;
    this.closed = closed;
    this.writeIsRead = writeIsRead;
    this.failureLog = new FailureLog(failureLogging);
  }

  /** Callbacks that returned normally so far. */
  long fired() {
    return fired.get();
  }

  /** Callbacks that threw so far. */
  long failures() {
    return failures.get();
  }

  void succeeded(Run run, TimerRecord record, Instant firedAt) {
    fired.incrementAndGet();
    Duration lateness = Duration.between(record.nextFireAt(), firedAt);
    Duration reported = lateness.isNegative() ? Duration.ZERO : lateness;
    if (record.kind() == TimerKind.ONCE) {
      complete(
          run,
          new Write.Delete(record.id(), record.version()),
          deleted -> listener.onFired(record, reported));
      return;
    }
    Instant now = clock.instant();
    Optional<Instant> next;
    try {
      next = policies.nextOccurrence(record, record.nextFireAt(), firedAt);
    } catch (RuntimeException e) {
      quarantine(run, record, "cannot compute the next occurrence", e, now);
      return;
    }
    if (next.isEmpty()) {
      log.info("Timer '{}' ({}) ran its last occurrence", record.id(), record.callbackType());
      complete(
          run,
          new Write.Delete(record.id(), record.version()),
          deleted -> listener.onFired(record, reported));
      return;
    }
    TimerRecord advanced =
        Transitions.rescheduled(record, next.get(), 0, null, record.nextFireAt(), now);
    advance(run, advanced, () -> listener.onFired(record, reported));
  }

  void failed(Run run, TimerRecord record, Throwable error) {
    failures.incrementAndGet();
    Instant now = clock.instant();
    int failedAttempts = record.attempt() + 1;
    RetryPolicy policy = policies.retry(record);
    String reason = Guarded.describe(error);
    if (policy.allowsRetryAfter(failedAttempts)) {
      Instant retryAt = now.plus(Backoff.after(policy, failedAttempts, random.getAsDouble()));
      // The message may quote params or a participant id: class above DEBUG, message below.
      failureLog.retrying(record, failedAttempts, policy.maxAttempts(), retryAt, error);
      TimerRecord retry =
          Transitions.rescheduled(
              record, retryAt, failedAttempts, reason, record.lastFiredAt(), now);
      advance(run, retry, () -> listener.onFailed(record, error, retryAt));
      return;
    }
    failureLog.gaveUp(record, failedAttempts, error);
    Optional<Instant> next = Optional.empty();
    if (record.kind() == TimerKind.RECURRING) {
      try {
        next = policies.nextOccurrence(record, record.nextFireAt(), now);
      } catch (RuntimeException e) {
        quarantine(run, record, "cannot compute the next occurrence", e, now);
        return;
      }
    }
    if (next.isEmpty()) {
      TimerRecord dead = Transitions.failed(record, failedAttempts, reason, now);
      complete(run, new Write.Update(dead, record.version()), ok -> listener.onDead(record, error));
    } else {
      TimerRecord moved =
          Transitions.rescheduled(record, next.get(), 0, reason, record.lastFiredAt(), now);
      advance(run, moved, () -> listener.onDead(record, error));
    }
  }

  /**
   * Stores {@code record} as QUARANTINED with {@code reason}: it cannot run as it is, and running
   * it again at every load would not help. The reason is stored beside the params (same data); the
   * log line names only the class of the cause.
   */
  void quarantine(Run run, TimerRecord record, String why, Throwable cause, Instant now) {
    String reason = why + ": " + Guarded.describe(cause);
    log.warn(
        "Timer '{}' ({}) quarantined, {}: {}",
        record.id(),
        record.callbackType(),
        why,
        cause.getClass().getName());
    SensitiveLog.debug("Timer '{}' quarantined", record.id(), cause);
    TimerRecord quarantined = Transitions.withStatus(record, TimerStatus.QUARANTINED, reason, now);
    complete(
        run,
        new Write.Update(quarantined, record.version()),
        ok -> {
          if (ok) {
            listener.onQuarantined(quarantined, reason);
          }
        });
  }

  /** Writes the next state of a timer and arms it when the write won. */
  private void advance(Run run, TimerRecord next, Runnable report) {
    // Taken before the write is sent: a stop after it makes the next run re-read (see Window.Read).
    Window.Read read = writeIsRead ? window.readStarting() : null;
    complete(
        run,
        new Write.Update(next, run.version()),
        updated -> {
          report.run();
          if (updated) {
            window.armIfInWindow(next, read);
          } else {
            log.debug(
                "Timer '{}' was cancelled or replaced while running; not advancing", run.id());
          }
        });
  }

  /**
   * Writes the outcome of a run. The run stays registered until the write succeeded, so the loader
   * does not arm the old version again; a failed write is retried with backoff while the failure is
   * transient. A write the store refuses for good is replaced by storing the timer as QUARANTINED
   * with the reason, so the callback does not run again at every load.
   */
  void complete(Run run, Write write, Consumer<Boolean> after) {
    completeAttempt(run, write, after, 1);
  }

  private void completeAttempt(Run run, Write write, Consumer<Boolean> after, int attempt) {
    // Not waiting for the commit: the worker moves on, and completions of many timers share one
    // transaction. The outcome runs once the write is durable.
    writes.submit(
        write,
        (result, error) -> {
          if (error != null) {
            listener.onStoreError("complete", error);
            if (!StoreFailures.isTransient(error)) {
              outcomeRefused(run, write, error);
              return;
            }
            log.warn(
                "Timer '{}': writing the outcome failed (attempt {}); retrying: {}",
                run.id(),
                attempt,
                error.toString());
            retryLater(run, attempt, () -> completeAttempt(run, write, after, attempt + 1));
            return;
          }
          try {
            after.accept(result);
          } finally {
            window.running().end(run);
          }
        });
  }

  /** The store refused an outcome for good: keep the timer, QUARANTINED with the reason. */
  private void outcomeRefused(Run run, Write write, Throwable error) {
    if (write instanceof Write.Update update && update.next().status() == TimerStatus.QUARANTINED) {
      // Even the quarantine was refused: nothing more to write. The row keeps its state and the
      // timer runs again after the next load, where the same refusal is reported again.
      log.error(
          "Timer '{}': the store refused to quarantine it: {}",
          run.id(),
          error.getClass().getName());
      SensitiveLog.debug("Timer '{}': quarantine refused", run.id(), error);
      window.running().end(run);
      return;
    }
    quarantine(run, run.armed(), "the store refused the outcome of a run", error, clock.instant());
  }

  void retryLater(Run run, int attempt, Runnable retry) {
    if (closed.getAsBoolean()) {
      // The record keeps its old state in the store; it fires again after a restart.
      window.running().end(run);
      return;
    }
    long millis = Math.min(MAX_STORE_RETRY.toMillis(), 100L << Math.min(attempt - 1, 20));
    try {
      scheduler.schedule(
          Guarded.guarded(
              run.id(),
              () -> {
                if (closed.getAsBoolean()) {
                  window.running().end(run);
                } else {
                  Guarded.execute(io, run.id(), retry);
                }
              }),
          Duration.ofMillis(millis));
    } catch (RejectedExecutionException e) {
      window.running().end(run);
    }
  }
}
