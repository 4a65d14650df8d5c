package io.persistenttimers.store.memory;

import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Store} held in memory, for tests and development.
 *
 * <p><b>Not durable:</b> every timer is lost when the process ends. Use the SQLite or PostgreSQL
 * store for anything that must survive a restart. Within one process it honours the whole store
 * contract, so a {@code PersistentTimer} closed and rebuilt over the same {@code MemoryStore}
 * recovers its timers.
 *
 * <p>One engine per instance: a second {@code PersistentTimer} started over the same {@code
 * MemoryStore} is refused until the first is closed (see {@link #lockForEngine}).
 *
 * <p>Thread-safe: every method holds one lock, so each call is atomic.
 */
public final class MemoryStore implements Store {

  private static final Comparator<TimerRecord> DUE_ORDER =
      Comparator.comparing(TimerRecord::nextFireAt).thenComparing(TimerRecord::id);

  private final Map<String, TimerRecord> byId = new HashMap<>();

  /** Active records in due order, so a due query does not scan everything. */
  private final TreeSet<TimerRecord> activeByDue = new TreeSet<>(DUE_ORDER);

  /** Whether an engine holds this store's lock: the storage is this instance, so is the lock. */
  private final AtomicBoolean engineRunning = new AtomicBoolean();

  @Override
  public synchronized Map<String, TimerRecord> getAll(Collection<String> ids) {
    Map<String, TimerRecord> found = new HashMap<>();
    for (String id : ids) {
      TimerRecord record = byId.get(id);
      if (record != null) {
        found.put(id, record);
      }
    }
    return found;
  }

  /** An ACTIVE query walks the due-ordered index and stops at its bound; others scan. */
  @Override
  public synchronized List<TimerRecord> list(TimerQuery query) {
    List<TimerRecord> result = new ArrayList<>();
    Iterable<TimerRecord> candidates =
        query.status() == TimerStatus.ACTIVE ? activeByDue : sortedMatching(query);
    for (TimerRecord record : candidates) {
      if (result.size() == query.limit()
          || (query.dueBefore() != null && !record.nextFireAt().isBefore(query.dueBefore()))) {
        break;
      }
      if (query.matches(record)) {
        result.add(record);
      }
    }
    return result;
  }

  @Override
  public synchronized long count(TimerQuery query) {
    TimerQuery counted = query.after(null);
    return byId.values().stream().filter(counted::matches).count();
  }

  @Override
  public synchronized java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query) {
    TimerQuery counted = query.after(null);
    java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
    for (TimerRecord r : byId.values()) {
      if (counted.matches(r)) {
        counts.merge(r.callbackType(), 1L, Long::sum);
      }
    }
    return counts;
  }

  /** One lock for the whole batch makes it atomic. */
  @Override
  public synchronized List<Boolean> writeAll(List<Write> writes) {
    List<Boolean> results = new ArrayList<>(writes.size());
    for (Write write : writes) {
      results.add(apply(write));
    }
    return results;
  }

  private boolean apply(Write write) {
    TimerRecord current = byId.get(write.id());
    if (write instanceof Write.Insert insert) {
      if (current != null) {
        return false;
      }
      put(insert.record());
      return true;
    }
    long expected =
        write instanceof Write.Update update
            ? update.expectedVersion()
            : ((Write.Delete) write).expectedVersion();
    if (current == null || current.version() != expected) {
      return false;
    }
    remove(current);
    if (write instanceof Write.Update update) {
      put(update.next());
    }
    return true;
  }

  @Override
  public synchronized List<String> remove(TimerQuery query) {
    Store.requireRemovable(query);
    List<String> ids = new ArrayList<>();
    for (TimerRecord record : sortedMatching(query)) {
      remove(record);
      ids.add(record.id());
    }
    return ids;
  }

  @Override
  public synchronized Purged purge(Instant expiredAt, Instant failedBefore) {
    int expired =
        expiredAt == null
            ? 0
            : removeAll(byId.values().stream().filter(r -> r.isExpiredAt(expiredAt)).toList());
    int failed =
        failedBefore == null
            ? 0
            : removeAll(
                byId.values().stream()
                    .filter(
                        r ->
                            r.status() == TimerStatus.FAILED
                                && r.updatedAt().isBefore(failedBefore))
                    .toList());
    return new Purged(expired, failed);
  }

  /**
   * {@inheritDoc}
   *
   * <p>An in-process flag on this instance. There is no multi-node mode: {@code multiNode} is never
   * true for this store.
   */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    if (!engineRunning.compareAndSet(false, true)) {
      throw new StoreInUseException(
          "another Persistent Timers engine is already running on this MemoryStore"
              + " (single-node mode); close it first: one started PersistentTimer per store");
    }
    AtomicBoolean held = new AtomicBoolean(true);
    return () -> {
      if (held.compareAndSet(true, false)) {
        engineRunning.set(false);
      }
    };
  }

  private List<TimerRecord> sortedMatching(TimerQuery query) {
    return byId.values().stream().filter(query::matches).sorted(DUE_ORDER).toList();
  }

  private int removeAll(List<TimerRecord> records) {
    records.forEach(this::remove);
    return records.size();
  }

  private void put(TimerRecord record) {
    byId.put(record.id(), record);
    if (record.status() == TimerStatus.ACTIVE) {
      activeByDue.add(record);
    }
  }

  private void remove(TimerRecord record) {
    byId.remove(record.id());
    activeByDue.remove(record);
  }
}
