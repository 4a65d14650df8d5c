package io.persistenttimers.internal;

import io.persistenttimers.TimerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runs in this process, by timer id: from wake-up until the outcome is written. An id can have
 * two runs at once only when it was cancelled or replaced while its callback ran and the new timer
 * under the same id fell due before the old run's outcome was written.
 */
final class RunningTimers {
  private final Stops stops;
  private final ConcurrentHashMap<String, List<Run>> byId = new ConcurrentHashMap<>();
  private final ThreadLocal<Run> current = new ThreadLocal<>();

  RunningTimers(Stops stops) {
    this.stops = stops;
  }

  private final AtomicInteger count = new AtomicInteger();
  private volatile int lowWater = -1;
  private volatile Runnable onLow = () -> {};

  /**
   * Calls {@code action} whenever a run ends and at most {@code mark} runs are left: the workers
   * are about to run dry, so whatever feeds them should act now rather than at its next interval.
   */
  void whenAtMost(int mark, Runnable action) {
    this.onLow = action;
    this.lowWater = mark;
  }

  /** Registers a run of {@code record}; do this before the record is re-read for firing. */
  Run begin(TimerRecord record) {
    Run run = new Run(record);
    byId.compute(
        record.id(),
        (id, runs) -> {
          List<Run> next = runs == null ? new ArrayList<>(1) : new ArrayList<>(runs);
          next.add(run);
          return next;
        });
    count.incrementAndGet();
    return run;
  }

  /** The run is over: its outcome was written, or it will not run. Idempotent. */
  void end(Run run) {
    // Counted before the run leaves: a load that read the old record and arms it once the run is
    // gone finds the mark and re-reads (Window.Read).
    stops.ended(run.id(), run.version());
    boolean[] removed = new boolean[1];
    byId.computeIfPresent(
        run.id(),
        (id, runs) -> {
          List<Run> next = new ArrayList<>(runs);
          removed[0] = next.remove(run);
          return next.isEmpty() ? null : next;
        });
    run.end();
    if (removed[0] && count.decrementAndGet() <= lowWater) {
      onLow.run();
    }
  }

  /** Whether this exact version of the timer is being run (so it must not be armed again). */
  boolean isRunning(String id, long version) {
    List<Run> runs = byId.get(id);
    if (runs == null) {
      return false;
    }
    for (Run run : runs) {
      if (run.version() == version) {
        return true;
      }
    }
    return false;
  }

  /**
   * After a cancel or replace of {@code id} committed: every run of it that has not started must
   * re-read the store before it may start.
   *
   * @return true when a callback of this id was already in flight
   */
  boolean invalidate(String id) {
    List<Run> runs = byId.get(id);
    boolean inFlight = false;
    if (runs != null) {
      for (Run run : runs) {
        inFlight |= run.invalidate();
      }
    }
    return inFlight;
  }

  /** Whether a callback of {@code id} has started and its outcome is not written yet. */
  boolean inFlight(String id) {
    List<Run> runs = byId.get(id);
    return runs != null && runs.stream().anyMatch(Run::started);
  }

  /**
   * Waits until no callback of {@code id} is in flight in this process.
   *
   * @return false when the timeout passed first
   */
  boolean awaitIdle(String id, Duration timeout) throws InterruptedException {
    Run self = current.get();
    Checks.requireState(
        self == null || !self.id().equals(id),
        "awaitIdle('%s') was called from that timer's own callback; it would wait for itself",
        id);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Run> runs = byId.get(id);
      Run started =
          runs == null ? null : runs.stream().filter(Run::started).findFirst().orElse(null);
      if (started == null) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || !started.awaitEnd(left)) {
        return false;
      }
    }
  }

  /** Marks {@code run} as the one whose callback runs on this thread (null when it returned). */
  void runningOnThisThread(Run run) {
    if (run == null) {
      current.remove();
    } else {
      current.set(run);
    }
  }

  Set<String> ids() {
    return new HashSet<>(byId.keySet());
  }

  int size() {
    int size = 0;
    for (List<Run> runs : byId.values()) {
      size += runs.size();
    }
    return size;
  }

  /** Every registered run, for shutdown. */
  List<Run> all() {
    List<Run> all = new ArrayList<>();
    byId.values().forEach(all::addAll);
    return all;
  }
}
