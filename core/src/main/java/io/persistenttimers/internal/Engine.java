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
 * <p>Three maps describe a timer's place in memory, keyed by id: {@link #armed} (waiting for its
 * instant), {@link #running} (handed to a worker, outcome not yet written) and {@link #unbound}
 * (its callback type is not registered). Arming keeps the higher version, so a late arm of an old
 * version can never displace a newer one, and nothing is armed while the same id is running.
 *
 * <p>Every state change in the store is a compare-and-set on the version the engine read. Before a
 * callback runs, the engine re-reads the record and runs it only if the version is still the armed
 * one and the record is ACTIVE: a timer cancelled or replaced by anyone (another thread, an
 * operator tool) after it was armed does not fire. A cancel that lands while the callback runs
 * deletes the record; the completion's compare-and-set then fails, so a recurring timer is not
 * resurrected by its advance.
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
 * <p>Threads: the scheduler thread only wakes timers and hands them to the workers; store I/O
 * (loads, verification, completion, cleanup) runs on the worker pool, so a slow store or a slow
 * callback never delays other timers' wake-ups. In multi-node mode lease renewal is the exception:
 * it has a thread of its own, so callbacks that keep every worker busy cannot let leases expire.
 * Every task is guarded: user code and store failures are caught, reported and the engine goes on.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");
  private static final Duration MAX_STORE_RETRY = Duration.ofSeconds(30);
  private static final int REPLACE_ATTEMPTS = 20;
  private static final int VERIFY_BATCH = 500;

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

  private final TimerListener listener;
  private final EngineConfig config;
  private final DoubleSupplier random;
  private final AutoCloseable ownedResources;
  private final GroupCommit writes;
  private final Ownership ownership;

  /** How far ahead timers are armed: the horizon, or the claim window in multi-node mode. */
  private final Duration window;

  private final AtomicBoolean loadRequested = new AtomicBoolean();

  /** Timers whose instant came, waiting to be verified against the store in one batch. */
  private final ConcurrentLinkedQueue<TimerRecord> ready = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean verifying = new AtomicBoolean();

  private final ConcurrentHashMap<String, Armed> armed = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> running = new ConcurrentHashMap<>();
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
      LongSupplier nanos) {
    this.store = store;
    this.registry = registry;
    this.clock = clock;
    this.scheduler = scheduler;
    this.renewals = renewals;
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
    try {
      // After the workers stopped: nothing of ours runs any more, so others may take over.
      ownership.release();
    } catch (RuntimeException e) {
      log.warn(
          "Could not give back leases; other nodes take over when they expire: {}", e.toString());
    }
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
            disarm(id);
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
    disarm(id);
    return deleted;
  }

  public List<String> cancelByParticipant(String participantId, String flowType) {
    checkOpen();
    List<String> ids = store.deleteByParticipant(participantId, flowType);
    ids.forEach(this::disarm);
    return ids;
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
    if (running.containsKey(id) || unbound.containsKey(id)) {
      return false;
    }
    Armed current = armed.get(id);
    if (current != null && current.record().version() >= record.version()) {
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
          Instant next = nextOccurrence(record, record.nextFireAt(), now);
          TimerRecord skipped =
              record.rescheduled(next, 0, record.lastError(), record.lastFiredAt(), now);
          if (store.update(skipped, record.version())) {
            listener.onDropped(
                record, "missed occurrences since " + record.nextFireAt() + " skipped");
            armIfInWindow(skipped);
          }
        }
      }
      case FIRE_NOW, COALESCE -> arm(record, nextSpreadSlot(now));
    }
    return true;
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
    Long runningVersion = running.get(record.id());
    if (runningVersion != null && runningVersion >= record.version()) {
      return;
    }
    Armed entry = new Armed(record, fireAt);
    Armed current =
        armed.compute(
            record.id(),
            (id, existing) -> {
              if (existing != null) {
                if (existing.record().version() >= record.version()) {
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
    long version = a.record.version();
    // Running before unarmed: a load in between must see the id in one of the two maps, or it
    // could arm the same version again.
    running.put(id, version);
    if (!armed.remove(id, a)) {
      running.remove(id, version);
      return;
    }
    ready.add(a.record);
    if (verifying.compareAndSet(false, true)) {
      try {
        workers.execute(guarded("verify", this::verifyReady));
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
      List<TimerRecord> batch = new ArrayList<>();
      TimerRecord next;
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

  private void verifyAndFire(List<TimerRecord> batch) {
    if (state == State.CLOSED) {
      batch.forEach(r -> running.remove(r.id(), r.version()));
      return;
    }
    Map<String, TimerRecord> current;
    try {
      if (batch.size() == 1) {
        TimerRecord only = batch.get(0);
        current = new HashMap<>();
        ownership.verify(only.id()).ifPresent(r -> current.put(r.id(), r));
      } else {
        current = ownership.verifyAll(batch.stream().map(TimerRecord::id).toList());
      }
    } catch (RuntimeException e) {
      listener.onStoreError("get", e);
      log.warn(
          "Store unavailable before firing {} timers; retrying: {}", batch.size(), e.toString());
      for (TimerRecord armedRecord : batch) {
        retryLater(armedRecord.id(), armedRecord.version(), 1, () -> fireAgain(armedRecord));
      }
      return;
    }
    for (TimerRecord armedRecord : batch) {
      TimerRecord stored = current.get(armedRecord.id());
      try {
        workers.execute(guarded(armedRecord.id(), () -> fire(armedRecord, stored)));
      } catch (RejectedExecutionException e) {
        running.remove(armedRecord.id(), armedRecord.version());
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

  /**
   * Runs on a worker: runs the callback of a verified timer and writes the outcome. {@code stored}
   * is the record as just re-read, or null when it is gone (or, in multi-node mode, no longer held
   * by this node).
   */
  private void fire(TimerRecord armedRecord, TimerRecord stored) {
    String id = armedRecord.id();
    long version = armedRecord.version();
    boolean outcomePending = false;
    try {
      if (state == State.CLOSED) {
        return;
      }
      if (stored == null || stored.version() != version || stored.status() != TimerStatus.ACTIVE) {
        log.debug("Timer '{}' changed since it was armed; not firing", id);
        return;
      }
      TimerRecord record = stored;
      Instant firedAt = clock.instant();
      if (record.isExpiredAt(firedAt)) {
        outcomePending = true;
        complete(
            record,
            new Write.Delete(id, version),
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
      } catch (Exception e) {
        outcomePending = true;
        quarantine(record, e, firedAt);
        return;
      }
      TimerContext context =
          new TimerContext(record, record.nextFireAt(), firedAt, record.attempt() + 1);
      // Multi-node: a lease too close to its end lets the timer go instead (it stays ACTIVE).
      if (!ownership.mayStart(record)) {
        return;
      }
      Throwable failure = null;
      try {
        callback.run(context);
      } catch (Throwable t) {
        failure = t;
      }
      outcomePending = true;
      if (failure == null) {
        succeeded(record, firedAt);
      } else {
        failed(record, failure);
      }
    } finally {
      if (!outcomePending) {
        running.remove(id, version);
      }
    }
  }

  private void fireAgain(TimerRecord armedRecord) {
    running.remove(armedRecord.id(), armedRecord.version());
    arm(armedRecord, clock.instant());
  }

  private void succeeded(TimerRecord record, Instant firedAt) {
    fired.incrementAndGet();
    Duration lateness = Duration.between(record.nextFireAt(), firedAt);
    Duration reported = lateness.isNegative() ? Duration.ZERO : lateness;
    if (record.kind() == TimerKind.ONCE) {
      complete(
          record,
          new Write.Delete(record.id(), record.version()),
          deleted -> listener.onFired(record, reported));
      return;
    }
    Instant now = clock.instant();
    Instant next = nextOccurrence(record, record.nextFireAt(), firedAt);
    TimerRecord advanced = record.rescheduled(next, 0, null, record.nextFireAt(), now);
    advance(record, advanced, () -> listener.onFired(record, reported));
  }

  private void failed(TimerRecord record, Throwable error) {
    failures.incrementAndGet();
    Instant now = clock.instant();
    int failedAttempts = record.attempt() + 1;
    RetryPolicy policy = retryPolicy(record);
    String reason = describe(error);
    if (policy.allowsRetryAfter(failedAttempts)) {
      Instant retryAt = now.plus(policy.backoff(failedAttempts, random.getAsDouble()));
      log.warn(
          "Timer '{}' ({}) failed attempt {} of {}; retrying at {}: {}",
          record.id(),
          record.callbackType(),
          failedAttempts,
          policy.maxAttempts(),
          retryAt,
          reason);
      log.debug("Timer '{}' failure", record.id(), error);
      TimerRecord retry =
          record.rescheduled(retryAt, failedAttempts, reason, record.lastFiredAt(), now);
      advance(record, retry, () -> listener.onFailed(record, error, retryAt));
      return;
    }
    log.warn(
        "Timer '{}' ({}) failed its last attempt ({}): {}",
        record.id(),
        record.callbackType(),
        failedAttempts,
        reason);
    log.debug("Timer '{}' failure", record.id(), error);
    if (record.kind() == TimerKind.ONCE) {
      TimerRecord dead = record.failed(failedAttempts, reason, now);
      complete(
          record, new Write.Update(dead, record.version()), ok -> listener.onDead(record, error));
    } else {
      Instant next = nextOccurrence(record, record.nextFireAt(), now);
      TimerRecord moved = record.rescheduled(next, 0, reason, record.lastFiredAt(), now);
      advance(record, moved, () -> listener.onDead(record, error));
    }
  }

  private void quarantine(TimerRecord record, Exception cause, Instant now) {
    // The reason is stored beside the params (same data); the log line names only the class.
    String reason = "cannot bind callback: " + describe(cause);
    log.warn(
        "Timer '{}' ({}) quarantined: {}",
        record.id(),
        record.callbackType(),
        cause.getClass().getName());
    TimerRecord quarantined = record.withStatus(TimerStatus.QUARANTINED, reason, now);
    complete(
        record,
        new Write.Update(quarantined, record.version()),
        ok -> {
          if (ok) {
            listener.onQuarantined(quarantined, reason);
          }
        });
  }

  /** Writes the next state of a timer and arms it when the write won. */
  private void advance(TimerRecord record, TimerRecord next, Runnable report) {
    complete(
        record,
        new Write.Update(next, record.version()),
        updated -> {
          report.run();
          if (updated) {
            armIfInWindow(next);
          } else {
            log.debug(
                "Timer '{}' was cancelled or replaced while running; not advancing", record.id());
          }
        });
  }

  private Instant nextOccurrence(TimerRecord record, Instant due, Instant now) {
    Instant from = overduePolicy(record) == OverduePolicy.FIRE_NOW || due.isAfter(now) ? due : now;
    return record
        .schedule()
        .next(from)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "schedule of timer '" + record.id() + "' has no next occurrence"));
  }

  /**
   * Writes the outcome of a run. The id stays in {@link #running} until the write succeeded, so the
   * loader does not arm the old version again; a failed write is retried with backoff.
   */
  private void complete(TimerRecord record, Write write, Consumer<Boolean> after) {
    completeAttempt(record, write, after, 1);
  }

  private void completeAttempt(
      TimerRecord record, Write write, Consumer<Boolean> after, int attempt) {
    // Not waiting for the commit: the worker moves on, and completions of many timers share one
    // transaction. The outcome runs once the write is durable.
    writes.submit(
        write,
        (result, error) -> {
          if (error != null) {
            listener.onStoreError("complete", error);
            log.warn(
                "Timer '{}': writing the outcome failed (attempt {}); retrying: {}",
                record.id(),
                attempt,
                error.toString());
            retryLater(
                record.id(),
                record.version(),
                attempt,
                () -> completeAttempt(record, write, after, attempt + 1));
            return;
          }
          try {
            after.accept(result);
          } finally {
            running.remove(record.id(), record.version());
          }
        });
  }

  private void retryLater(String id, long version, int attempt, Runnable retry) {
    if (state == State.CLOSED) {
      // The record keeps its old state in the store; it fires again after a restart.
      running.remove(id, version);
      return;
    }
    long millis = Math.min(MAX_STORE_RETRY.toMillis(), 100L << Math.min(attempt - 1, 20));
    try {
      scheduler.schedule(
          guarded(
              id,
              () -> {
                if (state == State.CLOSED) {
                  running.remove(id, version);
                } else {
                  execute(id, retry);
                }
              }),
          Duration.ofMillis(millis));
    } catch (RejectedExecutionException e) {
      running.remove(id, version);
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
          held.addAll(running.keySet());
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

  private void execute(String what, Runnable task) {
    try {
      workers.execute(guarded(what, task));
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
