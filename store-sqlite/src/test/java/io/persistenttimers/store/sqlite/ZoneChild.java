package io.persistenttimers.store.sqlite;

import static org.awaitility.Awaitility.await;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerCallback;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * The child JVM of {@link SqliteTimeZoneAcrossJvmsTest}; the test sets each child's default zone.
 *
 * <ul>
 *   <li>{@code schedule db}: schedules {@link #KOLKATA} (daily 09:00 Asia/Kolkata) and {@link
 *       #NEW_YORK} (cron {@code 30 7 * * *} America/New_York), prints {@code zone <default zone>},
 *       closes.
 *   <li>{@code fire db journal generation id virtualStartMillis}: runs on a clock that reads {@code
 *       virtualStartMillis} at the moment the JVM gets here and then moves at the system clock's
 *       pace, with only the callback type of {@code id} registered (each timer here has its id as
 *       its type, so the other one stays parked); prints {@code recovered <nextFireAt>}, waits
 *       until {@code id} fired (journaled) and advanced, prints {@code advanced <nextFireAt>
 *       <lastFiredAt>} and closes.
 * </ul>
 */
public final class ZoneChild {

  static final String KOLKATA = "daily-prompt:kolkata";
  static final String NEW_YORK = "cron-prompt:new-york";

  private ZoneChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("zone " + ZoneId.systemDefault());
    Path db = Path.of(args[1]);
    if (args[0].equals("schedule")) {
      try (SqliteStore store = SqliteStore.openOrCreate(db);
          PersistentTimer timer =
              PersistentTimer.builder(store)
                  .register(KOLKATA, record -> ctx -> {})
                  .register(NEW_YORK, record -> ctx -> {})
                  .build()) {
        timer.start();
        timer.scheduleRecurring(
            Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")),
            TimerSpec.of(KOLKATA, "participant-in").id(KOLKATA));
        timer.scheduleRecurring(
            Schedule.cron("30 7 * * *", ZoneId.of("America/New_York")),
            TimerSpec.of(NEW_YORK, "participant-us").id(NEW_YORK));
      }
      out.println("scheduled");
      return;
    }

    Path journalFile = Path.of(args[2]);
    int generation = Integer.parseInt(args[3]);
    String id = args[4];
    Instant virtualStart = Instant.ofEpochMilli(Long.parseLong(args[5]));
    InstantSource clock =
        InstantSource.offset(InstantSource.system(), Duration.between(Instant.now(), virtualStart));
    try (CrashJournal journal = CrashJournal.openForAppend(journalFile, generation);
        SqliteStore store = SqliteStore.openOrCreate(db)) {
      TimerRecord recovered = store.get(id).orElseThrow();
      out.println("recovered " + recovered.nextFireAt().toEpochMilli());
      TimerCallback callback =
          ctx -> {
            journal.record("start", ctx);
            journal.record("end", ctx);
          };
      try (PersistentTimer timer =
          PersistentTimer.builder(store).register(id, record -> callback).clock(clock).build()) {
        timer.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> store.get(id).orElseThrow().version() > recovered.version());
        TimerRecord advanced = store.get(id).orElseThrow();
        out.println(
            "advanced "
                + advanced.nextFireAt().toEpochMilli()
                + " "
                + advanced.lastFiredAt().toEpochMilli());
      }
    }
  }
}
