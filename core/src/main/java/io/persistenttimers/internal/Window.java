package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of the store held in memory: every ACTIVE timer due before {@link #loadTarget} is
 * <em>armed</em> — a task on the {@link DelayScheduler} at its due instant. Three structures
 * describe a timer's place here, keyed by id: {@code armed} (waiting for its instant), {@link
 * #running} (woken, outcome not yet written) and {@code unbound} (its callback type is not
 * registered). Nothing is armed while the same version is running.
 *
 * <p>Random versions (see {@link TimerVersions}) say nothing about which of two records is newer,
 * so arming keeps the earlier wake-up of two versions; a run that re-reads its timer and finds
 * another active version arms that one, so the stored truth is never left unarmed.
 *
 * <p>When a timer's instant comes, the window registers its run and hands it on ({@link #onDue}).
 */
final class Window {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");

  /**
   * A timer held in memory until its instant. The wake-up task is scheduled only after the entry is
   * in {@link #armed}: a zero delay can run the task at once, and it must find its entry.
   */
  private static final class Armed {
    final TimerRecord record;
    final Instant fireAt;
    final Read read;
    private DelayScheduler.Cancellable handle;
    private boolean cancelled;

    Armed(TimerRecord record, Instant fireAt, Read read) {
      this.record = record;
      this.fireAt = fireAt;
      this.read = read;
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

  /**
   * Where an armed record came from, when it was read from the store (or written there by this
   * engine) just before: the instant of that read and the {@link Stops} counter when it was sent. A
   * run woken at most {@link Runner#FRESH_READ} after such a read, with no stop of its timer and no
   * end of a run of its version counted since, needs no re-read of its own: the record is what the
   * store held that recently, and a later local cancel invalidates the run (see {@link Run}).
   * Recovery, claims and catch-up fire in one round trip fewer that way.
   */
  record Read(Instant at, long stops) {}

  private final Stops stops;

  private final ConcurrentHashMap<String, Armed> armed = new ConcurrentHashMap<>();
  private final RunningTimers running;
  private final ConcurrentHashMap<String, TimerRecord> unbound = new ConcurrentHashMap<>();
  private final InstantSource clock;
  private final DelayScheduler scheduler;
  private final CallbackRegistry registry;
  private final TimerListener listener;
  private final Ownership ownership;
  private final BooleanSupplier started;

  /** Timers due before this instant are armed; published before each load queries. */
  private volatile Instant loadTarget = Instant.EPOCH;

  private volatile BiConsumer<Run, Instant> onDue = (run, readAt) -> {};

  Window(
      InstantSource clock,
      DelayScheduler scheduler,
      CallbackRegistry registry,
      TimerListener listener,
      Ownership ownership,
      BooleanSupplier started) {
    this.clock = clock;
    this.stops = new Stops(clock);
    this.running = new RunningTimers(stops);
    this.scheduler = scheduler;
    this.registry = registry;
    this.listener = listener;
    this.ownership = ownership;
    this.started = started;
  }

  /**
   * Where runs go when their instant came, with the instant of a fresh read of their record (null
   * when it must be re-read).
   */
  void onDue(BiConsumer<Run, Instant> onDue) {
    this.onDue = onDue;
  }

  RunningTimers running() {
    return running;
  }

  /**
   * Moves the window's end to {@code target} (never back). Done before a load queries, so a record
   * committed concurrently is either seen by the query or armed by its writer — never neither.
   */
  void extendTo(Instant target) {
    if (target.isAfter(loadTarget)) {
      loadTarget = target;
    }
  }

  /** Whether a loaded record is already here: running, waiting for its type, or armed as it is. */
  boolean holds(TimerRecord record) {
    String id = record.id();
    if (running.isRunning(id, record.version()) || unbound.containsKey(id)) {
      return true;
    }
    Armed current = armed.get(id);
    return current != null && current.record.version() == record.version();
  }

  boolean isUnbound(String id) {
    return unbound.containsKey(id);
  }

  /** Arms {@code record} when it is active, due inside the window and its type is registered. */
  void armIfInWindow(TimerRecord record) {
    armIfInWindow(record, null);
  }

  /**
   * {@link #armIfInWindow(TimerRecord)} of a record {@code read} from the store (null: unknown).
   */
  void armIfInWindow(TimerRecord record, Read read) {
    if (!started.getAsBoolean() || record.status() != TimerStatus.ACTIVE) {
      return;
    }
    if (!record.nextFireAt().isBefore(loadTarget)) {
      return;
    }
    if (!registry.contains(record.callbackType())) {
      park(record);
      return;
    }
    arm(record, record.nextFireAt(), read);
  }

  /**
   * A read of the store starts now: the {@link Read} to arm its records with. Taken before the
   * query is sent, so the read is no newer than it says and any stop that may have missed it
   * counts.
   */
  Read readStarting() {
    long count = stops.now();
    return new Read(clock.instant(), count);
  }

  /** Arms {@code record} to wake at {@code fireAt} (its due time, or a slot for an overdue one). */
  void arm(TimerRecord record, Instant fireAt) {
    arm(record, fireAt, null);
  }

  /** {@link #arm(TimerRecord, Instant)} of a record {@code read} from the store (null: unknown). */
  void arm(TimerRecord record, Instant fireAt, Read read) {
    if (!started.getAsBoolean()) {
      return;
    }
    Armed entry = new Armed(record, fireAt, read);
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
                if (existing.record.version() == record.version()
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

  void disarm(String id) {
    Armed removed = armed.remove(id);
    if (removed != null) {
      removed.cancel();
    }
    unbound.remove(id);
  }

  /**
   * After a cancel or replace of {@code id} committed: disarms it, and makes every run of it that
   * has not started re-read the store before it may start (see {@link Run}). This is what makes
   * cancel final in this process.
   */
  void stop(String id) {
    stops.stopped(id);
    disarm(id);
    running.invalidate(id);
  }

  /** A timer whose callback type is not registered: kept aside until the type is registered. */
  void park(TimerRecord record) {
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

  /** Takes out the timers that waited for {@code callbackType}, now registered. */
  List<TimerRecord> unparkType(String callbackType) {
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
    return waiting;
  }

  /** The ids this engine holds: armed or running. */
  Set<String> held() {
    Set<String> held = new HashSet<>(armed.keySet());
    held.addAll(running.ids());
    return held;
  }

  /** Another node took {@code id}: disarm it here. */
  void lost(String id) {
    stops.stopped(id);
    Armed removed = armed.remove(id);
    if (removed != null) {
      removed.cancel();
      log.info("Timer '{}' is no longer held by this node; disarmed", id);
    }
  }

  int armedCount() {
    return armed.size();
  }

  int unboundCount() {
    return unbound.size();
  }

  /** How long the earliest armed timer is overdue at {@code now}; zero when none is. */
  Duration lag(Instant now) {
    Instant earliest = null;
    for (Armed a : armed.values()) {
      if (earliest == null || a.record.nextFireAt().isBefore(earliest)) {
        earliest = a.record.nextFireAt();
      }
    }
    return earliest != null && earliest.isBefore(now)
        ? Duration.between(earliest, now)
        : Duration.ZERO;
  }

  /** How many armed timers are due at {@code now} or earlier and have not started yet. */
  int overdueCount(Instant now) {
    int overdue = 0;
    for (Armed a : armed.values()) {
      if (!a.record.nextFireAt().isAfter(now)) {
        overdue++;
      }
    }
    return overdue;
  }

  /** Forgets every armed and parked timer (stop, or a failed start). */
  void clear() {
    armed.values().forEach(Armed::cancel);
    armed.clear();
    unbound.clear();
  }

  private void scheduleWake(Armed entry) {
    Duration delay = Duration.between(clock.instant(), entry.fireAt);
    entry.setHandle(
        scheduler.schedule(
            Guarded.guarded(entry.record.id(), () -> wake(entry)),
            delay.isNegative() ? Duration.ZERO : delay));
  }

  /** Runs on the scheduler thread: hands a timer whose instant has come on. */
  private void wake(Armed a) {
    String id = a.record.id();
    if (armed.get(id) != a || !started.getAsBoolean()) {
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
    // After the run is registered: a stop counted later finds the run and invalidates it.
    Read read = a.read;
    boolean fresh =
        read != null
            && !stops.changedSince(read.stops(), id, a.record.version())
            && !clock.instant().isAfter(read.at().plus(Runner.FRESH_READ));
    onDue.accept(run, fresh ? read.at() : null);
  }
}
