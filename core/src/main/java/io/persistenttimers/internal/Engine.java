package io.persistenttimers.internal;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.CallbackRegistry;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.DuplicateTimerException;
import io.persistenttimers.IfExists;
import io.persistenttimers.MultiNode;
import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerClosedException;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerKind;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher: decides which stored timers are held in memory, when they fire, and what is
 * written back afterwards.
 *
 * <h2>Design</h2>
 *
 * <p>The store is the only truth. Memory holds a window of it: every ACTIVE timer due before {@link
 * #loadTarget} is <em>armed</em> — a task on the {@link DelayScheduler} at its due instant. A load
 * runs every half horizon and moves the window forward ({@code findDue(now + horizon)}); a schedule
 * call arms its own record when it falls inside the window. The load publishes its target
 * <em>before</em> it queries, so a record committed concurrently is either seen by the query or
 * armed by its schedule call — never neither.
 *
 * <p>Three structures describe a timer's place in memory, keyed by id: {@link #armed} (waiting for
 * its instant), {@link #running} (woken, outcome not yet written) and {@link #unbound} (its
 * callback type is not registered). Nothing is armed while the same version is running.
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
 * {@link #running} and retries the write with backoff; the callback does not run again unless the
 * process dies first.
 *
 * <p>Batching, where it costs no latency: timers whose instant came are queued in {@link #ready}
 * and re-read by one worker in a single query per batch (a lone timer is a batch of one), and
 * outcomes are submitted to {@link GroupCommit} without waiting, so completions of many timers
 * share one transaction while the workers go on.
 *
 * <p>Threads: the scheduler thread only wakes timers; the engine's own store work (loads, the
 * re-read before firing, cleanup, retries) runs on its own executor ({@link #io}), and only host
 * callbacks (with the outcome write that follows) run on the workers. So callbacks that block every
 * worker never stop loads, re-reads or cleanup, and a slow store never delays wake-ups. In
 * multi-node mode lease renewal has a thread of its own too. A callback running past the slow
 * threshold is reported, and past its type's timeout interrupted ({@link CallbackWatch}). Every
 * task is guarded: user code and store failures are caught, reported and the engine goes on.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final Duration MAX_STORE_RETRY = Duration.ofSeconds(30);
  private static final int REPLACE_ATTEMPTS = 20;
  private static final int VERIFY_BATCH = 500;

  /**
   * A re-read older than this when the callback would start is done again first. It bounds the
   * window in which a change this process cannot see (a cancel on another node, an operator tool)
   * can be followed by a start here; local cancels are final without it (see {@link Run}).
   */
  static final Duration FRESH_READ = Duration.ofMillis(200);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  /**
   * A timer held in memory until its instant. The wake-up task is scheduled only after the entry is
   * in {@link #armed}: a zero delay can run the task at once, and it must find its entry.
   */
  private static final class Armed {
    final TimerRecord record;
    final Instant fireAt;
    private DelayScheduler.Cancellable handle;
    private boolean cancelled;

    Armed(TimerRecord record, Instant fireAt) {
      this.record = record;
      this.fireAt = fireAt;
    }

    TimerRecord record() {
      return record;
    }

    /** Sets the wake-up task, or cancels it at once when this entry was cancelled meanwhile. */
    synchronized void setHandle(DelayScheduler.Cancellable handle) {
      if (cancelled) {
        handle.cancel();
      } else {
        this.handle = handle;
      }
    }

    synchronized void cancel() {
      cancelled = true;
      if (handle != null) {
        handle.cancel();
      }
    }
  }

  private final Store store;
  private final CallbackRegistry registry;
  private final InstantSource clock;
  private final DelayScheduler scheduler;
  private final Executor workers;

  /** Where lease renewals run: never the workers, so busy callbacks cannot starve them. */
  private final Executor renewals;

  /**
   * Where the engine's own store work runs (loads, re-reads, cleanup, retries): never the workers.
   */
  private final Executor io;

  private final TimerListener listener;
  private final EngineConfig config;
  private final DoubleSupplier random;
  private final AutoCloseable ownedResources;
  private final GroupCommit writes;
  private final Ownership ownership;
  private final boolean multiNodeMode;

  /** This engine's right to run on the store: taken first in start(), released last in close(). */
  private volatile EngineLock engineLock = EngineLock.NONE;

  /** How far ahead timers are armed: the horizon, or the claim window in multi-node mode. */
  private final Duration window;

  private final AtomicBoolean loadRequested = new AtomicBoolean();

  /** Runs whose instant came, waiting to be verified against the store in one batch. */
  private final ConcurrentLinkedQueue<Run> ready = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean verifying = new AtomicBoolean();

  private final ConcurrentHashMap<String, Armed> armed = new ConcurrentHashMap<>();
  private final RunningTimers running = new RunningTimers();
  private final ConcurrentHashMap<String, TimerRecord> unbound = new ConcurrentHashMap<>();
  private final AtomicLong fired = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Object lifecycle = new Object();

  private volatile State state = State.NEW;

  /** Timers due before this instant are armed; published before each load queries. */
  private volatile Instant loadTarget = Instant.EPOCH;

  private DelayScheduler.Cancellable loadTask;
  private DelayScheduler.Cancellable cleanupTask;
  private DelayScheduler.Cancellable renewTask;
  private AutoCloseable notifications = () -> {};
  private Instant spreadCursor = Instant.EPOCH;

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
    this.scheduler = scheduler;
    this.renewals = renewals;
    this.io = io;
    this.listener = new SafeListener(listener);
    this.config = config;
    this.random = random;
    this.ownedResources = ownedResources;
    this.writes = new GroupCommit(store, config.maxBatch());
    if (multiNode == null) {
      this.workers = workers;
      this.ownership = new SingleNode(store);
      this.window = config.horizon();
    } else {
      // Counted workers: claims take no more than they can start while the lease is safe.
      WorkerLoad load = new WorkerLoad(workers, config.workerThreads(), nanos);
      this.workers = load;
      this.ownership = new LeasedOwnership((ClaimingStore) store, multiNode, load, nanos);
      this.window = multiNode.claimAhead();
    }
    this.multiNodeMode = multiNode != null;
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
      load(true);
    } catch (RuntimeException e) {
      synchronized (lifecycle) {
        state = State.NEW;
      }
      armed.values().forEach(Armed::cancel);
      armed.clear();
      unbound.clear();
      engineLock.close();
      throw e;
    }
    synchronized (lifecycle) {
      loadTask =
          scheduler.schedule(guarded("load", this::scheduledLoad), ownership.loadInterval(config));
      cleanupTask =
          scheduler.schedule(guarded("cleanup", this::scheduledCleanup), config.cleanupInterval());
      if (ownership.renewInterval() != null) {
        renewTask =
            scheduler.schedule(guarded("renew", this::scheduledRenew), ownership.renewInterval());
      }
    }
    try {
      notifications = ownership.listen(this::requestLoad);
    } catch (RuntimeException e) {
      log.warn(
          "Could not listen for new-timer notifications; relying on polling: {}", e.toString());
    }
    log.info("Persistent Timers started: {} timers armed", armed.size());
  }

  public void close() {
    synchronized (lifecycle) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      if (loadTask != null) {
        loadTask.cancel();
      }
      if (cleanupTask != null) {
        cleanupTask.cancel();
      }
      if (renewTask != null) {
        renewTask.cancel();
      }
    }
    armed.values().forEach(Armed::cancel);
    armed.clear();
    unbound.clear();
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

  private void checkOpen() {
    if (state == State.CLOSED) {
      throw new TimerClosedException("this PersistentTimer is closed");
    }
  }

  // --- host operations ---------------------------------------------------------------------

  /** Stores {@code record} (durable on return), then arms it if it is due inside the window. */
  public String schedule(TimerRecord record, IfExists ifExists) {
    checkOpen();
    String id = record.id();
    if (writes.write(new Write.Insert(record))) {
      scheduled(record);
      return id;
    }
    switch (ifExists) {
      case KEEP:
        return id;
      case FAIL:
        throw new DuplicateTimerException(id);
      case REPLACE:
        for (int i = 0; i < REPLACE_ATTEMPTS; i++) {
          Optional<TimerRecord> existing = store.get(id);
          if (existing.isEmpty()) {
            if (store.insert(record)) {
              scheduled(record);
              return id;
            }
            continue;
          }
          TimerRecord replacement = record.replacing(existing.get());
          if (store.update(replacement, existing.get().version())) {
            stop(id);
            scheduled(replacement);
            return id;
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

  private void scheduled(TimerRecord record) {
    listener.onScheduled(record);
    armIfOwned(record);
  }

  /** Arms a record this engine wrote, unless another node might be the one to claim it. */
  private void armIfOwned(TimerRecord record) {
    if (ownership.armsOwnInserts()) {
      armIfInWindow(record);
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

  public Optional<TimerRecord> cancel(String id) {
    checkOpen();
    Optional<TimerRecord> deleted = store.delete(id);
    stop(id);
    return deleted;
  }

  public List<String> cancelByParticipant(String participantId, String flowType) {
    checkOpen();
    List<String> ids = store.deleteByParticipant(participantId, flowType);
    ids.forEach(this::stop);
    return ids;
  }

  /**
   * After a cancel or replace of {@code id} committed: disarms it, and makes every run of it that
   * has not started re-read the store before it may start (see {@link Run}). This is what makes
   * cancel final in this process.
   */
  private void stop(String id) {
    disarm(id);
    running.invalidate(id);
  }

  /** Whether a callback of {@code id} runs in this process now. */
  public boolean isRunning(String id) {
    return running.inFlight(id);
  }

  /** Waits until no callback of {@code id} runs in this process; false on timeout. */
  public boolean awaitIdle(String id, Duration timeout) throws InterruptedException {
    return running.awaitIdle(id, timeout);
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
      TimerRecord released = record.released(due, now);
      if (store.update(released, record.version())) {
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
    List<TimerRecord> waiting = new ArrayList<>();
    unbound
        .values()
        .removeIf(
            r -> {
              if (r.callbackType().equals(callbackType)) {
                waiting.add(r);
                return true;
              }
              return false;
            });
    if (!waiting.isEmpty()) {
      log.info(
          "Callback type '{}' registered: binding {} waiting timers", callbackType, waiting.size());
    }
    waiting.forEach(this::armIfInWindow);
  }

  /** Deletes expired timers and FAILED ones older than the retention; returns how many. */
  public int cleanup() {
    checkOpen();
    Instant now = clock.instant();
    int expired = store.deleteExpired(now);
    int failed = store.deleteFailedBefore(now.minus(config.failedRetention()));
    if (expired + failed > 0) {
      log.info("Cleanup deleted {} expired and {} long-failed timers", expired, failed);
    }
    return expired + failed;
  }

  public TimerStats stats() {
    Instant now = clock.instant();
    Instant earliest = null;
    for (Armed a : armed.values()) {
      if (earliest == null || a.record.nextFireAt().isBefore(earliest)) {
        earliest = a.record.nextFireAt();
      }
    }
    Duration lag =
        earliest != null && earliest.isBefore(now)
            ? Duration.between(earliest, now)
            : Duration.ZERO;
    return new TimerStats(
        store.count(TimerQuery.all().status(TimerStatus.ACTIVE)),
        store.count(TimerQuery.all().status(TimerStatus.FAILED)),
        store.count(TimerQuery.all().status(TimerStatus.QUARANTINED)),
        armed.size(),
        running.size(),
        unbound.size(),
        lag,
        fired.get(),
        failures.get());
  }

  // --- loading the window ------------------------------------------------------------------

  private void scheduledLoad() {
    if (state != State.STARTED) {
      return;
    }
    execute(
        "load",
        () -> {
          Duration next = ownership.loadInterval(config);
          try {
            load(false);
          } catch (RuntimeException e) {
            listener.onStoreError("findDue", e);
            log.warn("Loading due timers failed; retrying soon: {}", e.toString());
            next = min(next, Duration.ofSeconds(5));
          }
          synchronized (lifecycle) {
            if (state == State.STARTED) {
              loadTask = scheduler.schedule(guarded("load", this::scheduledLoad), next);
            }
          }
        });
  }

  private void load(boolean recovering) {
    Instant now = clock.instant();
    Instant target = now.plus(window);
    if (target.isAfter(loadTarget)) {
      loadTarget = target;
    }
    List<TimerRecord> due = ownership.acquireDue(now, config);
    int overdue = 0;
    List<String> cannotRun = new ArrayList<>();
    for (TimerRecord record : due) {
      if (unbound.containsKey(record.id())) {
        cannotRun.add(record.id());
      } else if (consider(record, now, recovering)) {
        overdue++;
      }
    }
    if (!cannotRun.isEmpty()) {
      ownership.giveUp(cannotRun);
    }
    if (recovering && !due.isEmpty()) {
      log.info("Recovered {} timers due within {} ({} overdue)", due.size(), window, overdue);
    } else {
      log.debug("Loaded {} timers due before {}", due.size(), target);
    }
  }

  /** Brings a loaded record into memory per the overdue policy; returns true when overdue. */
  private boolean consider(TimerRecord record, Instant now, boolean recovering) {
    String id = record.id();
    if (running.isRunning(id, record.version()) || unbound.containsKey(id)) {
      return false;
    }
    Armed current = armed.get(id);
    if (current != null && current.record().version() == record.version()) {
      return false;
    }
    boolean overdue = record.nextFireAt().isBefore(now.minus(config.overdueThreshold()));
    if (recovering) {
      listener.onRecovered(record, overdue);
    }
    if (record.isExpiredAt(now)) {
      deleteUnfired(record, "expired at " + record.expiresAt());
      return overdue;
    }
    if (!registry.contains(record.callbackType())) {
      park(record);
      return overdue;
    }
    if (!overdue) {
      arm(record, record.nextFireAt());
      return false;
    }
    switch (overduePolicy(record)) {
      case DROP -> deleteUnfired(record, "overdue since " + record.nextFireAt() + " (DROP)");
      case SKIP -> {
        if (record.kind() == TimerKind.ONCE) {
          deleteUnfired(record, "overdue since " + record.nextFireAt() + " (SKIP)");
        } else {
          skip(record, now);
        }
      }
      case FIRE_NOW, COALESCE -> arm(record, nextSpreadSlot(now));
    }
    return true;
  }

  /** SKIP for a recurring timer: moves it to its next occurrence after now without running it. */
  private void skip(TimerRecord record, Instant now) {
    Optional<Instant> next;
    try {
      next = nextOccurrence(record, record.nextFireAt(), now);
    } catch (RuntimeException e) {
      String reason = "cannot compute the next occurrence: " + describe(e);
      TimerRecord quarantined = record.withStatus(TimerStatus.QUARANTINED, reason, now);
      if (store.update(quarantined, record.version())) {
        log.warn("Timer '{}' ({}) quarantined: {}", record.id(), record.callbackType(), reason);
        listener.onQuarantined(quarantined, reason);
      }
      return;
    }
    if (next.isEmpty()) {
      deleteUnfired(record, "overdue since " + record.nextFireAt() + " with no later occurrence");
      return;
    }
    TimerRecord skipped =
        record.rescheduled(next.get(), 0, record.lastError(), record.lastFiredAt(), now);
    if (store.update(skipped, record.version())) {
      listener.onDropped(record, "missed occurrences since " + record.nextFireAt() + " skipped");
      armIfInWindow(skipped);
    }
  }

  private void deleteUnfired(TimerRecord record, String reason) {
    if (store.delete(record.id(), record.version())) {
      log.info("Timer '{}' ({}) dropped: {}", record.id(), record.callbackType(), reason);
      listener.onDropped(record, reason);
    }
  }

  /** Overdue timers fire no faster than the configured rate, so a restart does not stampede. */
  private synchronized Instant nextSpreadSlot(Instant now) {
    if (config.overdueFiresPerSecond() == 0) {
      return now;
    }
    if (spreadCursor.isBefore(now)) {
      spreadCursor = now;
    }
    Instant slot = spreadCursor;
    spreadCursor = spreadCursor.plusNanos(1_000_000_000L / config.overdueFiresPerSecond());
    return slot;
  }

  private OverduePolicy overduePolicy(TimerRecord record) {
    if (record.overduePolicy() != null) {
      return record.overduePolicy();
    }
    return record.kind() == TimerKind.ONCE
        ? config.defaultOverdueOnce()
        : config.defaultOverdueRecurring();
  }

  private RetryPolicy retryPolicy(TimerRecord record) {
    return record.retryPolicy() != null ? record.retryPolicy() : config.defaultRetry();
  }

  // --- arming ------------------------------------------------------------------------------

  private void armIfInWindow(TimerRecord record) {
    if (state != State.STARTED || record.status() != TimerStatus.ACTIVE) {
      return;
    }
    if (!record.nextFireAt().isBefore(loadTarget)) {
      return;
    }
    if (!registry.contains(record.callbackType())) {
      park(record);
      return;
    }
    arm(record, record.nextFireAt());
  }

  private void arm(TimerRecord record, Instant fireAt) {
    if (state != State.STARTED) {
      return;
    }
    Armed entry = new Armed(record, fireAt);
    Armed current =
        armed.compute(
            record.id(),
            (id, existing) -> {
              // Checked under the id's entry: a wake-up registers its run before it removes its
              // entry, so either the entry is still here or the run is visible — a check before
              // compute could miss both and arm a version that is starting.
              if (running.isRunning(id, record.version())) {
                return existing;
              }
              if (existing != null) {
                // Versions say nothing about which of two records is newer (a new timer under a
                // reused id starts at a fresh random version), so the earlier wake-up stays: when
                // it comes, the re-read finds the stored truth and arms that (see heal).
                if (existing.record().version() == record.version()
                    || !entry.fireAt.isBefore(existing.fireAt)) {
                  return existing;
                }
                existing.cancel();
              }
              return entry;
            });
    if (current == entry) {
      scheduleWake(entry);
    }
  }

  private void scheduleWake(Armed entry) {
    Duration delay = Duration.between(clock.instant(), entry.fireAt);
    entry.setHandle(
        scheduler.schedule(
            guarded(entry.record.id(), () -> wake(entry)),
            delay.isNegative() ? Duration.ZERO : delay));
  }

  private void disarm(String id) {
    Armed removed = armed.remove(id);
    if (removed != null) {
      removed.cancel();
    }
    unbound.remove(id);
  }

  /** Runs on the scheduler thread: hands a timer whose instant has come to a worker. */
  private void wake(Armed a) {
    String id = a.record.id();
    if (armed.get(id) != a || state != State.STARTED) {
      return;
    }
    if (clock.instant().isBefore(a.fireAt)) {
      // Early wake-up (the wall clock moved back, or the delay was rounded): wait the rest.
      scheduleWake(a);
      return;
    }
    // Running before unarmed: a load in between must see the id in one of the two maps, or it
    // could arm the same version again. Registered before the re-read, so a cancel that commits
    // after the re-read finds the run to invalidate.
    Run run = running.begin(a.record);
    if (!armed.remove(id, a)) {
      running.end(run);
      return;
    }
    ready.add(run);
    if (verifying.compareAndSet(false, true)) {
      try {
        io.execute(guarded("verify", this::verifyReady));
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
    if (state == State.CLOSED) {
      batch.forEach(running::end);
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
        retryLater(run, 1, () -> fireAgain(run));
      }
      return;
    }
    Instant readAt = clock.instant();
    for (Run run : batch) {
      TimerRecord stored = current.get(run.id());
      try {
        workers.execute(guarded(run.id(), () -> fire(run, stored, readAt)));
      } catch (RejectedExecutionException e) {
        running.end(run);
      }
    }
  }

  private void park(TimerRecord record) {
    if (unbound.put(record.id(), record) == null) {
      log.warn(
          "Timer '{}' has callback type '{}' with no registered factory; it is kept and fires once"
              + " the type is registered",
          record.id(),
          record.callbackType());
      listener.onUnknownCallbackType(record);
      ownership.giveUp(List.of(record.id()));
    }
    // The type may have been registered between the check and the put.
    if (registry.contains(record.callbackType()) && unbound.remove(record.id(), record)) {
      armIfInWindow(record);
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
      armIfInWindow(stored);
    }
  }

  /**
   * Runs on a worker: runs the callback of a verified timer and writes the outcome. {@code stored}
   * is the record as re-read at {@code readAt}, or null when it is gone (or, in multi-node mode, no
   * longer held by this node).
   */
  private void fire(Run run, TimerRecord stored, Instant readAt) {
    String id = run.id();
    boolean outcomePending = false;
    try {
      if (state == State.CLOSED) {
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
        complete(
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
        park(record);
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
        quarantine(run, record, "cannot bind callback", e, firedAt);
        return;
      }
      Gate gate = passGate(run, readAt);
      if (gate == Gate.RETRY) {
        outcomePending = true;
        retryLater(run, 1, () -> fireAgain(run));
        return;
      }
      if (gate == Gate.CLOSED) {
        return;
      }
      TimerContext context =
          new TimerContext(record, record.nextFireAt(), firedAt, record.attempt() + 1);
      Throwable failure = null;
      running.runningOnThisThread(run);
      CallbackWatch watch = watch(record);
      try {
        callback.run(context);
      } catch (Throwable t) {
        failure = t;
      } finally {
        running.runningOnThisThread(null);
        if (watch.stop()) {
          failure =
              new TimeoutException(
                  "the callback ran longer than its timeout of "
                      + watch.timeout()
                      + " and was interrupted");
        }
      }
      outcomePending = true;
      if (failure == null) {
        succeeded(run, record, firedAt);
      } else {
        failed(run, record, failure);
      }
    } finally {
      if (!outcomePending) {
        running.end(run);
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
    running.end(run);
    arm(run.armed(), clock.instant());
  }

  private void succeeded(Run run, TimerRecord record, Instant firedAt) {
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
      next = nextOccurrence(record, record.nextFireAt(), firedAt);
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
    TimerRecord advanced = record.rescheduled(next.get(), 0, null, record.nextFireAt(), now);
    advance(run, advanced, () -> listener.onFired(record, reported));
  }

  private void failed(Run run, TimerRecord record, Throwable error) {
    failures.incrementAndGet();
    Instant now = clock.instant();
    int failedAttempts = record.attempt() + 1;
    RetryPolicy policy = retryPolicy(record);
    String reason = describe(error);
    if (policy.allowsRetryAfter(failedAttempts)) {
      Instant retryAt = now.plus(policy.backoff(failedAttempts, random.getAsDouble()));
      // The message may quote params or a participant id: class above DEBUG, message below.
      log.warn(
          "Timer '{}' ({}) failed attempt {} of {}; retrying at {}: {}",
          record.id(),
          record.callbackType(),
          failedAttempts,
          policy.maxAttempts(),
          retryAt,
          error.getClass().getName());
      SensitiveLog.debug("Timer '{}' failure", record.id(), error);
      TimerRecord retry =
          record.rescheduled(retryAt, failedAttempts, reason, record.lastFiredAt(), now);
      advance(run, retry, () -> listener.onFailed(record, error, retryAt));
      return;
    }
    log.warn(
        "Timer '{}' ({}) failed its last attempt ({}): {}",
        record.id(),
        record.callbackType(),
        failedAttempts,
        error.getClass().getName());
    SensitiveLog.debug("Timer '{}' failure", record.id(), error);
    Optional<Instant> next = Optional.empty();
    if (record.kind() == TimerKind.RECURRING) {
      try {
        next = nextOccurrence(record, record.nextFireAt(), now);
      } catch (RuntimeException e) {
        quarantine(run, record, "cannot compute the next occurrence", e, now);
        return;
      }
    }
    if (next.isEmpty()) {
      TimerRecord dead = record.failed(failedAttempts, reason, now);
      complete(run, new Write.Update(dead, record.version()), ok -> listener.onDead(record, error));
    } else {
      TimerRecord moved = record.rescheduled(next.get(), 0, reason, record.lastFiredAt(), now);
      advance(run, moved, () -> listener.onDead(record, error));
    }
  }

  /**
   * Stores {@code record} as QUARANTINED with {@code reason}: it cannot run as it is, and running
   * it again at every load would not help. The reason is stored beside the params (same data); the
   * log line names only the class of the cause.
   */
  private void quarantine(Run run, TimerRecord record, String why, Throwable cause, Instant now) {
    String reason = why + ": " + describe(cause);
    log.warn(
        "Timer '{}' ({}) quarantined, {}: {}",
        record.id(),
        record.callbackType(),
        why,
        cause.getClass().getName());
    SensitiveLog.debug("Timer '{}' quarantined", record.id(), cause);
    TimerRecord quarantined = record.withStatus(TimerStatus.QUARANTINED, reason, now);
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
    complete(
        run,
        new Write.Update(next, run.version()),
        updated -> {
          report.run();
          if (updated) {
            armIfInWindow(next);
          } else {
            log.debug(
                "Timer '{}' was cancelled or replaced while running; not advancing", run.id());
          }
        });
  }

  /**
   * The occurrence after {@code due}, or empty when the schedule has no more. Throws when the
   * schedule cannot be evaluated (a hand-edited row); callers store that as QUARANTINED.
   */
  private Optional<Instant> nextOccurrence(TimerRecord record, Instant due, Instant now) {
    Instant from = overduePolicy(record) == OverduePolicy.FIRE_NOW || due.isAfter(now) ? due : now;
    return record.schedule().next(from);
  }

  /**
   * Writes the outcome of a run. The run stays registered until the write succeeded, so the loader
   * does not arm the old version again; a failed write is retried with backoff while the failure is
   * transient. A write the store refuses for good is replaced by storing the timer as QUARANTINED
   * with the reason, so the callback does not run again at every load.
   */
  private void complete(Run run, Write write, Consumer<Boolean> after) {
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
            running.end(run);
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
      running.end(run);
      return;
    }
    quarantine(run, run.armed(), "the store refused the outcome of a run", error, clock.instant());
  }

  private void retryLater(Run run, int attempt, Runnable retry) {
    if (state == State.CLOSED) {
      // The record keeps its old state in the store; it fires again after a restart.
      running.end(run);
      return;
    }
    long millis = Math.min(MAX_STORE_RETRY.toMillis(), 100L << Math.min(attempt - 1, 20));
    try {
      scheduler.schedule(
          guarded(
              run.id(),
              () -> {
                if (state == State.CLOSED) {
                  running.end(run);
                } else {
                  execute(run.id(), retry);
                }
              }),
          Duration.ofMillis(millis));
    } catch (RejectedExecutionException e) {
      running.end(run);
    }
  }

  private void scheduledCleanup() {
    if (state != State.STARTED) {
      return;
    }
    execute(
        "cleanup",
        () -> {
          try {
            cleanup();
          } catch (RuntimeException e) {
            listener.onStoreError("cleanup", e);
            log.warn("Cleanup failed; trying again next interval: {}", e.toString());
          }
          synchronized (lifecycle) {
            if (state == State.STARTED) {
              cleanupTask =
                  scheduler.schedule(
                      guarded("cleanup", this::scheduledCleanup), config.cleanupInterval());
            }
          }
        });
  }

  /** Another node inserted a timer: claim soon instead of at the next poll. */
  private void requestLoad() {
    if (state != State.STARTED || !loadRequested.compareAndSet(false, true)) {
      return;
    }
    scheduler.schedule(
        guarded(
            "load",
            () -> {
              loadRequested.set(false);
              if (state == State.STARTED) {
                execute(
                    "load",
                    () -> {
                      try {
                        load(false);
                      } catch (RuntimeException e) {
                        listener.onStoreError("claimDue", e);
                        log.warn("Claiming due timers failed: {}", e.toString());
                      }
                    });
              }
            }),
        Duration.ZERO);
  }

  /**
   * Renews the leases of what this node holds; disarms what it lost to other nodes. Runs on {@link
   * #renewals}, not on the workers: a renewal queued behind busy callbacks would let the leases of
   * the very timers waiting for a worker expire.
   */
  private void scheduledRenew() {
    if (state != State.STARTED) {
      return;
    }
    executeRenewal(
        () -> {
          Set<String> held = new HashSet<>(armed.keySet());
          held.addAll(running.ids());
          try {
            Set<String> lost = ownership.renew(held);
            for (String id : lost) {
              Armed removed = armed.remove(id);
              if (removed != null) {
                removed.cancel();
                log.info("Timer '{}' is no longer held by this node; disarmed", id);
              }
            }
          } catch (RuntimeException e) {
            listener.onStoreError("renewLeases", e);
            log.warn(
                "Renewing leases failed; timers are re-checked before they fire: {}", e.toString());
          }
          synchronized (lifecycle) {
            if (state == State.STARTED) {
              renewTask =
                  scheduler.schedule(
                      guarded("renew", this::scheduledRenew), ownership.renewInterval());
            }
          }
        });
  }

  private void executeRenewal(Runnable renewal) {
    try {
      renewals.execute(guarded("renew", renewal));
    } catch (RejectedExecutionException e) {
      log.debug("Not renewing leases: the renewal thread is shut down");
    }
  }

  // --- guards ------------------------------------------------------------------------------

  /** Runs engine work (store I/O) off the scheduler thread, never behind callbacks. */
  private void execute(String what, Runnable task) {
    try {
      io.execute(guarded(what, task));
    } catch (RejectedExecutionException e) {
      log.debug("Not running {}: workers are shut down", what);
    }
  }

  /** User code and store failures can never kill an engine thread. */
  private static Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        log.error("Persistent Timers: unexpected failure in {}", what, t);
      }
    };
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return message == null
        ? error.getClass().getName()
        : error.getClass().getName() + ": " + message;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
