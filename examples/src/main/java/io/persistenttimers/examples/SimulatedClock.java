package io.persistenttimers.examples;

import io.persistenttimers.DelayScheduler;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo's time: a clock that runs {@code speed} times faster than the wall clock. {@code speed =
 * 60} makes one simulated minute pass per wall second.
 *
 * <p>The clock is defined by an anchor — simulated instant {@code simAnchor} at wall instant {@code
 * wallAnchor} — so that {@code now = simAnchor + (wall - wallAnchor) × speed}. The anchor is
 * persisted in a small properties file next to the database, so a second run (after a kill)
 * continues on the same simulated timeline: time that passed while the host was down counts,
 * multiplied by the speed, exactly as a real outage would leave timers overdue.
 *
 * <p>The engine computes delays in simulated time; {@link #delayScheduler} divides them by the
 * speed before handing them to a real executor.
 */
final class SimulatedClock extends Clock {

  private final InstantSource wall;
  private final Instant simAnchor;
  private final Instant wallAnchor;
  private final long speed;

  SimulatedClock(InstantSource wall, Instant simAnchor, Instant wallAnchor, long speed) {
    if (speed < 1) {
      throw new IllegalArgumentException("speed must be >= 1: " + speed);
    }
    this.wall = wall;
    this.simAnchor = simAnchor;
    this.wallAnchor = wallAnchor;
    this.speed = speed;
  }

  /**
   * The clock stored in {@code file}, re-anchored at the present wall time with {@code speed} (so a
   * run with another speed continues from the same simulated instant), or a new timeline starting
   * at the present wall time when there is no file. The result is written back.
   */
  static SimulatedClock continueOrStart(Path file, long speed) {
    InstantSource wall = InstantSource.system();
    Instant wallNow = wall.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant simNow = read(file).map(c -> c.instantAt(wallNow)).orElse(wallNow);
    SimulatedClock clock = new SimulatedClock(wall, simNow, wallNow, speed);
    clock.write(file);
    return clock;
  }

  /** The clock stored in {@code file} if there is one, to read "now" on the demo's timeline. */
  static java.util.Optional<SimulatedClock> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return java.util.Optional.empty();
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      p.load(in);
      return java.util.Optional.of(
          new SimulatedClock(
              InstantSource.system(),
              Instant.parse(p.getProperty("simAnchor")),
              Instant.parse(p.getProperty("wallAnchor")),
              Long.parseLong(p.getProperty("speed"))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the demo clock file " + file, e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the demo clock file " + file + " is damaged; delete it or run 'host --reset'", e);
    }
  }

  private void write(Path file) {
    Properties p = new Properties();
    p.setProperty("simAnchor", simAnchor.toString());
    p.setProperty("wallAnchor", wallAnchor.toString());
    p.setProperty("speed", Long.toString(speed));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      try (Writer out = Files.newBufferedWriter(tmp)) {
        p.store(
            out,
            "Persistent Timers demo: simulated time = simAnchor + (wall - wallAnchor) * speed");
      }
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo clock file " + file, e);
    }
  }

  long speed() {
    return speed;
  }

  /** The simulated instant at wall instant {@code wallNow}. */
  Instant instantAt(Instant wallNow) {
    return simAnchor.plus(Duration.between(wallAnchor, wallNow).multipliedBy(speed));
  }

  @Override
  public Instant instant() {
    return instantAt(wall.instant());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the demo clock is UTC only");
  }

  /** Runs tasks after simulated delays: each delay is divided by the speed. */
  DelayScheduler delayScheduler(ScheduledExecutorService executor) {
    return (task, simDelay) -> {
      long realNanos = Math.max(0, saturatedNanos(simDelay) / speed);
      var future = executor.schedule(task, realNanos, TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? 0 : Long.MAX_VALUE;
    }
  }
}
