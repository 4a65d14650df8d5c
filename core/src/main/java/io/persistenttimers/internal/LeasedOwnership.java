package io.persistenttimers.internal;

import io.persistenttimers.MultiNode;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.ClaimingStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several engines share one store; each fires only the timers it holds a live lease on.
 *
 * <h2>Leases, as this node counts them</h2>
 *
 * <p>The store judges leases by its own clock, which this node cannot read before every callback
 * without a round trip. So it keeps, per timer it holds, the moment (by its own ticker) it
 * <em>sent</em> the claim or renewal that last extended the lease. The store set the lease to its
 * now plus the lease length while running that statement, after the send: the lease runs at least
 * until the send plus the lease length, as long as both clocks tick at the same rate (they differ
 * by parts per million, far inside the margin below).
 *
 * <p>A callback starts only while more than a third of its lease is left by that count ({@link
 * #mayStart}). Renewal runs every third of the lease on a thread of its own, so in a healthy node
 * about two thirds are always left and nothing is refused; once two thirds of a lease passed
 * without a renewal getting through, starts stop, a third of a lease before the store could give
 * the timer to another node. That third is the margin for what may come between the check and the
 * callback (a GC pause, a descheduled thread) and for a renewal that is merely slow. A node paused
 * for longer than that is what fencing is for: a timer taken over has a new version, so the paused
 * node can neither complete nor reschedule it.
 *
 * <p>A refused timer is given back (its owner cleared) so the next claim of any node takes it; if
 * the store cannot be reached, the lease runs out instead. Either way it stays ACTIVE and fires.
 *
 * <p>Two rules keep a node from holding more than it can start. A claim takes no more timers than
 * the workers can start within those two thirds of a lease ({@link #claimLimit}). And renewal runs
 * on its own thread, so it would keep the leases of a node whose workers are stuck (all inside hung
 * callbacks) forever: while the workers start nothing for two thirds of a lease although tasks
 * wait, only the leases of callbacks that already started are renewed, and the waiting timers'
 * leases run out so other nodes take them (this node's late start of one is refused).
 */
final class LeasedOwnership implements Ownership {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");

  /** A callback starts only while more than {@code lease / MARGIN_DIVISOR} of its lease is left. */
  static final int MARGIN_DIVISOR = 3;

  private final ClaimingStore store;
  private final MultiNode settings;
  private final WorkerLoad workers;
  private final LongSupplier nanos;
  private final long leaseNanos;

  /** How long a lease may have been running and a callback still start: two thirds of it. */
  private final long startableNanos;

  /** Per timer this node holds: the ticker reading when its lease was last extended (sent). */
  private final ConcurrentHashMap<String, Long> extendedAt = new ConcurrentHashMap<>();

  /** Held timers whose callback started (and may still run): renewed even when workers stall. */
  private final Set<String> started = ConcurrentHashMap.newKeySet();

  private volatile boolean stalled;

  private volatile boolean lastClaimFull;

  LeasedOwnership(ClaimingStore store, MultiNode settings, WorkerLoad workers, LongSupplier nanos) {
    this.store = store;
    this.settings = settings;
    this.workers = workers;
    this.nanos = nanos;
    this.leaseNanos = settings.lease().toNanos();
    this.startableNanos = leaseNanos - leaseNanos / MARGIN_DIVISOR;
  }

  @Override
  public List<TimerRecord> acquireDue(Instant now, EngineConfig config) {
    if (workers.stalled(startableNanos)) {
      // Workers that start nothing while tasks wait: a claim would only extend the leases of
      // timers this node cannot run (a re-claim extends its own), keeping them from other nodes.
      lastClaimFull = false;
      return List.of();
    }
    int limit = claimLimit();
    long sent = nanos.getAsLong();
    List<TimerRecord> claimed =
        store.claimDue(settings.nodeId(), now.plus(settings.claimAhead()), limit, settings.lease());
    for (TimerRecord record : claimed) {
      extended(record.id(), sent);
    }
    lastClaimFull = claimed.size() >= limit;
    return claimed;
  }

  /** A full claim may have left due timers behind: claim again once the runs drain. */
  @Override
  public boolean moreDue() {
    return lastClaimFull;
  }

  /**
   * How many timers one claim takes: no more than the workers can start while the lease is safe. A
   * claimed timer may start during two thirds of its lease ({@link #mayStart}); in that window the
   * workers start about {@code threads * window / callback duration} callbacks, less the tasks
   * already waiting or running on them ({@link WorkerLoad#startableWithin}). Until a callback has
   * been timed, one is assumed to take a poll interval (by then this node claims again, and a
   * callback that runs longer counts as soon as it does). At least one, so a node always makes
   * progress (a node whose workers are all stuck does not claim at all: see {@link #acquireDue}),
   * and at most {@code claimBatch}, so work spreads over the nodes. Quick callbacks leave it at
   * {@code claimBatch}.
   *
   * <p>The claim takes the earliest eligible timers, this node's own among them (a re-claim only
   * extends their lease), so what it already holds counts against the limit too: a node holds about
   * as many timers of its claim window as it can start. Timers due later than two thirds of a lease
   * ahead count as well, so a {@code claimAhead} beyond that arms fewer timers early on a busy
   * node.
   */
  int claimLimit() {
    long startable = workers.startableWithin(startableNanos, settings.pollInterval().toNanos());
    return (int) Math.max(1, Math.min(settings.claimBatch(), startable));
  }

  @Override
  public Duration loadInterval(EngineConfig config) {
    return settings.pollInterval();
  }

  @Override
  public Optional<TimerRecord> verify(String id) {
    return Optional.ofNullable(store.getAllIfOwned(List.of(id), settings.nodeId()).get(id));
  }

  /** An insert has no owner yet; arming it here could fire it beside the node that claims it. */
  @Override
  public boolean armsOwnInserts() {
    return false;
  }

  @Override
  public Duration renewInterval() {
    return settings.lease().dividedBy(3);
  }

  @Override
  public Set<String> renew(Collection<String> held) {
    long sent = nanos.getAsLong();
    if (held.isEmpty()) {
      forgetExpired(sent);
      return Set.of();
    }
    started.retainAll(held);
    Collection<String> renewing = held;
    boolean stalledNow = workers.stalled(startableNanos);
    if (stalledNow) {
      renewing = held.stream().filter(started::contains).toList();
      if (!stalled && renewing.size() < held.size()) {
        log.warn(
            "Workers started nothing for {} while tasks wait; renewing only the {} running"
                + " callbacks' leases, leaving {} waiting timers to other nodes",
            Duration.ofNanos(startableNanos),
            renewing.size(),
            held.size() - renewing.size());
      }
    }
    stalled = stalledNow;
    Set<String> kept =
        renewing.isEmpty()
            ? Set.of()
            : store.renewLeases(settings.nodeId(), renewing, settings.lease());
    for (String id : kept) {
      extended(id, sent);
    }
    Set<String> lost = new HashSet<>(renewing);
    lost.removeAll(kept);
    for (String id : lost) {
      // A claim sent after this renewal may have taken the timer back meanwhile: keep that one.
      extendedAt.computeIfPresent(id, (k, at) -> at - sent <= 0 ? null : at);
    }
    forgetExpired(sent);
    return lost;
  }

  @Override
  public boolean mayStart(TimerRecord record) {
    String id = record.id();
    Long at = extendedAt.get(id);
    long elapsed = at == null ? Long.MAX_VALUE : nanos.getAsLong() - at;
    if (elapsed < startableNanos) {
      started.add(id);
      workers.callbackStarting();
      return true;
    }
    log.debug(
        "Timer '{}' not started: {} of its lease ({}) may be left; giving it back",
        id,
        at == null ? "none" : Duration.ofNanos(Math.max(0, leaseNanos - elapsed)),
        settings.lease());
    if (at != null) {
      extendedAt.remove(id, at);
    }
    try {
      store.releaseLeases(settings.nodeId(), List.of(id));
    } catch (RuntimeException e) {
      log.debug("Could not give back timer '{}'; its lease runs out instead: {}", id, e.toString());
    }
    return false;
  }

  @Override
  public AutoCloseable listen(Runnable wakeUp) {
    return settings.notifications() ? store.listen(wakeUp) : () -> {};
  }

  @Override
  public void release() {
    extendedAt.clear();
    started.clear();
    store.releaseAllLeases(settings.nodeId());
  }

  @Override
  public void giveUp(Collection<String> ids) {
    if (!ids.isEmpty()) {
      ids.forEach(extendedAt::remove);
      started.removeAll(ids);
      store.releaseLeases(settings.nodeId(), ids);
    }
  }

  @Override
  public Map<String, TimerRecord> verifyAll(Collection<String> ids) {
    return store.getAllIfOwned(ids, settings.nodeId());
  }

  private void extended(String id, long sent) {
    extendedAt.merge(id, sent, (a, b) -> a - b >= 0 ? a : b);
  }

  /** Leases a whole lease old are gone by any count; their timers finished or were lost. */
  private void forgetExpired(long now) {
    extendedAt.values().removeIf(at -> now - at >= leaseNanos);
  }
}
