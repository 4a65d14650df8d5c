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

/** Several engines share one store; each fires only the timers it holds a live lease on. */
final class LeasedOwnership implements Ownership {
  private final ClaimingStore store;
  private final MultiNode settings;

  LeasedOwnership(ClaimingStore store, MultiNode settings) {
    this.store = store;
    this.settings = settings;
  }

  @Override
  public List<TimerRecord> acquireDue(Instant now, EngineConfig config) {
    return store.claimDue(
        settings.nodeId(),
        now.plus(settings.claimAhead()),
        settings.claimBatch(),
        settings.lease());
  }

  @Override
  public Duration loadInterval(EngineConfig config) {
    return settings.pollInterval();
  }

  @Override
  public Optional<TimerRecord> verify(String id) {
    return store.getIfOwned(id, settings.nodeId());
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
    if (held.isEmpty()) {
      return Set.of();
    }
    Set<String> kept = store.renewLeases(settings.nodeId(), held, settings.lease());
    Set<String> lost = new HashSet<>(held);
    lost.removeAll(kept);
    return lost;
  }

  @Override
  public AutoCloseable listen(Runnable wakeUp) {
    return settings.notifications() ? store.listen(wakeUp) : () -> {};
  }

  @Override
  public void release() {
    store.releaseLeases(settings.nodeId());
  }

  @Override
  public void giveUp(Collection<String> ids) {
    if (!ids.isEmpty()) {
      store.releaseLeases(settings.nodeId(), ids);
    }
  }

  @Override
  public Map<String, TimerRecord> verifyAll(Collection<String> ids) {
    return store.getAllIfOwned(ids, settings.nodeId());
  }
}
