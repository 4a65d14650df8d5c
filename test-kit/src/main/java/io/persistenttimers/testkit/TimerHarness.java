package io.persistenttimers.testkit;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Drives a {@link PersistentTimer} deterministically from a test: a {@link ManualClock}, a {@link
 * ManualScheduler}, and callbacks run on the test thread, so a test says "advance 15 minutes" and
 * every callback due by then has run when the call returns. No sleeps, no waiting.
 *
 * <pre>{@code
 * try (TimerHarness h = TimerHarness.on(new FakeStore(), b -> b.register("reminder", Reminder.class, sender)).start()) {
 *   h.timer().scheduleAfter(Duration.ofMinutes(15), TimerSpec.of("reminder", "p-1"));
 *   h.restart();                          // a process restart: same store, new engine
 *   h.advance(Duration.ofMinutes(15));    // the reminder runs here, on this thread
 * }
 * }</pre>
 *
 * <p>The store can be any store: {@link FakeStore} for speed, or the host's real SQLite file to
 * test against what production uses. The harness records what the engine reports in {@link
 * #events()} unless {@code configure} sets a listener of its own.
 */
public final class TimerHarness implements AutoCloseable {

  /** The clock's start when none is given: a Thursday morning, UTC. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T09:00:00Z");

  private final ManualClock clock;
  private final ManualScheduler scheduler;
  private final Store store;
  private final UnaryOperator<PersistentTimer.Builder> configure;
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private PersistentTimer timer;

  private TimerHarness(
      Store store, Instant start, UnaryOperator<PersistentTimer.Builder> configure) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = new ManualClock(Objects.requireNonNull(start, "start"));
    this.scheduler = new ManualScheduler(clock);
    this.configure = Objects.requireNonNull(configure, "configure");
    this.timer = build();
  }

  /**
   * A harness over {@code store} whose clock starts at {@link #DEFAULT_START}.
   *
   * @param store the store the engine uses, and keeps across {@link #restart()}
   * @param configure registers callbacks and sets options on the builder (clock, scheduler and
   *     workers are the harness's)
   * @return a harness whose timer is built, not started
   */
  public static TimerHarness on(Store store, UnaryOperator<PersistentTimer.Builder> configure) {
    return new TimerHarness(store, DEFAULT_START, configure);
  }

  /**
   * A harness over {@code store} whose clock starts at {@code start}.
   *
   * @param store the store the engine uses, and keeps across {@link #restart()}
   * @param start the clock's first reading
   * @param configure registers callbacks and sets options on the builder
   * @return a harness whose timer is built, not started
   */
  public static TimerHarness on(
      Store store, Instant start, UnaryOperator<PersistentTimer.Builder> configure) {
    return new TimerHarness(store, start, configure);
  }

  /**
   * The builder the harness starts from: the harness's clock and scheduler, callbacks on the
   * calling thread, no start retries, jitter fixed at its middle, and a listener that records
   * {@link #events()}.
   *
   * @return a new builder over the harness's store
   */
  public PersistentTimer.Builder baseBuilder() {
    return PersistentTimer.builder(store)
        .clock(clock)
        .scheduler(scheduler)
        .workers(Runnable::run)
        .startTimeout(Duration.ZERO)
        .random(() -> 0.5)
        .listener(new Recorder());
  }

  private PersistentTimer build() {
    return configure.apply(baseBuilder()).build();
  }

  /**
   * Starts the timer: recovers what the store holds, as a process start would.
   *
   * @return this harness
   */
  public TimerHarness start() {
    timer.start();
    return this;
  }

  /**
   * Closes the timer and starts a new one over the same store at the current clock reading, as a
   * process restart would. Whatever was not stored is gone, as after a real restart.
   *
   * @return this harness
   */
  public TimerHarness restart() {
    timer.close();
    timer = build();
    timer.start();
    return this;
  }

  /**
   * The current timer (a new one after each {@link #restart()}).
   *
   * @return the timer
   */
  public PersistentTimer timer() {
    return timer;
  }

  /**
   * The store.
   *
   * @return the store the timer uses
   */
  public Store store() {
    return store;
  }

  /**
   * The manual clock.
   *
   * @return the clock the timer reads
   */
  public ManualClock clock() {
    return clock;
  }

  /**
   * The manual scheduler.
   *
   * @return the scheduler the timer waits on
   */
  public ManualScheduler scheduler() {
    return scheduler;
  }

  /**
   * The clock's reading.
   *
   * @return now, as the timer sees it
   */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Moves the clock forward, running every callback that falls due on the way, in due order, on
   * this thread.
   *
   * @param duration how far to move
   * @return how many scheduler tasks ran
   */
  public int advance(Duration duration) {
    return scheduler.advance(duration);
  }

  /**
   * Moves the clock to {@code instant}, running every callback that falls due on the way.
   *
   * @param instant where to move the clock
   * @return how many scheduler tasks ran
   */
  public int advanceTo(Instant instant) {
    return scheduler.advanceTo(instant);
  }

  /**
   * Runs what is due now without moving the clock (for example an overdue timer right after {@link
   * #restart()}).
   *
   * @return how many scheduler tasks ran
   */
  public int runDue() {
    return scheduler.runDue();
  }

  /**
   * What the engine reported, in order: {@code "fired <id>"}, {@code "failed <id> retry <at>"},
   * {@code "dead <id>"}, {@code "dropped <id>"}, {@code "quarantined <id>"}, {@code "unknown
   * <id>"}, {@code "recovered <id>"} (with {@code " overdue"} when it was).
   *
   * @return a copy of the events so far
   */
  public List<String> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Closes the timer; the store stays open (it is the caller's). */
  @Override
  public void close() {
    timer.close();
  }

  private final class Recorder implements TimerListener {
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
  }
}
