package io.persistenttimers.testkit;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A store decorator that records how the engine uses a real store: how many {@link #getAll} calls,
 * and the size of every {@link #writeAll} (one transaction each). A test may also act between a
 * read and the write that follows it ({@link #afterGetAll}), as a concurrent writer would.
 */
public final class CountingStore implements Store {
  private final Store delegate;
  private final List<Integer> writeAlls = new ArrayList<>();
  private int getAlls;
  private volatile Consumer<Store> afterGetAll;
  private volatile Consumer<List<Write>> beforeWriteAll;

  /**
   * A counting view of {@code delegate}; closing it closes nothing.
   *
   * @param delegate the real store
   */
  public CountingStore(Store delegate) {
    this.delegate = delegate;
  }

  /**
   * The size of every {@code writeAll} so far, in call order; a test may clear it.
   *
   * @return the live list
   */
  public synchronized List<Integer> writeAlls() {
    return writeAlls;
  }

  /**
   * How many {@code getAll} calls so far.
   *
   * @return the count
   */
  public synchronized int getAlls() {
    return getAlls;
  }

  /**
   * Runs {@code hook} with the real store after each {@code getAll} returned its result (null to
   * stop): a concurrent writer acting between a read and the write based on it.
   *
   * @param hook what the other writer does
   */
  public void afterGetAll(Consumer<Store> hook) {
    this.afterGetAll = hook;
  }

  /**
   * Runs {@code hook} on the calling thread before each {@code writeAll} reaches the real store
   * (null to stop): to see which thread commits, or to hold a commit open with a latch.
   *
   * @param hook what happens before the write
   */
  public void beforeWriteAll(Consumer<List<Write>> hook) {
    this.beforeWriteAll = hook;
  }

  @Override
  public Map<String, TimerRecord> getAll(Collection<String> ids) {
    synchronized (this) {
      getAlls++;
    }
    Map<String, TimerRecord> found = delegate.getAll(ids);
    Consumer<Store> hook = afterGetAll;
    if (hook != null) {
      hook.accept(delegate);
    }
    return found;
  }

  @Override
  public List<TimerRecord> list(TimerQuery query) {
    return delegate.list(query);
  }

  @Override
  public long count(TimerQuery query) {
    return delegate.count(query);
  }

  @Override
  public List<Boolean> writeAll(List<Write> writes) {
    synchronized (this) {
      writeAlls.add(writes.size());
    }
    Consumer<List<Write>> hook = beforeWriteAll;
    if (hook != null) {
      hook.accept(writes);
    }
    return delegate.writeAll(writes);
  }

  @Override
  public List<String> remove(TimerQuery query) {
    return delegate.remove(query);
  }

  @Override
  public Purged purge(Instant expiredAt, Instant failedBefore) {
    return delegate.purge(expiredAt, failedBefore);
  }

  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    return delegate.lockForEngine(multiNode);
  }
}
