package io.persistenttimers.testkit;

import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  public synchronized boolean insert(TimerRecord record) {
    return rows.putIfAbsent(record.id(), record) == null;
  }

  @Override
  public synchronized Optional<TimerRecord> get(String id) {
    return Optional.ofNullable(rows.get(id));
  }

  @Override
  public synchronized List<TimerRecord> list(TimerQuery query) {
    return sorted(query::matches).limit(query.limit()).toList();
  }

  @Override
  public synchronized long count(TimerQuery query) {
    return rows.values().stream().filter(query::matches).count();
  }

  @Override
  public synchronized List<TimerRecord> findDue(Instant before, int limit) {
    return sorted(r -> r.status() == TimerStatus.ACTIVE && r.nextFireAt().isBefore(before))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized boolean update(TimerRecord next, long expectedVersion) {
    TimerRecord current = rows.get(next.id());
    return current != null
        && current.version() == expectedVersion
        && rows.put(next.id(), next) != null;
  }

  @Override
  public synchronized boolean delete(String id, long expectedVersion) {
    TimerRecord current = rows.get(id);
    return current != null && current.version() == expectedVersion && rows.remove(id) != null;
  }

  @Override
  public synchronized Optional<TimerRecord> delete(String id) {
    return Optional.ofNullable(rows.remove(id));
  }

  /** One lock for the whole batch makes it atomic. */
  @Override
  public synchronized List<Boolean> writeAll(List<Write> writes) {
    return Store.super.writeAll(writes);
  }

  @Override
  public synchronized List<String> deleteByParticipant(String participantId, String flowType) {
    List<String> ids =
        sorted(TimerQuery.all().participant(participantId).flowType(flowType)::matches)
            .map(TimerRecord::id)
            .toList();
    ids.forEach(rows::remove);
    return ids;
  }

  @Override
  public synchronized int deleteExpired(Instant now) {
    return removeIf(r -> r.isExpiredAt(now));
  }

  @Override
  public synchronized int deleteFailedBefore(Instant cutoff) {
    return removeIf(r -> r.status() == TimerStatus.FAILED && r.updatedAt().isBefore(cutoff));
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
