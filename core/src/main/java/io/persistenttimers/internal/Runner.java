package io.persistenttimers.internal;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what fell due. Before a callback runs, its timer is re-read — many timers falling due
 * together in one store round trip — and it runs only if the version is still the armed one and the
 * record is ACTIVE: a timer cancelled or replaced by anyone after it was armed does not fire.
 * Deciding to start and starting are one step behind a per-run gate ({@link Run}): a cancel or
 * replace that committed invalidates every run of the id that has not started, which must then read
 * again, and so must a run whose re-read is older than {@link #FRESH_READ}. In multi-node mode the
 * gate also asks the ownership whether enough of the lease is left.
 *
 * <p>The re-reads run on the engine's own executor ({@code io}); only the callbacks and their
 * outcome writes run on the workers, so callbacks that block every worker never stop a re-read.
 */
final class Runner {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final int VERIFY_BATCH = 500;

  /**
   * A re-read older than this when the callback would start is done again first. It bounds the
   * window in which a change this process cannot see (a cancel on another node, an operator tool)
   * can be followed by a start here; local cancels are final without it (see {@link Run}).
   */
  static final Duration FRESH_READ = Duration.ofMillis(200);

  /** Runs whose instant came, waiting to be verified against the store in one batch. */
  private final ConcurrentLinkedQueue<Run> ready = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean verifying = new AtomicBoolean();
  private final Window window;
  private final Outcomes outcomes;
  private final Ownership ownership;
  private final CallbackRegistry registry;
  private final Executor workers;
  private final Executor io;
  private final DelayScheduler scheduler;
  private final InstantSource clock;
  private final TimerListener listener;
  private final EngineConfig config;
  private final BooleanSupplier closed;
  private final Interceptors interceptors;

  Runner(
      Window window,
      Outcomes outcomes,
      Ownership ownership,
      CallbackRegistry registry,
      Executor workers,
      Executor io,
      DelayScheduler scheduler,
      InstantSource clock,
      TimerListener listener,
      EngineConfig config,
      BooleanSupplier closed) {
    this.window = window;
    this.outcomes = outcomes;
    this.ownership = ownership;
    this.registry = registry;
    this.workers = workers;
    this.io = io;
    this.scheduler = scheduler;
    this.clock = clock;
    this.listener = listener;
    this.config = config;
    this.closed = closed;
    this.interceptors = new Interceptors(config.participantIdInMdc(), config.interceptors());
  }

  /**
   * A run whose instant came: queued for the next batched re-read, or straight to a worker when its
   * record was read at {@code readAt} (non-null) recently enough that no re-read is needed (see
   * {@link Window.Read}; the gate still re-reads it if it waits past {@link #FRESH_READ}).
   */
  void submit(Run run, Instant readAt) {
    if (readAt != null) {
      if (closed.getAsBoolean()) {
        window.running().end(run);
        return;
      }
      try {
        workers.execute(Guarded.guarded(run.id(), () -> fire(run, run.armed(), readAt, true)));
      } catch (RejectedExecutionException e) {
        window.running().end(run);
      }
      return;
    }
    queueForReRead(run);
  }

  private void queueForReRead(Run run) {
    ready.add(run);
    if (verifying.compareAndSet(false, true)) {
      try {
        io.execute(Guarded.guarded("verify", this::verifyReady));
      } catch (RejectedExecutionException e) {
        verifying.set(false);
      }
    }
  }

  /**
   * Runs on a worker: re-reads every ready timer in one store round trip (many timers falling due
   * together cost one query, not one each), then hands each timer that is still as armed to a
   * worker of its own, so callbacks run in parallel and a slow one delays no other.
   */
  private void verifyReady() {
    while (true) {
      List<Run> batch = new ArrayList<>();
      Run next;
      while (batch.size() < VERIFY_BATCH && (next = ready.poll()) != null) {
        batch.add(next);
      }
      if (batch.isEmpty()) {
        verifying.set(false);
        // A timer queued after the poll but before the flag was cleared must not be stranded.
        if (ready.isEmpty() || !verifying.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      verifyAndFire(batch);
    }
  }

  private void verifyAndFire(List<Run> batch) {
    if (closed.getAsBoolean()) {
      batch.forEach(window.running()::end);
      return;
    }
    Map<String, TimerRecord> current;
    try {
      if (batch.size() == 1) {
        Run only = batch.get(0);
        current = new HashMap<>();
        ownership.verify(only.id()).ifPresent(r -> current.put(r.id(), r));
      } else {
        current = ownership.verifyAll(batch.stream().map(Run::id).toList());
      }
    } catch (RuntimeException e) {
      listener.onStoreError("get", e);
      log.warn(
          "Store unavailable before firing {} timers; retrying: {}", batch.size(), e.toString());
      for (Run run : batch) {
        outcomes.retryLater(run, 1, () -> fireAgain(run));
      }
      return;
    }
    Instant readAt = clock.instant();
    for (Run run : batch) {
      TimerRecord stored = current.get(run.id());
      try {
        workers.execute(Guarded.guarded(run.id(), () -> fire(run, stored, readAt, false)));
      } catch (RejectedExecutionException e) {
        window.running().end(run);
      }
    }
  }

  // --- firing ------------------------------------------------------------------------------

  /** Whether {@code stored} is still exactly what {@code run} was armed with, and active. */
  private static boolean unchanged(Run run, TimerRecord stored) {
    return stored != null
        && stored.version() == run.version()
        && stored.status() == TimerStatus.ACTIVE;
  }

  /**
   * A run found its timer changed: if the store holds another active version under the id (a
   * replacement, a new timer under a reused id, a takeover), arm that one, so it is never left
   * stored but unarmed.
   */
  private void heal(Run run, TimerRecord stored) {
    if (stored != null && stored.version() != run.version()) {
      window.armIfInWindow(stored);
    }
  }

  /**
   * Runs on a worker: runs the callback of a verified timer and writes the outcome. {@code stored}
   * is the record as re-read at {@code readAt} (or, {@code loaded}, as a load, claim or write left
   * it then), or null when it is gone (or, in multi-node mode, no longer held by this node).
   */
  private void fire(Run run, TimerRecord stored, Instant readAt, boolean loaded) {
    String id = run.id();
    boolean outcomePending = false;
    try {
      if (closed.getAsBoolean()) {
        return;
      }
      if (loaded && clock.instant().isAfter(readAt.plus(FRESH_READ))) {
        // It waited for a worker past a fresh read (a backlog): re-read it with the others in one
        // query rather than alone at the gate.
        outcomePending = true;
        queueForReRead(run);
        return;
      }
      if (!unchanged(run, stored)) {
        log.debug("Timer '{}' changed since it was armed; not firing", id);
        heal(run, stored);
        return;
      }
      TimerRecord record = stored;
      Instant firedAt = clock.instant();
      if (record.isExpiredAt(firedAt)) {
        outcomePending = true;
        outcomes.complete(
            run,
            new Write.Delete(id, record.version()),
            deleted -> {
              if (deleted) {
                listener.onDropped(record, "expired at " + record.expiresAt());
              }
            });
        return;
      }
      Optional<CallbackFactory> factory = registry.find(record.callbackType());
      if (factory.isEmpty()) {
        window.park(record);
        return;
      }
      TimerCallback callback;
      try {
        Json.parse(record.params(), "params");
        callback = factory.get().create(record);
        Checks.requireState(callback != null, "the factory returned null");
      } catch (Throwable e) {
        // An Error too (NoClassDefFoundError from a factory): it would fail again at every load.
        outcomePending = true;
        outcomes.quarantine(run, record, "cannot bind callback", e, firedAt);
        return;
      }
      Gate gate = passGate(run, readAt);
      if (gate == Gate.RETRY) {
        outcomePending = true;
        outcomes.retryLater(run, 1, () -> fireAgain(run));
        return;
      }
      if (gate == Gate.CLOSED) {
        return;
      }
      TimerContext context =
          new TimerContext(record, record.nextFireAt(), firedAt, record.attempt() + 1);
      Throwable failure = null;
      window.running().runningOnThisThread(run);
      interceptors.before(context);
      Instant started = clock.instant();
      CallbackWatch watch = watch(record);
      try {
        callback.run(context);
      } catch (Throwable t) {
        failure = t;
      } finally {
        window.running().runningOnThisThread(null);
        if (watch.stop()) {
          failure =
              new TimeoutException(
                  "the callback ran longer than its timeout of "
                      + watch.timeout()
                      + " and was interrupted");
        }
      }
      Duration took = Duration.between(started, clock.instant());
      if (failure == null) {
        interceptors.after(context, took);
      } else {
        interceptors.failed(context, failure, took);
      }
      outcomePending = true;
      if (failure == null) {
        outcomes.succeeded(run, record, firedAt);
      } else {
        outcomes.failed(run, record, failure);
      }
    } finally {
      if (!outcomePending) {
        window.running().end(run);
      }
    }
  }

  /** Reports the callback about to run when it is slow; interrupts it past its type's timeout. */
  private CallbackWatch watch(TimerRecord record) {
    Duration slowAfter = config.slowCallbackThreshold();
    return CallbackWatch.start(
        scheduler,
        slowAfter,
        config.callbackTimeouts().get(record.callbackType()),
        () -> {
          log.warn(
              "Timer '{}' ({}): the callback has been running for {} (attempt {})",
              record.id(),
              record.callbackType(),
              slowAfter,
              record.attempt() + 1);
          listener.onSlowCallback(record, slowAfter);
        });
  }

  private enum Gate {
    OPEN,
    CLOSED,
    RETRY
  }

  /**
   * Decides to start the callback and starts it in one step. A run that a cancel or replace
   * invalidated after its re-read must read the store again, which then shows the change; so must
   * one whose re-read is older than {@link #FRESH_READ} (it waited for a worker).
   */
  private Gate passGate(Run run, Instant readAt) {
    int checkpoint = 0;
    boolean fresh = !clock.instant().isAfter(readAt.plus(FRESH_READ));
    while (true) {
      if (fresh) {
        // Multi-node: a lease too close to its end lets the timer go instead (it stays ACTIVE).
        if (!ownership.mayStart(run.armed())) {
          return Gate.CLOSED;
        }
        if (run.tryStart(checkpoint)) {
          return Gate.OPEN;
        }
      }
      fresh = true;
      checkpoint = run.checkpoint();
      TimerRecord now;
      try {
        now = ownership.verify(run.id()).orElse(null);
      } catch (RuntimeException e) {
        listener.onStoreError("get", e);
        log.warn(
            "Store unavailable before firing timer '{}'; retrying: {}", run.id(), e.toString());
        return Gate.RETRY;
      }
      if (!unchanged(run, now)) {
        log.debug("Timer '{}' was cancelled or replaced before it started; not firing", run.id());
        heal(run, now);
        return Gate.CLOSED;
      }
    }
  }

  private void fireAgain(Run run) {
    window.running().end(run);
    window.arm(run.armed(), clock.instant());
  }
}
