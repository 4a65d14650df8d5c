package io.persistenttimers.testkit;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Single operations written through the {@link Store} SPI, so tests read as what they do: {@code
 * insert(store, record)} is {@code store.writeAll(List.of(Write.insert(record))).get(0)}.
 */
public final class Stores {
  private Stores() {}

  /** One {@link Write#insert}; true when stored, false when the id existed. */
  public static boolean insert(Store store, TimerRecord record) {
    return store.writeAll(List.of(Write.insert(record))).get(0);
  }

  /** One {@link Write#update}; true when the stored version was {@code expectedVersion}. */
  public static boolean update(Store store, TimerRecord next, long expectedVersion) {
    return store.writeAll(List.of(Write.update(next, expectedVersion))).get(0);
  }

  /** One {@link Write#delete}; true when the stored version was {@code expectedVersion}. */
  public static boolean delete(Store store, String id, long expectedVersion) {
    return store.writeAll(List.of(Write.delete(id, expectedVersion))).get(0);
  }

  /** Removes the timer with this id whatever its state; true when there was one. */
  public static boolean remove(Store store, String id) {
    return !store.remove(TimerQuery.all().id(id)).isEmpty();
  }

  /** Removes every timer of a participant (of one flow type, unless null); the ids removed. */
  public static List<String> removeParticipant(Store store, String participantId, String flowType) {
    return store.remove(TimerQuery.all().participant(participantId).flowType(flowType));
  }

  /** ACTIVE timers due strictly before {@code before}, earliest first, at most {@code limit}. */
  public static List<TimerRecord> due(Store store, Instant before, int limit) {
    return store.list(TimerQuery.all().status(TimerStatus.ACTIVE).dueBefore(before).limit(limit));
  }

  /** The timer, if {@code node} holds a live lease on it. */
  public static Optional<TimerRecord> getIfOwned(ClaimingStore store, String id, String node) {
    return Optional.ofNullable(store.getAllIfOwned(List.of(id), node).get(id));
  }

  /**
   * Claims for {@code node} every 20 ms until a claim takes something, and returns the ids it took:
   * for waiting on the database's own clock or timeouts (a lease running out, the server ending a
   * stalled session). Fails with an {@link AssertionError} naming the node when nothing was taken
   * within {@code within}, as when the rows stay locked.
   *
   * @param store the claiming store
   * @param node the claiming node
   * @param before the claim's bound on {@code next_fire_at}
   * @param lease the lease the claim takes
   * @param within how long to keep trying
   * @return the ids of the first non-empty claim, in claim order
   */
  public static List<String> firstClaim(
      ClaimingStore store, String node, Instant before, Duration lease, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      List<String> taken =
          store.claimDue(node, before, 100, lease).stream().map(TimerRecord::id).toList();
      if (!taken.isEmpty()) {
        return taken;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(node + " claimed nothing within " + within);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while " + node + " claimed", e);
      }
    }
  }
}
