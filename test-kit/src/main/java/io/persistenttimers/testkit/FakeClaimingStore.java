package io.persistenttimers.testkit;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link FakeStore} with leases, for engine tests of multi-node mode: the smallest faithful {@link
 * ClaimingStore}, judging leases by its own clock as PostgreSQL judges them by {@code now()}. A
 * taken-over timer gets a new version. {@link #failLeaseUpdates} makes claims and renewals throw,
 * as statements that time out would; {@link #claimLimits} records the limit of every claim.
 */
public final class FakeClaimingStore implements ClaimingStore {
  /** Who holds a timer, and until when by the store's clock. */
  public record Lease(String owner, Instant until) {}

  private final FakeStore rows = new FakeStore();
  private final InstantSource clock;
  private final Map<String, Lease> leases = new HashMap<>();
  private final List<Integer> claimLimits = new ArrayList<>();

  /** Engines holding this store: -1 for one single-node engine, else how many multi-node ones. */
  private int engines;

  private volatile boolean failLeaseUpdates;

  public FakeClaimingStore(InstantSource clock) {
    this.clock = clock;
  }

  /** While on, {@link #claimDue} and {@link #renewLeases} throw; giving leases back still works. */
  public void failLeaseUpdates(boolean on) {
    failLeaseUpdates = on;
  }

  /** The lease on {@code id}, live or not, if anyone holds one. */
  public synchronized Optional<Lease> lease(String id) {
    return Optional.ofNullable(leases.get(id));
  }

  /** The limit of every {@link #claimDue} call so far, in order. */
  public synchronized List<Integer> claimLimits() {
    return List.copyOf(claimLimits);
  }

  // --- leases --------------------------------------------------------------------------------

  @Override
  public synchronized List<TimerRecord> claimDue(
      String node, Instant before, int limit, Duration lease) {
    claimLimits.add(limit);
    if (failLeaseUpdates) {
      throw new StoreException("injected failure: claimDue");
    }
    Instant now = clock.instant();
    List<TimerRecord> claimed = new ArrayList<>();
    for (TimerRecord r : rows.findDue(before, Integer.MAX_VALUE)) {
      if (claimed.size() == limit) {
        break;
      }
      Lease current = leases.get(r.id());
      if (current != null && !current.owner().equals(node) && !current.until().isBefore(now)) {
        continue;
      }
      TimerRecord record = r;
      if (current != null && !current.owner().equals(node)) {
        // Taken from another node: a new version fences the old owner out.
        record =
            Records.rescheduled(
                r, r.nextFireAt(), r.attempt(), r.lastError(), r.lastFiredAt(), now);
        rows.update(record, r.version());
      }
      leases.put(r.id(), new Lease(node, now.plus(lease)));
      claimed.add(record);
    }
    return claimed;
  }

  @Override
  public synchronized Set<String> renewLeases(String node, Collection<String> ids, Duration lease) {
    if (failLeaseUpdates) {
      throw new StoreException("injected failure: renewLeases");
    }
    Set<String> kept = new HashSet<>();
    for (String id : ids) {
      Lease current = leases.get(id);
      if (current != null && current.owner().equals(node)) {
        leases.put(id, new Lease(node, clock.instant().plus(lease)));
        kept.add(id);
      }
    }
    return kept;
  }

  @Override
  public synchronized Optional<TimerRecord> getIfOwned(String id, String node) {
    Lease current = leases.get(id);
    if (current == null
        || !current.owner().equals(node)
        || !current.until().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return rows.get(id);
  }

  @Override
  public synchronized int releaseLeases(String node) {
    int before = leases.size();
    leases.values().removeIf(l -> l.owner().equals(node));
    return before - leases.size();
  }

  @Override
  public synchronized int releaseLeases(String node, Collection<String> ids) {
    int released = 0;
    for (String id : ids) {
      Lease current = leases.get(id);
      if (current != null && current.owner().equals(node)) {
        leases.remove(id);
        released++;
      }
    }
    return released;
  }

  // --- the plain store ------------------------------------------------------------------------

  @Override
  public synchronized boolean insert(TimerRecord record) {
    return rows.insert(record);
  }

  @Override
  public synchronized Optional<TimerRecord> get(String id) {
    return rows.get(id);
  }

  @Override
  public synchronized List<TimerRecord> list(TimerQuery query) {
    return rows.list(query);
  }

  @Override
  public synchronized long count(TimerQuery query) {
    return rows.count(query);
  }

  @Override
  public synchronized List<TimerRecord> findDue(Instant before, int limit) {
    return rows.findDue(before, limit);
  }

  @Override
  public synchronized boolean update(TimerRecord next, long expectedVersion) {
    return rows.update(next, expectedVersion);
  }

  @Override
  public synchronized boolean delete(String id, long expectedVersion) {
    return forget(id, rows.delete(id, expectedVersion));
  }

  @Override
  public synchronized Optional<TimerRecord> delete(String id) {
    Optional<TimerRecord> deleted = rows.delete(id);
    forget(id, deleted.isPresent());
    return deleted;
  }

  /** One lock for the whole batch makes it atomic. */
  @Override
  public synchronized List<Boolean> writeAll(List<Write> writes) {
    return ClaimingStore.super.writeAll(writes);
  }

  @Override
  public synchronized List<String> deleteByParticipant(String participantId, String flowType) {
    List<String> ids = rows.deleteByParticipant(participantId, flowType);
    ids.forEach(leases::remove);
    return ids;
  }

  @Override
  public synchronized int deleteExpired(Instant now) {
    int deleted = rows.deleteExpired(now);
    dropLeasesOfDeletedRows();
    return deleted;
  }

  @Override
  public synchronized int deleteFailedBefore(Instant cutoff) {
    int deleted = rows.deleteFailedBefore(cutoff);
    dropLeasesOfDeletedRows();
    return deleted;
  }

  private boolean forget(String id, boolean deleted) {
    if (deleted) {
      leases.remove(id);
    }
    return deleted;
  }

  private void dropLeasesOfDeletedRows() {
    leases.keySet().removeIf(id -> rows.get(id).isEmpty());
  }

  /** As the PostgreSQL store: single-node exclusive, multi-node shared, never mixed. */
  @Override
  public synchronized EngineLock lockForEngine(boolean multiNode) {
    if (engines == -1 || (!multiNode && engines > 0)) {
      throw new StoreInUseException(
          "another Persistent Timers engine is already running on this FakeClaimingStore ("
              + (engines == -1 ? "single-node" : "multi-node")
              + " mode); close it, or run every engine in multi-node mode");
    }
    engines = multiNode ? engines + 1 : -1;
    java.util.concurrent.atomic.AtomicBoolean open =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        synchronized (this) {
          engines = multiNode ? engines - 1 : 0;
        }
      }
    };
  }
}
