package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the window forward: a load runs every load interval (half the horizon, or the poll interval
 * in multi-node mode) and brings every ACTIVE timer due before now plus the window's span into
 * memory, overdue ones per their {@link io.persistenttimers.OverduePolicy} (fired no faster than
 * {@code overdueFiresPerSecond}, so a restart does not stampede the host). The load publishes its
 * target <em>before</em> it queries, so a record committed concurrently is either seen by the query
 * or armed by its schedule call — never neither.
 */
final class Loader {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");

  /** After a failed load, the next try comes no later than this. */
  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);

  /** The first page of a load: small, so what is overdue starts firing after one short query. */
  static final int FIRST_PAGE = 128;

  /** Later pages grow fourfold up to this many rows. */
  static final int MAX_PAGE = 4096;

  private final Window window;
  private final Ownership ownership;
  private final Store store;
  private final CallbackRegistry registry;
  private final InstantSource clock;
  private final DelayScheduler scheduler;
  private final Executor io;
  private final TimerListener listener;
  private final EngineConfig config;
  private final TimerPolicies policies;
  private final BooleanSupplier started;

  /** How far ahead timers are armed: the horizon, or the claim window in multi-node mode. */
  private final Duration span;

  private final PeriodicTask loop;
  private final AtomicBoolean loadRequested = new AtomicBoolean();
  private Instant spreadCursor = Instant.EPOCH;

  Loader(
      Window window,
      Ownership ownership,
      Store store,
      CallbackRegistry registry,
      InstantSource clock,
      DelayScheduler scheduler,
      Executor io,
      TimerListener listener,
      EngineConfig config,
      TimerPolicies policies,
      Duration span,
      BooleanSupplier started) {
    this.window = window;
    this.ownership = ownership;
    this.store = store;
    this.registry = registry;
    this.clock = clock;
    this.scheduler = scheduler;
    this.io = io;
    this.listener = listener;
    this.config = config;
    this.policies = policies;
    this.span = span;
    this.started = started;
    this.loop = new PeriodicTask("load", scheduler, io, started, this::scheduledLoad);
  }

  Duration span() {
    return span;
  }

  /** Starts the periodic loads (the first load ran at start). */
  void startLoop() {
    loop.schedule(ownership.loadInterval(config));
  }

  void stopLoop() {
    loop.cancel();
  }

  private Duration scheduledLoad() {
    try {
      load(false);
      return ownership.loadInterval(config);
    } catch (RuntimeException e) {
      listener.onStoreError("findDue", e);
      log.warn("Loading due timers failed; retrying soon: {}", e.toString());
      Duration interval = ownership.loadInterval(config);
      return interval.compareTo(RETRY_AFTER_FAILURE) <= 0 ? interval : RETRY_AFTER_FAILURE;
    }
  }

  /**
   * The runs are about to drain: when the last claim was full (more may be due), claim again now
   * instead of at the next poll, so a backlog is worked off at the store's pace, not the poll's.
   */
  void runsDraining() {
    if (ownership.moreDue()) {
      requestLoad();
    }
  }

  /** Another node inserted a timer: claim soon instead of at the next poll. */
  void requestLoad() {
    if (!started.getAsBoolean() || !loadRequested.compareAndSet(false, true)) {
      return;
    }
    scheduler.schedule(
        Guarded.guarded(
            "load",
            () -> {
              loadRequested.set(false);
              if (started.getAsBoolean()) {
                Guarded.execute(
                    io,
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
   * Moves the window forward and brings what is due in it into memory; {@code recovering} at start.
   * Throws when the store fails.
   */
  void load(boolean recovering) {
    Instant now = clock.instant();
    Instant target = now.plus(span);
    window.extendTo(target);
    int loaded = 0;
    int overdue = 0;
    if (ownership instanceof SingleNode single) {
      // In pages, earliest first: the overdue timers of a restart start firing after one small
      // query instead of after the whole horizon was read and mapped.
      TimerQuery.Position after = null;
      int page = FIRST_PAGE;
      while (loaded < config.maxArmed()) {
        int limit = Math.min(page, config.maxArmed() - loaded);
        Window.Read read = window.readStarting();
        List<TimerRecord> due = single.page(now, config, after, limit);
        overdue += bring(due, now, recovering, read);
        loaded += due.size();
        if (due.size() < limit) {
          break;
        }
        after = TimerQuery.Position.of(due.get(due.size() - 1));
        page = Math.min(page * 4, MAX_PAGE);
      }
    } else {
      Window.Read read = window.readStarting();
      List<TimerRecord> due = ownership.acquireDue(now, config);
      overdue = bring(due, now, recovering, read);
      loaded = due.size();
    }
    if (recovering && loaded > 0) {
      log.info("Recovered {} timers due within {} ({} overdue)", loaded, span, overdue);
    } else {
      log.debug("Loaded {} timers due before {}", loaded, target);
    }
  }

  /** Brings loaded records into memory; returns how many were overdue. */
  private int bring(List<TimerRecord> due, Instant now, boolean recovering, Window.Read read) {
    int overdue = 0;
    List<String> cannotRun = new ArrayList<>();
    for (TimerRecord record : due) {
      if (window.isUnbound(record.id())) {
        cannotRun.add(record.id());
      } else if (consider(record, now, recovering, read)) {
        overdue++;
      }
    }
    if (!cannotRun.isEmpty()) {
      ownership.giveUp(cannotRun);
    }
    return overdue;
  }

  /**
   * Brings a loaded record into memory per the overdue policy; returns true when overdue. Armed
   * with its {@code read}, so what is due fires without being read once more.
   */
  private boolean consider(TimerRecord record, Instant now, boolean recovering, Window.Read read) {
    if (window.holds(record)) {
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
      window.park(record);
      return overdue;
    }
    if (!overdue) {
      window.arm(record, record.nextFireAt(), read);
      return false;
    }
    switch (policies.overdue(record)) {
      case DROP -> deleteUnfired(record, "overdue since " + record.nextFireAt() + " (DROP)");
      case SKIP -> {
        if (record.kind() == TimerKind.ONCE) {
          deleteUnfired(record, "overdue since " + record.nextFireAt() + " (SKIP)");
        } else {
          skip(record, now);
        }
      }
      case FIRE_NOW, COALESCE -> window.arm(record, nextSpreadSlot(now), read);
    }
    return true;
  }

  /** SKIP for a recurring timer: moves it to its next occurrence after now without running it. */
  private void skip(TimerRecord record, Instant now) {
    Optional<Instant> next;
    try {
      next = policies.nextOccurrence(record, record.nextFireAt(), now);
    } catch (RuntimeException e) {
      String reason = "cannot compute the next occurrence: " + Guarded.describe(e);
      TimerRecord quarantined =
          Transitions.withStatus(record, TimerStatus.QUARANTINED, reason, now);
      if (writeOne(Write.update(quarantined, record.version()))) {
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
        Transitions.rescheduled(
            record, next.get(), 0, record.lastError(), record.lastFiredAt(), now);
    if (writeOne(Write.update(skipped, record.version()))) {
      listener.onDropped(record, "missed occurrences since " + record.nextFireAt() + " skipped");
      window.armIfInWindow(skipped);
    }
  }

  private void deleteUnfired(TimerRecord record, String reason) {
    if (writeOne(Write.delete(record.id(), record.version()))) {
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

  /** One write on its own, outside the group commit: {@code writeAll} of one. */
  private boolean writeOne(Write write) {
    return store.writeAll(List.of(write)).get(0);
  }
}
