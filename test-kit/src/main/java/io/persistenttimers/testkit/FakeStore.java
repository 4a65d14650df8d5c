package io.persistenttimers.testkit;

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
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The smallest faithful {@link Store}, for core's own tests (core cannot depend on store-memory).
 * One lock, linear scans: correct, not fast. It passes {@link StoreContract} ({@code
 * FakeStoreTest}).
 */
public final class FakeStore implements Store {
  private static final Comparator<TimerRecord> DUE_ORDER =
      Comparator.comparing(TimerRecord::nextFireAt).thenComparing(TimerRecord::id);
  private final Map<String, TimerRecord> rows = new TreeMap<>();
  private final AtomicBoolean engineRunning = new AtomicBoolean();

  private Stream<TimerRecord> sorted(Predicate<TimerRecord> filter) {
    return rows.values().stream().filter(filter).sorted(DUE_ORDER);
  }

  @Override
  public synchronized Map<String, TimerRecord> getAll(Collection<String> ids) {
    Map<String, TimerRecord> found = new HashMap<>();
    for (String id : ids) {
      TimerRecord record = rows.get(id);
      if (record != null) {
        found.put(id, record);
      }
    }
    return found;
  }

  @Override
  public synchronized List<TimerRecord> list(TimerQuery query) {
    return sorted(query::matches).limit(query.limit()).toList();
  }

  @Override
  public synchronized long count(TimerQuery query) {
    TimerQuery counted = query.after(null);
    return rows.values().stream().filter(counted::matches).count();
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
    TimerRecord current = rows.get(write.id());
    if (write instanceof Write.Insert insert) {
      return rows.putIfAbsent(insert.id(), insert.record()) == null;
    }
    if (current == null) {
      return false;
    }
    if (write instanceof Write.Update update) {
      return current.version() == update.expectedVersion()
          && rows.put(update.id(), update.next()) != null;
    }
    Write.Delete delete = (Write.Delete) write;
    return current.version() == delete.expectedVersion() && rows.remove(delete.id()) != null;
  }

  @Override
  public synchronized List<String> remove(TimerQuery query) {
    Store.requireRemovable(query);
    List<String> ids = sorted(query::matches).map(TimerRecord::id).toList();
    ids.forEach(rows::remove);
    return ids;
  }

  @Override
  public synchronized Purged purge(Instant expiredAt, Instant failedBefore) {
    int expired = expiredAt == null ? 0 : removeIf(r -> r.isExpiredAt(expiredAt));
    int failed =
        failedBefore == null
            ? 0
            : removeIf(
                r -> r.status() == TimerStatus.FAILED && r.updatedAt().isBefore(failedBefore));
    return new Purged(expired, failed);
  }

  /** One engine per instance (in-process flag); multi-node mode is not offered. */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    if (!engineRunning.compareAndSet(false, true)) {
      throw new StoreInUseException(
          "another Persistent Timers engine is already running on this FakeStore; close it first");
    }
    AtomicBoolean open = new AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        engineRunning.set(false);
      }
    };
  }

  private int removeIf(Predicate<TimerRecord> condition) {
    int before = rows.size();
    rows.values().removeIf(condition);
    return before - rows.size();
  }
}
