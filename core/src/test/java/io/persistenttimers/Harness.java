package io.persistenttimers;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import io.persistenttimers.testkit.TimerHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Core's engine-test rig: the published {@link TimerHarness} plus a recorder of callback runs, with
 * the fields the engine tests read directly.
 */
final class Harness implements AutoCloseable {

  /** One callback run, as the callback saw it. */
  record Run(String id, Instant dueAt, Instant firedAt, int attempt) {}

  private final TimerHarness kit;
  final ManualClock clock;
  final ManualScheduler scheduler;
  final Store store;
  final List<Run> runs = Collections.synchronizedList(new ArrayList<>());
  final EventsView events;
  PersistentTimer timer;

  Harness(Store store, Instant start, UnaryOperator<PersistentTimer.Builder> configure) {
    this.kit = TimerHarness.on(store, start, configure);
    this.clock = kit.clock();
    this.scheduler = kit.scheduler();
    this.store = store;
    this.events = new EventsView(kit);
    this.timer = kit.timer();
  }

  /** The callback every harness registers under "reminder": records the run. */
  TimerCallback recorder() {
    return ctx -> runs.add(new Run(ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
  }

  PersistentTimer.Builder baseBuilder() {
    return kit.baseBuilder();
  }

  Harness start() {
    kit.start();
    return this;
  }

  /** Close, then a new PersistentTimer over the same store, started. */
  Harness restart() {
    kit.restart();
    timer = kit.timer();
    return this;
  }

  void advance(Duration duration) {
    kit.advance(duration);
  }

  void advanceTo(Instant instant) {
    kit.advanceTo(instant);
  }

  List<String> firedIds() {
    return runs.stream().map(Run::id).toList();
  }

  @Override
  public void close() {
    kit.close();
  }

  /** The kit's events as a live list, as the engine tests assert on them. */
  static final class EventsView extends java.util.AbstractList<String> {
    private final TimerHarness kit;

    EventsView(TimerHarness kit) {
      this.kit = kit;
    }

    @Override
    public String get(int index) {
      return kit.events().get(index);
    }

    @Override
    public int size() {
      return kit.events().size();
    }
  }
}
