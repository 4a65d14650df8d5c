package io.persistenttimers.spi;

import io.persistenttimers.TimerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Store} that several engines (nodes) can share: each due timer is fired by the one node
 * that holds its lease.
 *
 * <p>Contract, on top of {@link Store}'s:
 *
 * <ul>
 *   <li><b>Leases are judged by the store's clock</b> (the database's {@code now()}), never by a
 *       node's, so a node whose clock runs ahead cannot take a live lease.
 *   <li><b>Fencing.</b> Taking a timer whose lease belongs to another node (expired) increments its
 *       {@link TimerRecord#version() version} and its lease epoch. Completion and rescheduling
 *       compare and set on the version, so a node that was paused past its lease and resumes can
 *       neither complete nor reschedule a timer another node took.
 *   <li>Inserted timers have no owner.
 * </ul>
 */
public interface ClaimingStore extends Store {

  /**
   * Claims for {@code node} the earliest ACTIVE timers due strictly before {@code before} that have
   * no owner, an expired lease, or already belong to {@code node}, skipping rows other nodes are
   * claiming at this moment ({@code FOR UPDATE SKIP LOCKED}). Each claimed timer's lease runs until
   * the store's now plus {@code lease}. A timer taken from another node gets a new version; one
   * re-claimed by its owner keeps its version.
   *
   * @param node the claiming node's id
   * @param before the exclusive upper bound on the due time
   * @param limit the most timers to claim
   * @param lease how long the claim lasts
   * @return the claimed records, earliest first
   */
  List<TimerRecord> claimDue(String node, Instant before, int limit, Duration lease);

  /**
   * Extends to the store's now plus {@code lease} the leases {@code node} still holds among {@code
   * ids}.
   *
   * @param node the node's id
   * @param ids the timers whose leases to extend
   * @param lease the new lease length from the store's now
   * @return the ids whose lease {@code node} still held (and now extended); the others were taken
   *     over, cancelled or completed
   */
  Set<String> renewLeases(String node, Collection<String> ids, Duration lease);

  /**
   * Those among {@code ids} on which {@code node} holds a live lease by the store's clock, keyed by
   * id, in one round trip. Checked when timers come due, before their callbacks are handed to
   * workers.
   *
   * @param ids the timer ids
   * @param node the node's id
   * @return the records {@code node} holds a live lease on, keyed by id
   */
  Map<String, TimerRecord> getAllIfOwned(Collection<String> ids, String node);

  /**
   * Gives up every lease of {@code node} (a clean shutdown), so other nodes take over at once; also
   * those of claims whose answer the node never received.
   *
   * @param node the node's id
   * @return how many leases were released
   */
  int releaseAllLeases(String node);

  /**
   * Gives up {@code node}'s leases on {@code ids} (timers it cannot run), so others may take them.
   *
   * @param node the node's id
   * @param ids the timers whose leases to release
   * @return how many leases were released
   */
  int releaseLeases(String node, Collection<String> ids);

  /**
   * Calls {@code onNewTimer} (on a store thread) when any node inserts a timer, so nodes claim
   * near-term timers before their next poll. Optional: the default returns a no-op handle, and
   * polling alone still fires every timer.
   *
   * @param onNewTimer called when a timer was inserted
   * @return closing it stops the notifications
   */
  default AutoCloseable listen(Runnable onNewTimer) {
    return () -> {};
  }

  /**
   * The nodes that hold leases, each with how many it holds and how many of those ran out (by the
   * store's clock, as every lease is judged): an operator's view of a multi-node deployment. A node
   * that died leaves expired leases until another node takes its timers.
   *
   * @return one entry per owner, sorted by owner; empty when no timer is leased
   */
  java.util.List<LeaseHolder> leaseHolders();

  /**
   * One node's leases.
   *
   * @param owner the node id
   * @param held how many timers it holds a lease on
   * @param expired how many of those leases ran out
   */
  record LeaseHolder(String owner, long held, long expired) {}
}
