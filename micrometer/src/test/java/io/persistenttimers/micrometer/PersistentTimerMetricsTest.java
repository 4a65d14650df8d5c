package io.persistenttimers.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.OverduePolicy;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.store.memory.MemoryStore;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reads a {@link SimpleMeterRegistry} after real runs of an engine over the in-memory store, driven
 * by a manual clock and scheduler: every counter, timer and gauge holds what happened.
 */
class PersistentTimerMetricsTest {
  static final Instant T0 = Instant.parse("2026-04-01T08:00:00Z");

  private final MemoryStore store = new MemoryStore();
  private final ManualClock clock = new ManualClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final MeterRegistry registry = new SimpleMeterRegistry();

  private PersistentTimer.Builder builder() {
    return PersistentTimer.builder(store)
        .clock(clock)
        .scheduler(scheduler)
        .workers(Runnable::run)
        .random(() -> 0.5)
        .startTimeout(Duration.ZERO)
        .register(
            "reminder",
            CallbackFactory.of(ctx -> clock.advance(Duration.ofMillis(1500)))) // runs 1.5 s
        .register(
            "broken",
            CallbackFactory.of(
                ctx -> {
                  throw new IllegalStateException("always");
                }))
        .register(
            "picky",
            record -> {
              throw new IllegalArgumentException("cannot bind");
            });
  }

  private double counter(String type, String outcome) {
    var counter =
        registry
            .find(PersistentTimerMetrics.CALLBACKS)
            .tag("type", type)
            .tag("outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  @Test
  void countersTimersAndGauges_holdWhatTheEngineDid() {
    PersistentTimer.Builder builder = builder();
    PersistentTimerMetrics metrics = PersistentTimerMetrics.create(Duration.ofHours(1));
    metrics.instrument(builder);
    try (PersistentTimer timer = builder.build();
        metrics) {
      metrics.bindTo(registry);
      metrics.monitor(timer);
      // Stored before the engine starts, found overdue by 10 minutes at start.
      timer.scheduleAfter(
          Duration.ofMinutes(1), TimerSpec.of("reminder", "p-1").overduePolicy(OverduePolicy.DROP));
      timer.scheduleAfter(
          Duration.ofMinutes(1),
          TimerSpec.of("reminder", "p-2").overduePolicy(OverduePolicy.FIRE_NOW));
      clock.advance(Duration.ofMinutes(11));
      timer.start();
      scheduler.advance(Duration.ofSeconds(1)); // overdue fires are spread; let them go

      timer.scheduleAfter(Duration.ofSeconds(10), TimerSpec.of("reminder", "p-3"));
      timer.scheduleAfter(
          Duration.ofSeconds(10),
          TimerSpec.of("broken", "p-4")
              .retryPolicy(
                  RetryPolicy.exponential(2, Duration.ofSeconds(30), Duration.ofSeconds(30))));
      timer.scheduleAfter(Duration.ofSeconds(10), TimerSpec.of("picky", "p-5"));
      timer.scheduleAfter(Duration.ofDays(3), TimerSpec.of("reminder", "p-6")); // stays pending
      scheduler.advance(Duration.ofMinutes(1));

      assertThat(counter("reminder", "dropped")).isEqualTo(1);
      assertThat(counter("reminder", "fired")).isEqualTo(2);
      assertThat(counter("reminder", "succeeded")).isEqualTo(2);
      assertThat(counter("reminder", "failed")).isZero();
      assertThat(counter("broken", "fired")).isEqualTo(2);
      assertThat(counter("broken", "failed")).isEqualTo(2);
      assertThat(counter("broken", "retried")).isEqualTo(1);
      assertThat(counter("broken", "succeeded")).isZero();
      assertThat(counter("picky", "quarantined")).isEqualTo(1);
      assertThat(counter("picky", "fired")).isZero(); // its callback was never made

      Timer duration =
          registry
              .get(PersistentTimerMetrics.CALLBACK_DURATION)
              .tag("type", "reminder")
              .tag("outcome", "succeeded")
              .timer();
      assertThat(duration.count()).isEqualTo(2);
      assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3000);
      assertThat(duration.takeSnapshot().percentileValues()).hasSize(3);

      Timer lateness =
          registry.get(PersistentTimerMetrics.LATENESS).tag("type", "reminder").timer();
      assertThat(lateness.count()).isEqualTo(2);
      // p-2 started 10 minutes after it was due (the engine was down), p-3 on time.
      assertThat(lateness.max(TimeUnit.SECONDS)).isBetween(600.0, 601.0);

      // One more timer falls due but the scheduler is held: it is armed and overdue.
      timer.scheduleAfter(Duration.ofSeconds(5), TimerSpec.of("reminder", "p-7"));
      clock.advance(Duration.ofSeconds(30));
      metrics.refresh();

      assertThat(gauge(PersistentTimerMetrics.PENDING)).isEqualTo(2); // p-6 and p-7
      assertThat(gauge(PersistentTimerMetrics.FAILED)).isEqualTo(1); // broken
      assertThat(gauge(PersistentTimerMetrics.QUARANTINED)).isEqualTo(1); // picky
      assertThat(gauge(PersistentTimerMetrics.ARMED))
          .isEqualTo(1); // p-7; p-6 is beyond the horizon
      assertThat(gauge(PersistentTimerMetrics.OVERDUE)).isEqualTo(1);
      assertThat(gauge(PersistentTimerMetrics.RUNNING)).isZero();
      assertThat(gauge(PersistentTimerMetrics.LEASES_HELD)).isZero();
      assertThat(
              registry.get(PersistentTimerMetrics.OVERDUE_AGE).timeGauge().value(TimeUnit.SECONDS))
          .isEqualTo(25);

      scheduler.advance(Duration.ZERO);
      metrics.refresh();
      assertThat(gauge(PersistentTimerMetrics.OVERDUE)).isZero();
      assertThat(gauge(PersistentTimerMetrics.PENDING)).isEqualTo(1);
    }
  }

  @Test
  void noMeterCarriesIdsParticipantsOrParams() {
    PersistentTimer.Builder builder = builder();
    PersistentTimerMetrics metrics = PersistentTimerMetrics.create(Duration.ofHours(1));
    metrics.instrument(builder);
    try (PersistentTimer timer = builder.build();
        metrics) {
      metrics.bindTo(registry);
      metrics.monitor(timer);
      timer.start();
      timer.scheduleAfter(
          Duration.ofSeconds(1),
          TimerSpec.of("reminder", "participant-ana")
              .id("reminder:participant-ana")
              .params("{\"phone\":\"+4915112345678\"}"));
      scheduler.advance(Duration.ofSeconds(1));
      metrics.refresh();

      assertThat(counter("reminder", "succeeded")).isEqualTo(1);
      for (Meter meter : registry.getMeters()) {
        assertThat(meter.getId().getTags())
            .allSatisfy(
                tag -> {
                  assertThat(tag.getKey()).isIn("type", "outcome", "phi"); // phi: percentile gauges
                  assertThat(tag.getValue())
                      .doesNotContain("participant-ana")
                      .doesNotContain("4915112345678");
                });
      }
    }
  }

  @Test
  void refusesASecondRegistryAndATooShortRefresh() {
    assertThatThrownBy(() -> PersistentTimerMetrics.create(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshInterval must be at least 1 second");
    try (PersistentTimerMetrics metrics = PersistentTimerMetrics.create()) {
      metrics.bindTo(registry);
      metrics.bindTo(registry); // the same one again is fine
      assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("CompositeMeterRegistry");
      assertThat(gauge(PersistentTimerMetrics.PENDING)).isNaN(); // nothing monitored yet
    }
  }
}
