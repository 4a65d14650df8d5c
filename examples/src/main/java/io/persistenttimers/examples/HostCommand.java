package io.persistenttimers.examples;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The demo host: three participants in three zones, each with a daily prompt that starts the seed's
 * feedback flow ({@link DemoFlow}). Time runs {@code --speed} times faster than the wall clock on a
 * timeline that survives restarts ({@link SimulatedClock}): kill the host, start it again, and it
 * recovers its timers and fires them.
 */
@Command(
    name = "host",
    mixinStandardHelpOptions = true,
    description = {
      "Run the demo host: daily prompts and the feedback flow for three participants in their",
      "own time zones, on a simulated clock that runs --speed times faster than the wall clock.",
      "Kill it and start it again: it recovers its timers from the store and fires them.",
      "The simulated timeline is kept in <db>.clock beside the database."
    })
final class HostCommand implements Callable<Integer> {

  @Mixin StoreOptions storeOptions;

  @Option(
      names = "--speed",
      paramLabel = "<N>",
      defaultValue = "60",
      description = {
        "Simulated time runs N times faster than the wall clock: N simulated seconds per wall",
        "second; 60 = a minute per second, 3600 = an hour per second (default ${DEFAULT-VALUE})."
      })
  long speed;

  @Option(
      names = "--run-for",
      paramLabel = "<duration>",
      converter = Durations.class,
      description =
          "Stop by itself after this much wall time (30s, 2m, PT90S); default: until killed.")
  Duration runFor;

  @Option(
      names = "--reset",
      description =
          "Start a fresh demo: delete the demo participants' timers and the simulated clock.")
  boolean reset;

  @Override
  public Integer call() throws Exception {
    if (speed < 1 || speed > 1_000_000) {
      throw new Failure(Failure.BAD_ARGUMENTS, "--speed must be in 1..1000000: " + speed);
    }
    Path clockFile = storeOptions.clockFile();
    if (reset) {
      Files.deleteIfExists(clockFile);
    }
    boolean continued = Files.exists(clockFile);
    SimulatedClock clock = SimulatedClock.continueOrStart(clockFile, speed);
    Timeline timeline = new Timeline(clock);
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "demo-timer-scheduler");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);

    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                finished.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    try (Store store = storeOptions.open(false, clock)) {
      if (reset) {
        int deleted = 0;
        for (DemoFlow.Participant p : DemoFlow.PARTICIPANTS) {
          deleted += store.deleteByParticipant(p.id(), null).size();
        }
        Timeline.info("Reset: {} stored demo timers deleted, simulated clock restarted", deleted);
      }
      AtomicReference<PersistentTimer> ref = new AtomicReference<>();
      DemoFlow flow = new DemoFlow(ref::get, timeline);
      PersistentTimer timer =
          flow.register(PersistentTimer.builder(store))
              .clock(clock)
              .scheduler(clock.delayScheduler(executor))
              .workerThreads(2)
              // The engine arms timers due within the horizon, in simulated time. Make it one wall
              // minute's worth, so the timers due soon are armed (and reported as recovered) at
              // start.
              .horizon(horizon(speed))
              .listener(timeline)
              .build();
      ref.set(timer);
      Timeline.info(
          "Demo host on {}: speed {} ({} simulated per wall second), {} timeline, simulated now {}",
          storeOptions.describe(),
          speed,
          Duration.ofSeconds(speed).toString().substring(2).toLowerCase(),
          continued ? "continuing the stored" : "a new",
          clock.instant().truncatedTo(ChronoUnit.SECONDS));
      Timeline.info(
          "{} timers in the store at start", store.count(io.persistenttimers.TimerQuery.all()));
      try {
        timer.start();
        enroll(timer, clock);
        if (runFor == null) {
          stop.await();
        } else {
          stop.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
        }
      } finally {
        timer.close();
        executor.shutdownNow();
      }
      Timeline.info("{}", timeline.summary(store));
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running (Ctrl-C); it waits for 'finished', counted down above.
      }
    }
    return 0;
  }

  static Duration horizon(long speed) {
    Duration oneWallMinute = Duration.ofMinutes(speed);
    if (oneWallMinute.compareTo(Duration.ofMinutes(5)) < 0) {
      return Duration.ofMinutes(5);
    }
    return oneWallMinute.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : oneWallMinute;
  }

  /**
   * Gives every participant a daily prompt, idempotently (business-key id, {@code KEEP}): on a
   * continued timeline the stored prompts stay as they are. New prompts are set to local times a
   * few wall seconds ahead, so something fires soon whatever the speed.
   */
  private void enroll(PersistentTimer timer, SimulatedClock clock) {
    Instant now = clock.instant();
    Duration lead = Duration.ofSeconds(3).multipliedBy(speed);
    if (lead.compareTo(Duration.ofMinutes(2)) < 0) {
      lead = Duration.ofMinutes(2);
    }
    Instant first = now.plus(lead).truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    int added = 0;
    int i = 0;
    for (DemoFlow.Participant p : DemoFlow.PARTICIPANTS) {
      LocalTime local = first.plus(Duration.ofMinutes(i++)).atZone(p.zone()).toLocalTime();
      TimerSpec spec = DemoFlow.dailyPromptSpec(p);
      // Only for the message; the schedule call itself is idempotent (KEEP).
      if (timer.get(spec.id()).isEmpty()) {
        added++;
      }
      timer.scheduleRecurring(Schedule.daily(local, p.zone()), spec);
    }
    Timeline.info(
        "Enrolled {} participants: {} daily prompts scheduled, {} already stored. {}",
        DemoFlow.PARTICIPANTS.size(),
        added,
        DemoFlow.PARTICIPANTS.size() - added,
        runFor == null ? "Running until killed (Ctrl-C)." : "Running for " + runFor + " (wall).");
  }
}
