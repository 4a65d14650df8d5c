package io.persistenttimers.internal;

import io.persistenttimers.DelayScheduler;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One of the engine's loops (loading the window, cleanup, lease renewal): the scheduler wakes it,
 * its body runs on an executor and says when to run next. {@link #cancel} is final: no run is
 * scheduled after it, even by a body that was running when it was called.
 */
final class PeriodicTask {
  private final String name;
  private final DelayScheduler scheduler;
  private final Executor executor;
  private final BooleanSupplier active;
  private final Supplier<Duration> body;
  private DelayScheduler.Cancellable next;
  private boolean cancelled;

  /**
   * @param active false once the engine stopped: a wake-up then runs nothing
   * @param body the work; returns the delay until the next run
   */
  PeriodicTask(
      String name,
      DelayScheduler scheduler,
      Executor executor,
      BooleanSupplier active,
      Supplier<Duration> body) {
    this.name = name;
    this.scheduler = scheduler;
    this.executor = executor;
    this.active = active;
    this.body = body;
  }

  synchronized void schedule(Duration delay) {
    if (!cancelled) {
      next = scheduler.schedule(Guarded.guarded(name, this::tick), delay);
    }
  }

  synchronized void cancel() {
    cancelled = true;
    if (next != null) {
      next.cancel();
    }
  }

  private void tick() {
    if (!active.getAsBoolean()) {
      return;
    }
    Guarded.execute(
        executor,
        name,
        () -> {
          Duration delay = body.get();
          if (active.getAsBoolean()) {
            schedule(delay);
          }
        });
  }
}
