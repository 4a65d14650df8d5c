package io.persistenttimers;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A deterministic rig for engine tests: manual clock, manual scheduler, callbacks run inline on the
 * test thread. {@link #restart()} closes the timer and builds a new one over the same store, as a
 * process restart would.
 */
final class Harness implements AutoCloseable {

  /** One callback run, as the callback saw it. */
  record Run(String id, Instant dueAt, Instant firedAt, int attempt) {}

  final ManualClock clock;
  final ManualScheduler scheduler;
  final Store store;
  final List<Run> runs = Collections.synchronizedList(new ArrayList<>());
  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final UnaryOperator<PersistentTimer.Builder> configure;
  PersistentTimer timer;

  Harness(Store store, Instant start, UnaryOperator<PersistentTimer.Builder> configure) {
    this.clock = new ManualClock(start);
    this.scheduler = new ManualScheduler(clock);
    this.store = store;
    this.configure = configure;
    this.timer = newTimer();
  }

  /** The callback every harness registers under "reminder": records the run. */
  TimerCallback recorder() {
    return ctx -> runs.add(new Run(ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
  }

  PersistentTimer.Builder baseBuilder() {
    return PersistentTimer.builder(store)
        .clock(clock)
        .scheduler(scheduler)
        .workers(Runnable::run)
        .startTimeout(Duration.ZERO)
        .random(() -> 0.5)
        .listener(
            new TimerListener() {
              @Override
              public void onFired(TimerRecord timer, Duration lateness) {
                events.add("fired " + timer.id());
              }

              @Override
              public void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {
                events.add("failed " + timer.id() + " retry " + retryAt);
              }

              @Override
              public void onDead(TimerRecord timer, Throwable error) {
                events.add("dead " + timer.id());
              }

              @Override
              public void onDropped(TimerRecord timer, String reason) {
                events.add("dropped " + timer.id());
              }

              @Override
              public void onQuarantined(TimerRecord timer, String reason) {
                events.add("quarantined " + timer.id());
              }

              @Override
              public void onUnknownCallbackType(TimerRecord timer) {
                events.add("unknown " + timer.id());
              }

              @Override
              public void onRecovered(TimerRecord timer, boolean overdue) {
                events.add("recovered " + timer.id() + (overdue ? " overdue" : ""));
              }
            });
  }

  private PersistentTimer newTimer() {
    return configure.apply(baseBuilder()).build();
  }

  Harness start() {
    timer.start();
    return this;
  }

  /** Close, then a new PersistentTimer over the same store, started. */
  Harness restart() {
    timer.close();
    timer = newTimer();
    timer.start();
    return this;
  }

  void advance(Duration duration) {
    scheduler.advance(duration);
  }

  void advanceTo(Instant instant) {
    scheduler.advanceTo(instant);
  }

  List<String> firedIds() {
    return runs.stream().map(Run::id).toList();
  }

  @Override
  public void close() {
    timer.close();
  }
}
