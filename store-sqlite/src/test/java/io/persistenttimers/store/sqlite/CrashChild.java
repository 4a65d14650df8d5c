package io.persistenttimers.store.sqlite;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link SqliteCrashTest}: a host with real threads on a SQLite file, to be killed
 * at any moment.
 *
 * <p>Arguments: {@code db journal generation oneShots seed}. It opens the store, starts the timer
 * (recovering whatever the previous generation left), prints {@code ready}, (re)schedules the
 * recurring timers by fixed id, then schedules {@code oneShots} one-shot timers, printing {@code
 * ack <id> <kind> <dueMillis|->} on stdout after each schedule call <em>returned</em> — only those
 * are promised. Then it prints {@code scheduled} and runs until it reads {@code stop} on stdin (it
 * then closes cleanly and prints {@code closed}) or is killed.
 *
 * <p>Every callback journals {@code start}, works 50–200 ms (params {@code workMs}) so that kills
 * land inside callbacks, and journals {@code end}; both forced to disk.
 */
public final class CrashChild {

  static final List<ZoneId> ZONES =
      List.of(
          ZoneId.of("Asia/Kolkata"),
          ZoneId.of("America/New_York"),
          ZoneId.of("Europe/Berlin"),
          ZoneId.of("UTC"));
  static final Duration EVERY_SHORT = Duration.ofSeconds(1);
  static final Duration EVERY_LONG = Duration.ofMillis(2500);

  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    Path journalFile = Path.of(args[1]);
    int generation = Integer.parseInt(args[2]);
    int oneShots = Integer.parseInt(args[3]);
    Random random = new Random(Long.parseLong(args[4]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    CrashJournal journal = CrashJournal.openForAppend(journalFile, generation);
    TimerCallback callback =
        ctx -> {
          journal.record("start", ctx);
          Thread.sleep(workMillis(ctx.params())); // the host's work, long enough to be killed in
          journal.record("end", ctx);
        };
    SqliteStore store = SqliteStore.openOrCreate(db);
    PersistentTimer timer =
        PersistentTimer.builder(store)
            .register("once", record -> callback)
            .register("recurring", record -> callback)
            .horizon(Duration.ofSeconds(2))
            .workerThreads(8)
            .build();
    timer.start();
    out.println("ready");

    scheduleRecurring(timer, out, "every-short", Schedule.every(EVERY_SHORT), random);
    scheduleRecurring(timer, out, "every-long", Schedule.every(EVERY_LONG), random);
    for (ZoneId zone : ZONES) {
      scheduleRecurring(timer, out, "cron:" + zone, Schedule.cron("* * * * *", zone), random);
    }

    for (int i = 0; i < oneShots; i++) {
      String id = "g" + generation + "-" + i;
      ZoneId zone = ZONES.get(i % ZONES.size());
      TimerSpec spec = TimerSpec.of("once", "participant-" + i % 7).id(id).params(work(random));
      if (i % 2 == 0) {
        timer.scheduleAfter(Duration.ofMillis(200 + random.nextInt(2800)), spec);
        out.println("ack " + id + " once -");
      } else {
        // A wall-clock moment in the participant's zone, a few seconds ahead, whole seconds.
        Instant due =
            ZonedDateTime.now(zone)
                .plus(300 + random.nextInt(2700), ChronoUnit.MILLIS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toInstant();
        timer.scheduleAt(due, spec);
        out.println("ack " + id + " once " + due.toEpochMilli());
      }
    }
    out.println("scheduled");

    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("stop")) {
      // wait for the parent's word
    }
    timer.close();
    store.close();
    journal.close();
    out.println("closed");
  }

  private static void scheduleRecurring(
      PersistentTimer timer, PrintStream out, String id, Schedule schedule, Random random) {
    // Same id every generation: the second call keeps the stored timer (IfExists.KEEP).
    timer.scheduleRecurring(
        schedule, TimerSpec.of("recurring", "participant-r").id(id).params(work(random)));
    out.println("ack " + id + " recurring -");
  }

  private static String work(Random random) {
    return "{\"workMs\":" + (50 + random.nextInt(151)) + "}";
  }

  private static long workMillis(String params) {
    return Long.parseLong(params.replaceAll("[^0-9]", ""));
  }
}
