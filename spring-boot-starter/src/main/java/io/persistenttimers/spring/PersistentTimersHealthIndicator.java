package io.persistenttimers.spring;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerStats;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the engine: DOWN when the store cannot be counted (unreachable), when the engine is not
 * started, or when the most overdue armed timer is later than {@code
 * persistent-timers.health.max-overdue-lag}. Details: counts by status, armed, running, overdue and
 * the lag. Never ids, params or participants.
 */
public final class PersistentTimersHealthIndicator extends AbstractHealthIndicator {
  private final PersistentTimer timer;
  private final PersistentTimersLifecycle lifecycle;
  private final Duration maxOverdueLag;

  PersistentTimersHealthIndicator(
      PersistentTimer timer, PersistentTimersLifecycle lifecycle, Duration maxOverdueLag) {
    super("Persistent Timers health check failed");
    this.timer = timer;
    this.lifecycle = lifecycle;
    this.maxOverdueLag = maxOverdueLag;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    TimerStats stats = timer.stats(); // counts in the store: throws when it is unreachable
    boolean started = lifecycle.isRunning();
    boolean lagging = stats.overdueLag().compareTo(maxOverdueLag) > 0;
    builder
        .withDetail("started", started)
        .withDetail("active", stats.active())
        .withDetail("failed", stats.failed())
        .withDetail("quarantined", stats.quarantined())
        .withDetail("armed", stats.armed())
        .withDetail("running", stats.running())
        .withDetail("overdue", stats.overdue())
        .withDetail("overdueLag", stats.overdueLag().toString())
        .withDetail("maxOverdueLag", maxOverdueLag.toString());
    if (!started) {
      builder.down().withDetail("reason", "the engine is not started");
    } else if (lagging) {
      builder.down().withDetail("reason", "the most overdue timer is later than maxOverdueLag");
    } else {
      builder.up();
    }
  }
}
