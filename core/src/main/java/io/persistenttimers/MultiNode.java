package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;
import static io.persistenttimers.internal.Checks.requireText;

import java.time.Duration;

/**
 * Settings for running several {@link PersistentTimer}s (nodes) against one shared store that
 * implements {@link io.persistenttimers.spi.ClaimingStore} (PostgreSQL). Pass to {@link
 * PersistentTimer.Builder#multiNode}.
 *
 * <p>Each node claims the timers due within {@code claimAhead}, every {@code pollInterval} and
 * whenever any node inserts a timer (notifications), in batches of at most {@code claimBatch} and
 * of no more than its workers can start within two thirds of a lease. It holds a lease of {@code
 * lease} on them that it renews every third of the lease on a thread of its own, and fires what it
 * holds: a callback starts only while more than a third of its lease is left by the node's own
 * count, so when nothing fails each timer runs once. A node that dies stops renewing; once its
 * leases run out (by the database's clock) another node takes its timers within one poll. Every
 * takeover changes the timer's version, so a node that was only paused cannot complete or
 * reschedule a timer it lost. {@link PersistentTimer#close()} gives the node's leases back so other
 * nodes take over at once.
 *
 * @param nodeId this node's name, unique among the nodes (e.g. host name + process id)
 * @param lease how long a claim holds without renewal; the takeover time after a crash
 * @param pollInterval how often the node claims without a notification: the latency when
 *     notifications are unavailable
 * @param claimAhead how far ahead of due timers are claimed (and armed)
 * @param claimBatch the most timers one claim takes, so work spreads over nodes
 * @param notifications whether to listen for new-timer notifications ({@code LISTEN/NOTIFY}); turn
 *     off behind a pooler that cannot hold a listening session (PgBouncer in transaction mode) and
 *     rely on {@code pollInterval}
 */
public record MultiNode(
    String nodeId,
    Duration lease,
    Duration pollInterval,
    Duration claimAhead,
    int claimBatch,
    boolean notifications) {

  /**
   * Validates the settings.
   *
   * @param nodeId this node's name, unique among the nodes, at most 200 characters
   * @param lease at least one second
   * @param pollInterval at least 10 ms and shorter than the lease
   * @param claimAhead longer than the poll interval
   * @param claimBatch at least 1
   * @param notifications whether to listen for new-timer notifications
   * @throws IllegalArgumentException when a setting is out of range, naming it
   */
  public MultiNode {
    requireText(nodeId, "nodeId", 200);
    requireNonNull(lease, "lease");
    requireNonNull(pollInterval, "pollInterval");
    requireNonNull(claimAhead, "claimAhead");
    requireArgument(
        lease.compareTo(Duration.ofSeconds(1)) >= 0, "lease must be at least 1 second: %s", lease);
    requireArgument(
        pollInterval.compareTo(Duration.ofMillis(10)) >= 0 && pollInterval.compareTo(lease) < 0,
        "pollInterval must be at least 10 ms and shorter than the lease: %s",
        pollInterval);
    requireArgument(
        claimAhead.compareTo(pollInterval) > 0,
        "claimAhead must be longer than pollInterval: %s <= %s",
        claimAhead,
        pollInterval);
    requireArgument(claimBatch >= 1, "claimBatch must be >= 1: %s", claimBatch);
  }

  /**
   * Defaults: lease 30 s, poll every second, claim 10 s ahead, 500 per claim, notifications on.
   *
   * @param nodeId this node's name, unique among the nodes
   * @return the settings
   */
  public static MultiNode of(String nodeId) {
    return new MultiNode(
        nodeId, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(10), 500, true);
  }

  /**
   * How long a claim holds without renewal.
   *
   * @param lease at least one second
   * @return a copy with that setting
   */
  public MultiNode lease(Duration lease) {
    return new MultiNode(nodeId, lease, pollInterval, claimAhead, claimBatch, notifications);
  }

  /**
   * How often the node claims without a notification.
   *
   * @param pollInterval at least 10 ms and shorter than the lease
   * @return a copy with that setting
   */
  public MultiNode pollInterval(Duration pollInterval) {
    return new MultiNode(nodeId, lease, pollInterval, claimAhead, claimBatch, notifications);
  }

  /**
   * How far ahead of due timers are claimed.
   *
   * @param claimAhead longer than the poll interval
   * @return a copy with that setting
   */
  public MultiNode claimAhead(Duration claimAhead) {
    return new MultiNode(nodeId, lease, pollInterval, claimAhead, claimBatch, notifications);
  }

  /**
   * The most timers one claim takes.
   *
   * @param claimBatch at least 1
   * @return a copy with that setting
   */
  public MultiNode claimBatch(int claimBatch) {
    return new MultiNode(nodeId, lease, pollInterval, claimAhead, claimBatch, notifications);
  }

  /**
   * Whether to listen for new-timer notifications.
   *
   * @param notifications false behind a pooler that cannot hold a listening session
   * @return a copy with that setting
   */
  public MultiNode notifications(boolean notifications) {
    return new MultiNode(nodeId, lease, pollInterval, claimAhead, claimBatch, notifications);
  }
}
