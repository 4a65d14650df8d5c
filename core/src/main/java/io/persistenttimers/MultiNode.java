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
 * <p>A claim that came back full (it took as many timers as it could) is followed by the next one
 * as soon as the node's runs drain to its worker count, so a backlog is worked off at the pace of
 * the store and the workers rather than one batch per poll; claimed timers that are due fire
 * without another read.
 *
 * <h2>Choosing the settings</h2>
 *
 * <ul>
 *   <li>{@code lease} (default 30 s): the takeover time after a node dies, and two thirds of it is
 *       how long a node goes on starting callbacks while it cannot renew (database unreachable, a
 *       long pause). Shorter: faster takeover, but more renewal traffic (every third of a lease,
 *       one statement for all held timers) and a smaller margin for pauses and outages.
 *   <li>{@code pollInterval} (default 1 s): how soon a timer that no notification announced is
 *       claimed — one whose lease ran out on a dead node, or any new timer when notifications are
 *       off. Each poll is one claim query per node. It no longer bounds a backlog's rate (see
 *       above), so the default suits most deployments; shorten it only without notifications.
 *   <li>{@code claimAhead} (default 10 s): how early a timer is claimed and armed, so it fires on
 *       time without a claim at its due instant. Longer holds leases longer and lets one node hold
 *       more of the near future; it must exceed the poll interval.
 *   <li>{@code claimBatch} (default 500): the most one claim takes. Larger: fewer round trips on a
 *       backlog, but a coarser split between nodes and more timers waiting for a crashed node's
 *       leases to run out. Smaller: a finer split, more claim queries. The worker count limits a
 *       claim as well (slow callbacks claim fewer).
 *   <li>{@code notifications} (default on): new timers are claimed at once instead of at the next
 *       poll; off behind a pooler that cannot hold a listening session.
 * </ul>
 *
 * <p>Pacing of timers found overdue at a claim or load is the builder's {@link
 * PersistentTimer.Builder#overdueFiresPerSecond} (default 500/s per node, for timers later than the
 * overdue threshold): it protects what the callbacks call from a stampede after downtime; set 0 to
 * fire a backlog as fast as the workers and the store allow.
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
