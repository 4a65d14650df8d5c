package io.persistenttimers.internal;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.DuplicateTimerException;
import io.persistenttimers.IfExists;
import io.persistenttimers.MultiNode;
import io.persistenttimers.Scheduled;
import io.persistenttimers.Scheduled.Outcome;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerClosedException;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStats;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher: decides which stored timers are held in memory, when they fire, and what is
 * written back afterwards. This class keeps the lifecycle and the host's operations; the work is
 * done by its parts: {@link Window} (what is held in memory), {@link Loader} (moving the window
 * forward, overdue policies), {@link Runner} (re-read, gate, callback), {@link Outcomes} (what a
 * run leaves in the store) and the {@link Ownership} (alone, or by lease among several nodes).
 *
 * <h2>Design</h2>
 *
 * <p>The store is the only truth. Memory holds a window of it: every ACTIVE timer due before {@code
 * loadTarget} is <em>armed</em> — a task on the {@link DelayScheduler} at its due instant. A load
 * runs every half horizon and moves the window forward (the ACTIVE timers due before {@code now +
 * horizon}); a schedule call arms its own record when it falls inside the window. The load
 * publishes its target <em>before</em> it queries, so a record committed concurrently is either
 * seen by the query or armed by its schedule call — never neither.
 *
 * <p>Three structures describe a timer's place in memory, keyed by id: {@code armed} (waiting for
 * its instant), {@code running} (woken, outcome not yet written) and {@code unbound} (its callback
 * type is not registered). Nothing is armed while the same version is running.
 *
 * <p>Identity: a record's version is where every compare-and-set looks, so it must never repeat for
 * an id. A new timer starts at a random version (see {@link TimerVersions}) and each change adds
 * one, so a timer cancelled and scheduled again under the same id — or deleted by an operator and
 * re-created — can never be taken for the old one: the old run's outcome, the old armed entry and
 * the old advance all miss. Random versions say nothing about which record is newer, so arming
 * keeps the earlier wake-up of two versions, and a run that re-reads its timer and finds another
 * active version arms that one ({@code heal}): the stored truth is never left unarmed.
 *
 * <p>Every state change in the store is a compare-and-set on the version the engine read. Before a
 * callback runs, the engine re-reads the record and runs it only if the version is still the armed
 * one and the record is ACTIVE: a timer cancelled or replaced by anyone (another thread, an
 * operator tool) after it was armed does not fire. Cancel is final in this process: the decision to
 * start and the start are one step behind a per-run gate ({@link Run}), and a cancel or replace
 * that committed invalidates every run of the id that has not started, which must then re-read. A
 * cancel that lands while the callback runs deletes the record; the completion's compare-and-set
 * then fails, so a recurring timer is not resurrected by its advance.
 *
 * <p>In multi-node mode the re-read also requires this node's live lease, and right before the
 * callback {@link Ownership#mayStart} requires that a safe part of the lease is left by the node's
 * own count (the re-read may be a batch, long before a worker gets to the timer); a refused timer
 * is given back, still ACTIVE, for the next claim.
 *
 * <p>The outcome of a run (delete, advance, retry, fail) is written after the callback returns —
 * that is what makes delivery at-least-once. If the write fails the engine keeps the timer in
 * {@code running} and retries the write with backoff; the callback does not run again unless the
 * process dies first.
 *
 * <p>Batching, where it costs no latency: timers whose instant came are queued in {@code ready} and
 * re-read by one worker in a single query per batch (a lone timer is a batch of one), and outcomes
 * are submitted to {@link GroupCommit} without waiting, so completions of many timers share one
 * transaction while the workers go on.
 *
 * <p>Threads: the scheduler thread only wakes timers; the engine's own store work (loads, the
 * re-read before firing, cleanup, retries) runs on its own executor ({@code io}), and only host
 * callbacks (with the outcome write that follows) run on the workers. So callbacks that block every
 * worker never stop loads, re-reads or cleanup, and a slow store never delays wake-ups. In
 * multi-node mode lease renewal has a thread of its own too. A callback running past the slow
 * threshold is reported, and past its type's timeout interrupted ({@link CallbackWatch}). Every
 * task is guarded: user code and store failures are caught, reported and the engine goes on.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final int REPLACE_ATTEMPTS = 20;

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final Store store;
  private final CallbackRegistry registry;
  private final InstantSource clock;
  private final TimerListener listener;
  private final EngineConfig config;
  private final AutoCloseable ownedResources;
  private final GroupCommit writes;
  private final Ownership ownership;
  private final boolean multiNodeMode;
  private final Window window;
  private final Loader loader;
  private final Outcomes outcomes;
  private final PeriodicTask cleanupLoop;
  private final BatchSchedule batch;
  private final AsyncSchedule async;

  /** Lease renewal in multi-node mode; null alone. */
  private final PeriodicTask renewLoop;

  private final Object lifecycle = new Object();
  private volatile State state = State.NEW;

  /** This engine's right to run on the store, held while started. */
  private volatile EngineLock engineLock = EngineLock.NONE;

  private AutoCloseable notifications = () -> {};

  public Engine(
      Store store,
      CallbackRegistry registry,
      InstantSource clock,
      DelayScheduler scheduler,
      Executor workers,
      TimerListener listener,
      EngineConfig config,
      DoubleSupplier random,
      AutoCloseable ownedResources,
      MultiNode multiNode,
      Executor renewals,
      Executor io,
      LongSupplier nanos) {
    this.store = store;
    this.registry = registry;
    this.clock = clock;
    this.listener = new SafeListener(listener);
    this.config = config;
    this.ownedResources = ownedResources;
    this.writes = new GroupCommit(store, config.maxBatch());
    this.multiNodeMode = multiNode != null;
    Executor callbacks;
    Duration span;
    if (multiNode == null) {
      callbacks = workers;
      this.ownership = new SingleNode(store);
      span = config.horizon();
    } else {
      // Counted workers: claims take no more than they can start while the lease is safe.
      WorkerLoad load = new WorkerLoad(workers, config.workerThreads(), nanos);
      callbacks = load;
      this.ownership = new LeasedOwnership((ClaimingStore) store, multiNode, load, nanos);
      span = multiNode.claimAhead();
    }
    TimerPolicies policies = new TimerPolicies(config);
    this.window = new Window(clock, scheduler, registry, this.listener, ownership, this::isStarted);
    this.outcomes =
        new Outcomes(
            window,
            writes,
            clock,
            scheduler,
            io,
            this.listener,
            policies,
            random,
            this::isClosed,
            multiNode == null,
            config.failureLogging());
    Runner runner =
        new Runner(
            window,
            outcomes,
            ownership,
            registry,
            callbacks,
            io,
            scheduler,
            clock,
            this.listener,
            config,
            this::isClosed);
    window.onDue(runner::submit);
    this.batch = new BatchSchedule(store, window, this::scheduled);
    this.async =
        new AsyncSchedule(
            writes,
            this::scheduled,
            this::schedule,
            config.maxAsyncInFlight(),
            config.shutdownTimeout());
    this.loader =
        new Loader(
            window,
            ownership,
            store,
            registry,
            clock,
            scheduler,
            io,
            this.listener,
            config,
            policies,
            span,
            this::isStarted);
    if (multiNode != null) {
      // Claim the next batch while the workers finish the last runs of this one.
      window.running().whenAtMost(config.workerThreads(), loader::runsDraining);
    }
    this.cleanupLoop =
        new PeriodicTask("cleanup", scheduler, io, this::isStarted, this::scheduledCleanup);
    // Renewal runs on a thread of its own, never the workers: a renewal queued behind busy
    // callbacks would let the leases of the very timers waiting for a worker expire.
    this.renewLoop =
        ownership.renewInterval() == null
            ? null
            : new PeriodicTask("renew", scheduler, renewals, this::isStarted, this::renew);
  }

  public InstantSource clock() {
    return clock;
  }

  public EngineConfig config() {
    return config;
  }

  public CallbackRegistry registry() {
    return registry;
  }

  // --- lifecycle ---------------------------------------------------------------------------

  public void start() {
    synchronized (lifecycle) {
      if (state == State.CLOSED) {
        throw new TimerClosedException("cannot start: this PersistentTimer is closed");
      }
      Checks.requireState(state == State.NEW, "start() was already called");
      engineLock = store.lockForEngine(multiNodeMode); // StoreInUseException: nothing started
      state = State.STARTED;
    }
    log.info(
        "Persistent Timers starting: store={}, callbackTypes={}, {}",
        store.getClass().getSimpleName(),
        registry.types(),
        config);
    try {
      loader.load(true);
    } catch (RuntimeException e) {
      synchronized (lifecycle) {
        state = State.NEW;
      }
      window.clear();
      engineLock.close();
      throw e;
    }
    loader.startLoop();
    cleanupLoop.schedule(config.cleanupInterval());
    if (renewLoop != null) {
      renewLoop.schedule(ownership.renewInterval());
    }
    try {
      notifications = ownership.listen(loader::requestLoad);
    } catch (RuntimeException e) {
      log.warn(
          "Could not listen for new-timer notifications; relying on polling: {}", e.toString());
    }
    log.info("Persistent Timers started: {} timers armed", window.armedCount());
  }

  public void close() {
    synchronized (lifecycle) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
    }
    // First: every async future ends (written, or failed as not written) before threads stop.
    async.close();
    loader.stopLoop();
    cleanupLoop.cancel();
    if (renewLoop != null) {
      renewLoop.cancel();
    }
    window.clear();
    try {
      notifications.close();
    } catch (Exception e) {
      log.debug("Closing notifications failed", e);
    }
    try {
      ownedResources.close();
    } catch (Exception e) {
      log.warn("Persistent Timers: error while shutting down threads", e);
    }
    // Whatever did not finish keeps its stored state and runs again after a restart.
    RunningTimers running = window.running();
    running.all().forEach(running::end);
    try {
      // After the workers stopped: nothing of ours runs any more, so others may take over.
      ownership.release();
    } catch (RuntimeException e) {
      log.warn(
          "Could not give back leases; other nodes take over when they expire: {}", e.toString());
    }
    // Last: once nothing of ours runs and the leases went back, another engine may start.
    engineLock.close();
    log.info("Persistent Timers closed; every timer stays in the store");
  }

  public boolean isStarted() {
    return state == State.STARTED;
  }

  private boolean isClosed() {
    return state == State.CLOSED;
  }

  private void checkOpen() {
    if (state == State.CLOSED) {
      throw new TimerClosedException("this PersistentTimer is closed");
    }
  }

  // --- host operations ---------------------------------------------------------------------

  /** Stores {@code record} (durable on return), then arms it if it is due inside the window. */
  public Scheduled schedule(TimerRecord record, IfExists ifExists) {
    checkOpen();
    String id = record.id();
    if (writes.write(Write.insert(record))) {
      scheduled(record);
      return new Scheduled(id, Outcome.CREATED);
    }
    switch (ifExists) {
      case KEEP:
        return new Scheduled(id, Outcome.KEPT);
      case FAIL:
        throw new DuplicateTimerException(id);
      case REPLACE:
        for (int i = 0; i < REPLACE_ATTEMPTS; i++) {
          Optional<TimerRecord> existing = store.get(id);
          if (existing.isEmpty()) {
            if (writeOne(Write.insert(record))) {
              scheduled(record);
              return new Scheduled(id, Outcome.CREATED);
            }
            continue;
          }
          TimerRecord replacement = Transitions.replacing(record, existing.get());
          if (writeOne(Write.update(replacement, existing.get().version()))) {
            window.stop(id);
            scheduled(replacement);
            return new Scheduled(id, Outcome.REPLACED);
          }
        }
        throw new StoreException(
            "could not replace timer '"
                + id
                + "': it changed concurrently "
                + REPLACE_ATTEMPTS
                + " times");
      default:
        throw new IllegalArgumentException("ifExists is unknown: " + ifExists);
    }
  }

  /**
   * Stores {@code records} in one transaction (see {@link BatchSchedule} for the rules), then arms
   * them; one result per record, in order.
   */
  public List<Scheduled> scheduleAll(List<TimerRecord> records, List<IfExists> rules) {
    checkOpen();
    return batch.run(records, rules);
  }

  /**
   * Queues {@code record}'s insert for the engine's commit thread and returns at once; the future
   * completes once it is durable (see {@link AsyncSchedule}).
   */
  public java.util.concurrent.CompletableFuture<Scheduled> scheduleAsync(
      TimerRecord record, IfExists ifExists) {
    checkOpen();
    return async.submit(record, ifExists);
  }

  private void scheduled(TimerRecord record) {
    listener.onScheduled(record);
    armIfOwned(record);
  }

  /** Arms a record this engine wrote, unless another node might be the one to claim it. */
  private void armIfOwned(TimerRecord record) {
    if (ownership.armsOwnInserts()) {
      window.armIfInWindow(record);
    }
  }

  /**
   * Arms a record committed by the host's own transaction. A record that is not (or no longer) in
   * the store is ignored: the host rolled back, or it already fired.
   */
  public void armCommitted(String id) {
    checkOpen();
    store.get(id).filter(r -> r.status() == TimerStatus.ACTIVE).ifPresent(this::armIfOwned);
  }

  /** Arms the records of a host transaction's batch after its commit: one read for all. */
  public void armCommitted(java.util.Collection<String> ids) {
    checkOpen();
    if (ids.isEmpty()) {
      return;
    }
    store.getAll(ids).values().stream()
        .filter(r -> r.status() == TimerStatus.ACTIVE)
        .forEach(this::armIfOwned);
  }

  /** Deletes the timer whatever its state; true when there was one. */
  public boolean cancel(String id) {
    checkOpen();
    boolean deleted = !store.remove(TimerQuery.all().id(id)).isEmpty();
    window.stop(id);
    return deleted;
  }

  public List<String> cancelByParticipant(String participantId, String flowType) {
    checkOpen();
    List<String> ids = store.remove(TimerQuery.all().participant(participantId).flowType(flowType));
    ids.forEach(window::stop);
    return ids;
  }

  /** Whether a callback of {@code id} runs in this process now. */
  public boolean isRunning(String id) {
    return window.running().inFlight(id);
  }

  /** Waits until no callback of {@code id} runs in this process; false on timeout. */
  public boolean awaitIdle(String id, Duration timeout) throws InterruptedException {
    return window.running().awaitIdle(id, timeout);
  }

  /** Makes a FAILED or QUARANTINED timer ACTIVE again, due now (or at its due time if later). */
  public boolean release(String id) {
    checkOpen();
    for (int i = 0; i < REPLACE_ATTEMPTS; i++) {
      Optional<TimerRecord> current = store.get(id);
      if (current.isEmpty() || current.get().status() == TimerStatus.ACTIVE) {
        return false;
      }
      TimerRecord record = current.get();
      Instant now = clock.instant();
      Instant due = record.nextFireAt().isAfter(now) ? record.nextFireAt() : now;
      TimerRecord released = Transitions.released(record, due, now);
      if (writeOne(Write.update(released, record.version()))) {
        log.info("Timer '{}' ({}) released from {}", id, record.callbackType(), record.status());
        armIfOwned(released);
        return true;
      }
    }
    throw new StoreException("could not release timer '" + id + "': it changed concurrently");
  }

  /** Registers a callback type and binds the timers that were waiting for it. */
  public void register(String callbackType, CallbackFactory factory) {
    checkOpen();
    registry.register(callbackType, factory);
    List<TimerRecord> waiting = window.unparkType(callbackType);
    if (!waiting.isEmpty()) {
      log.info(
          "Callback type '{}' registered: binding {} waiting timers", callbackType, waiting.size());
    }
    waiting.forEach(window::armIfInWindow);
  }

  /** Deletes expired timers and FAILED ones older than the retention; returns how many. */
  public int cleanup() {
    checkOpen();
    Instant now = clock.instant();
    Store.Purged purged = store.purge(now, now.minus(config.failedRetention()));
    if (purged.total() > 0) {
      log.info(
          "Cleanup deleted {} expired and {} long-failed timers",
          purged.expired(),
          purged.failed());
    }
    return purged.total();
  }

  public TimerStats stats() {
    Instant now = clock.instant();
    return new TimerStats(
        store.count(TimerQuery.all().status(TimerStatus.ACTIVE)),
        store.count(TimerQuery.all().status(TimerStatus.FAILED)),
        store.count(TimerQuery.all().status(TimerStatus.QUARANTINED)),
        window.armedCount(),
        window.running().size(),
        window.unboundCount(),
        window.lag(now),
        outcomes.fired(),
        outcomes.failures(),
        window.overdueCount(now),
        multiNodeMode && isStarted() ? window.held().size() : 0);
  }

  /** One write on its own, outside the group commit: {@code writeAll} of one. */
  private boolean writeOne(Write write) {
    return store.writeAll(List.of(write)).get(0);
  }

  // --- loops -------------------------------------------------------------------------------

  private Duration scheduledCleanup() {
    try {
      cleanup();
    } catch (RuntimeException e) {
      listener.onStoreError("cleanup", e);
      log.warn("Cleanup failed; trying again next interval: {}", e.toString());
    }
    return config.cleanupInterval();
  }

  /** Renews the leases of what this node holds; disarms what it lost to other nodes. */
  private Duration renew() {
    try {
      Set<String> lost = ownership.renew(window.held());
      lost.forEach(window::lost);
    } catch (RuntimeException e) {
      listener.onStoreError("renewLeases", e);
      log.warn("Renewing leases failed; timers are re-checked before they fire: {}", e.toString());
    }
    return ownership.renewInterval();
  }
}
