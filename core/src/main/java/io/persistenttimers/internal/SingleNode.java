package io.persistenttimers.internal;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One engine per store: every stored timer is this engine's to fire. */
final class SingleNode implements Ownership {
  private final Store store;

  SingleNode(Store store) {
    this.store = store;
  }

  @Override
  public List<TimerRecord> acquireDue(Instant now, EngineConfig config) {
    return page(now, config, null, config.maxArmed());
  }

  /**
   * One page of {@link #acquireDue}: at most {@code limit} ACTIVE timers due within the horizon,
   * after {@code after} in due order (null: from the start). A load in pages arms the earliest,
   * overdue ones first, while the rest is still being read.
   */
  List<TimerRecord> page(Instant now, EngineConfig config, TimerQuery.Position after, int limit) {
    return store.list(
        TimerQuery.all()
            .status(TimerStatus.ACTIVE)
            .dueBefore(now.plus(config.horizon()))
            .after(after)
            .limit(limit));
  }

  /** The window holds everything due within the horizon (up to maxArmed): nothing is left. */
  @Override
  public boolean moreDue() {
    return false;
  }

  @Override
  public Duration loadInterval(EngineConfig config) {
    return config.horizon().dividedBy(2);
  }

  @Override
  public Optional<TimerRecord> verify(String id) {
    return store.get(id);
  }

  @Override
  public boolean armsOwnInserts() {
    return true;
  }

  @Override
  public Duration renewInterval() {
    return null;
  }

  @Override
  public Set<String> renew(Collection<String> held) {
    return Set.of();
  }

  @Override
  public AutoCloseable listen(Runnable wakeUp) {
    return () -> {};
  }

  @Override
  public void release() {}

  @Override
  public void giveUp(Collection<String> ids) {}

  @Override
  public Map<String, TimerRecord> verifyAll(Collection<String> ids) {
    return store.getAll(ids);
  }

  @Override
  public boolean mayStart(TimerRecord record) {
    return true;
  }
}
