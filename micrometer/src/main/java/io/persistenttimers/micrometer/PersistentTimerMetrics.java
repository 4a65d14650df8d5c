package io.persistenttimers.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.persistenttimers.CallbackInterceptor;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer metrics of one {@link PersistentTimer}; needs no Spring.
 *
 * <pre>{@code
 * PersistentTimer.Builder builder = PersistentTimer.builder(store).register(...);
 * PersistentTimerMetrics metrics = PersistentTimerMetrics.create();
 * metrics.instrument(builder);
 * PersistentTimer timer = builder.build();
 * metrics.monitor(timer);
 * metrics.bindTo(registry); // before timer.start(), so the first runs are counted
 * }</pre>
 *
 * <p>Meters (names in Micrometer's dotted form; Prometheus shows {@code timers_callbacks_total},
 * {@code timers_callback_duration_seconds}, …):
 *
 * <ul>
 *   <li>{@value #CALLBACKS} counter, tags {@code type} (the callback type) and {@code outcome}:
 *       {@code fired} (a callback started), then what came of it: {@code succeeded}, {@code failed}
 *       (an attempt threw or timed out), {@code retried} (a failed attempt that will run again),
 *       {@code quarantined}; and {@code dropped} (deleted without firing: expired, overdue SKIP or
 *       DROP).
 *   <li>{@value #CALLBACK_DURATION} timer, tags {@code type} and {@code outcome} ({@code
 *       succeeded}, {@code failed}): how long callbacks ran, with the 0.5, 0.95 and 0.99
 *       percentiles.
 *   <li>{@value #LATENESS} timer, tag {@code type}: when a callback started minus when it was due,
 *       with the same percentiles.
 *   <li>Gauges, refreshed every {@code refreshInterval} (default 30 s) from {@link
 *       PersistentTimer#stats()} on a thread of their own, never when scraped: {@value #PENDING}
 *       (ACTIVE timers in the store), {@value #FAILED} and {@value #QUARANTINED} (counted in the
 *       store), {@value #OVERDUE} (armed timers past their due time), {@value #OVERDUE_AGE} (how
 *       late the most overdue one was at the last refresh), {@value #ARMED}, {@value #RUNNING} and
 *       {@value #LEASES_HELD} (multi-node mode). Before the first refresh, and while the store
 *       cannot be counted, a gauge keeps its last value (NaN until there is one).
 * </ul>
 *
 * <p>No meter carries params, timer ids or participant ids: they would make a series per timer and
 * put personal data into the monitoring system. Thread-safe.
 */
public final class PersistentTimerMetrics
    implements MeterBinder, TimerListener, CallbackInterceptor, AutoCloseable {

  /** Counter of callback runs and what came of them; tags {@code type}, {@code outcome}. */
  public static final String CALLBACKS = "timers.callbacks";

  /** Timer of callback run time; tags {@code type}, {@code outcome}. */
  public static final String CALLBACK_DURATION = "timers.callback.duration";

  /** Timer of how late callbacks started (fired − due); tag {@code type}. */
  public static final String LATENESS = "timers.lateness";

  /** Gauge: ACTIVE timers in the store. */
  public static final String PENDING = "timers.pending";

  /** Gauge: armed timers whose due time has passed. */
  public static final String OVERDUE = "timers.overdue";

  /** Time gauge: how late the most overdue armed timer was at the last refresh. */
  public static final String OVERDUE_AGE = "timers.overdue.oldest.age";

  /** Gauge: timers held in memory, due within the horizon. */
  public static final String ARMED = "timers.armed";

  /** Gauge: callbacks running now. */
  public static final String RUNNING = "timers.running";

  /** Gauge: FAILED timers in the store. */
  public static final String FAILED = "timers.failed";

  /** Gauge: QUARANTINED timers in the store. */
  public static final String QUARANTINED = "timers.quarantined";

  /** Gauge: timers this node holds a lease on (multi-node mode; 0 otherwise). */
  public static final String LEASES_HELD = "timers.leases.held";

  /** The default time between two refreshes of the gauges. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(PersistentTimerMetrics.class);
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

  private final Duration refreshInterval;
  private final ConcurrentMap<String, TypeMeters> byType = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;
  private volatile PersistentTimer timer;
  private volatile TimerStats stats;
  private ScheduledExecutorService refresher;
  private boolean closed;

  private PersistentTimerMetrics(Duration refreshInterval) {
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    if (refreshInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "refreshInterval must be at least 1 second: " + refreshInterval);
    }
    this.refreshInterval = refreshInterval;
  }

  /**
   * Metrics whose gauges are refreshed every {@link #DEFAULT_REFRESH}.
   *
   * @return metrics to {@link #instrument} a builder with
   */
  public static PersistentTimerMetrics create() {
    return create(DEFAULT_REFRESH);
  }

  /**
   * Metrics whose gauges are refreshed every {@code refreshInterval}.
   *
   * @param refreshInterval time between two refreshes of the gauges, at least 1 second; each
   *     refresh counts ACTIVE, FAILED and QUARANTINED timers in the store (three indexed queries)
   * @return metrics to {@link #instrument} a builder with
   * @throws IllegalArgumentException when {@code refreshInterval} is below 1 second
   */
  public static PersistentTimerMetrics create(Duration refreshInterval) {
    return new PersistentTimerMetrics(refreshInterval);
  }

  /**
   * Adds these metrics to {@code builder} as listener and interceptor; then {@link #monitor} the
   * timer it builds.
   *
   * @param builder the builder of the timer to measure
   */
  public void instrument(PersistentTimer.Builder builder) {
    Objects.requireNonNull(builder, "builder").listener(this).interceptor(this);
  }

  /**
   * The timer whose {@link PersistentTimer#stats()} feed the gauges; the refreshes begin once a
   * registry is bound.
   *
   * @param timer the timer built from the instrumented builder
   * @throws IllegalStateException when a timer is already monitored
   */
  public void monitor(PersistentTimer timer) {
    Objects.requireNonNull(timer, "timer");
    synchronized (this) {
      if (this.timer != null && this.timer != timer) {
        throw new IllegalStateException("these metrics already monitor another PersistentTimer");
      }
      this.timer = timer;
      startRefreshing();
    }
  }

  /**
   * Registers the gauges in {@code registry}; counters and timers are registered there as the first
   * event of each callback type arrives. Events before this call are not counted.
   *
   * @param registry the registry (a composite one to publish to several)
   * @throws IllegalStateException when bound to another registry already
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (this) {
      if (this.registry == registry) {
        return;
      }
      if (this.registry != null) {
        throw new IllegalStateException(
            "these metrics are bound to a registry already; bind them to a CompositeMeterRegistry"
                + " to publish to several");
      }
      gauge(registry, PENDING, "ACTIVE timers in the store", TimerStats::active);
      gauge(registry, FAILED, "FAILED timers in the store", TimerStats::failed);
      gauge(registry, QUARANTINED, "QUARANTINED timers in the store", TimerStats::quarantined);
      gauge(registry, OVERDUE, "armed timers past their due time", TimerStats::overdue);
      gauge(registry, ARMED, "timers held in memory", TimerStats::armed);
      gauge(registry, RUNNING, "callbacks running now", TimerStats::running);
      gauge(registry, LEASES_HELD, "timers this node holds a lease on", TimerStats::leasesHeld);
      TimeGauge.builder(
              OVERDUE_AGE,
              this,
              TimeUnit.SECONDS,
              m -> m.value(s -> s.overdueLag().toNanos() / 1e9))
          .description("how late the most overdue armed timer was at the last refresh")
          .strongReference(true)
          .register(registry);
      this.registry = registry;
      startRefreshing();
    }
  }

  private void gauge(
      MeterRegistry registry, String name, String description, ToDoubleFunction<TimerStats> value) {
    Gauge.builder(name, this, m -> m.value(value))
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  private double value(ToDoubleFunction<TimerStats> value) {
    TimerStats current = stats;
    return current == null ? Double.NaN : value.applyAsDouble(current);
  }

  private void startRefreshing() {
    if (refresher != null || closed || registry == null || timer == null) {
      return;
    }
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "persistent-timers-metrics");
              thread.setDaemon(true);
              return thread;
            });
    refresher.scheduleWithFixedDelay(
        this::refresh, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads {@link PersistentTimer#stats()} now for the gauges. Runs on its own every refresh
   * interval; call it to see a change at once. When the store cannot be counted the gauges keep
   * their last values.
   */
  public synchronized void refresh() {
    // Synchronized: a refresh that read earlier never overwrites one that read later.
    PersistentTimer source = timer;
    if (source == null) {
      return;
    }
    try {
      stats = source.stats();
    } catch (RuntimeException e) {
      log.warn(
          "Persistent Timers metrics: cannot read the stats; keeping the last values: {}",
          e.toString());
    }
  }

  /** Stops refreshing the gauges. Meters stay registered. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (refresher != null) {
        refresher.shutdownNow();
      }
    }
  }

  // --- events ------------------------------------------------------------------------------

  @Override
  public void beforeRun(TimerContext context) {
    TypeMeters meters = meters(context.callbackType());
    if (meters != null) {
      meters.fired.increment();
      Duration late = Duration.between(context.dueAt(), context.firedAt());
      meters.lateness.record(late.isNegative() ? Duration.ZERO : late);
    }
  }

  @Override
  public void afterRun(TimerContext context, Duration took) {
    TypeMeters meters = meters(context.callbackType());
    if (meters != null) {
      meters.succeeded.increment();
      meters.succeededDuration.record(took);
    }
  }

  @Override
  public void onFailure(TimerContext context, Throwable error, Duration took) {
    TypeMeters meters = meters(context.callbackType());
    if (meters != null) {
      meters.failed.increment();
      meters.failedDuration.record(took);
    }
  }

  @Override
  public void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {
    TypeMeters meters = meters(timer.callbackType());
    if (meters != null) {
      meters.retried.increment();
    }
  }

  @Override
  public void onQuarantined(TimerRecord timer, String reason) {
    TypeMeters meters = meters(timer.callbackType());
    if (meters != null) {
      meters.quarantined.increment();
    }
  }

  @Override
  public void onDropped(TimerRecord timer, String reason) {
    TypeMeters meters = meters(timer.callbackType());
    if (meters != null) {
      meters.dropped.increment();
    }
  }

  private TypeMeters meters(String callbackType) {
    MeterRegistry bound = registry;
    return bound == null
        ? null
        : byType.computeIfAbsent(callbackType, t -> new TypeMeters(bound, t));
  }

  /** The meters of one callback type, looked up once. */
  private static final class TypeMeters {
    final Counter fired;
    final Counter succeeded;
    final Counter failed;
    final Counter retried;
    final Counter quarantined;
    final Counter dropped;
    final Timer succeededDuration;
    final Timer failedDuration;
    final Timer lateness;

    TypeMeters(MeterRegistry registry, String type) {
      fired = counter(registry, type, "fired");
      succeeded = counter(registry, type, "succeeded");
      failed = counter(registry, type, "failed");
      retried = counter(registry, type, "retried");
      quarantined = counter(registry, type, "quarantined");
      dropped = counter(registry, type, "dropped");
      succeededDuration = duration(registry, type, "succeeded");
      failedDuration = duration(registry, type, "failed");
      lateness =
          Timer.builder(LATENESS)
              .description("when a callback started minus when it was due")
              .tag("type", type)
              .publishPercentiles(PERCENTILES)
              .register(registry);
    }

    private static Counter counter(MeterRegistry registry, String type, String outcome) {
      return Counter.builder(CALLBACKS)
          .description("callback runs and what came of them")
          .tag("type", type)
          .tag("outcome", outcome)
          .register(registry);
    }

    private static Timer duration(MeterRegistry registry, String type, String outcome) {
      return Timer.builder(CALLBACK_DURATION)
          .description("how long callbacks ran")
          .tag("type", type)
          .tag("outcome", outcome)
          .publishPercentiles(PERCENTILES)
          .register(registry);
    }
  }
}
