package io.persistenttimers.testkit;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
   * While on, a {@link #writeAll} holding a {@link Write.Delete} throws a {@link StoreException}
   * that is not retryable, as a store does when it refuses a statement for good.
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
  public Map<String, TimerRecord> getAll(Collection<String> ids) {
    return read("getAll", () -> delegate.getAll(ids));
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
  public List<Boolean> writeAll(List<Write> writes) {
    if (refuseVersionedDeletes && writes.stream().anyMatch(w -> w instanceof Write.Delete)) {
      failures++;
      throw new StoreException("injected permanent refusal: delete", null, false);
    }
    return write("writeAll", () -> delegate.writeAll(writes));
  }

  @Override
  public List<String> remove(TimerQuery query) {
    return write("remove", () -> delegate.remove(query));
  }

  @Override
  public Purged purge(Instant expiredAt, Instant failedBefore) {
    return write("purge", () -> delegate.purge(expiredAt, failedBefore));
  }

  /** Never fails: the lock is the delegate's. */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    return delegate.lockForEngine(multiNode);
  }
}
