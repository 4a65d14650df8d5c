package io.persistenttimers.testkit;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A store decorator for fault injection: while {@link #failWrites} or {@link #failReads} is on, the
 * matching calls throw {@link StoreException} without reaching the real store.
 */
public final class FailingStore implements Store {
  private final Store delegate;
  private volatile boolean failWrites;
  private volatile boolean failReads;
  private volatile boolean refuseVersionedDeletes;
  private volatile int failures;

  public FailingStore(Store delegate) {
    this.delegate = delegate;
  }

  public void failWrites(boolean on) {
    failWrites = on;
  }

  public void failReads(boolean on) {
    failReads = on;
  }

  /**
   * While on, {@link #delete(String, long)} throws a {@link StoreException} that is not retryable,
   * as a store does when it refuses a statement for good.
   */
  public void refuseVersionedDeletes(boolean on) {
    refuseVersionedDeletes = on;
  }

  /** How many calls were refused so far. */
  public int failures() {
    return failures;
  }

  private <T> T write(String op, Supplier<T> call) {
    if (failWrites) {
      failures++;
      throw new StoreException("injected failure: " + op);
    }
    return call.get();
  }

  private <T> T read(String op, Supplier<T> call) {
    if (failReads) {
      failures++;
      throw new StoreException("injected failure: " + op);
    }
    return call.get();
  }

  @Override
  public boolean insert(TimerRecord record) {
    return write("insert", () -> delegate.insert(record));
  }

  @Override
  public Optional<TimerRecord> get(String id) {
    return read("get", () -> delegate.get(id));
  }

  @Override
  public List<TimerRecord> list(TimerQuery query) {
    return read("list", () -> delegate.list(query));
  }

  @Override
  public long count(TimerQuery query) {
    return read("count", () -> delegate.count(query));
  }

  @Override
  public List<TimerRecord> findDue(Instant before, int limit) {
    return read("findDue", () -> delegate.findDue(before, limit));
  }

  @Override
  public boolean update(TimerRecord next, long expectedVersion) {
    return write("update", () -> delegate.update(next, expectedVersion));
  }

  @Override
  public boolean delete(String id, long expectedVersion) {
    if (refuseVersionedDeletes) {
      failures++;
      throw new StoreException("injected permanent refusal: delete", null, false);
    }
    return write("delete", () -> delegate.delete(id, expectedVersion));
  }

  @Override
  public Optional<TimerRecord> delete(String id) {
    return write("delete", () -> delegate.delete(id));
  }

  @Override
  public List<String> deleteByParticipant(String participantId, String flowType) {
    return write(
        "deleteByParticipant", () -> delegate.deleteByParticipant(participantId, flowType));
  }

  @Override
  public int deleteExpired(Instant now) {
    return write("deleteExpired", () -> delegate.deleteExpired(now));
  }

  @Override
  public int deleteFailedBefore(Instant cutoff) {
    return write("deleteFailedBefore", () -> delegate.deleteFailedBefore(cutoff));
  }

  /** Never fails: the lock is the delegate's. */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    return delegate.lockForEngine(multiNode);
  }
}
