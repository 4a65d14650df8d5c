package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.store.sqlite.CrashJournal.Run;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recurring timers scheduled by a JVM whose default zone is Asia/Kolkata are recovered by JVMs in
 * UTC with the same instants, and fire at the schedule's local time: the schedule's zone travels
 * with the record, the JVM's never does. Each firing JVM runs on a clock set a few seconds before
 * the due time (an offset from the system clock), so the test waits seconds, not hours; the
 * assertions are on the due and fired times the callback journaled.
 */
class SqliteTimeZoneAcrossJvmsIT {

  private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  @TempDir Path dir;

  @Test
  void scheduledInKolkataJvm_recoveredInUtcJvms_fireAtScheduleLocalTime() throws Exception {
    Path db = dir.resolve("timers.db");
    Path journal = dir.resolve("journal.txt");

    try (ChildJvm child =
        ChildJvm.start(
            ZoneChild.class,
            dir.resolve("schedule.log"),
            List.of("-Duser.timezone=Asia/Kolkata"),
            "schedule",
            db.toString())) {
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.describe("exit code")).isZero();
      assertThat(child.lines()).containsExactly("zone Asia/Kolkata", "scheduled");
    }

    Instant kolkataDue;
    Instant newYorkDue;
    try (SqliteStore store = SqliteStore.openOrCreate(db)) { // this JVM runs in America/Sao_Paulo
      TimerRecord kolkata = store.get(ZoneChild.KOLKATA).orElseThrow();
      TimerRecord newYork = store.get(ZoneChild.NEW_YORK).orElseThrow();
      kolkataDue = kolkata.nextFireAt();
      newYorkDue = newYork.nextFireAt();
      assertThat(kolkataDue)
          .isEqualTo(firstAfter(kolkata.createdAt(), LocalTime.of(9, 0), KOLKATA));
      assertThat(kolkataDue.atZone(ZoneOffset.UTC).toLocalTime()).isEqualTo(LocalTime.of(3, 30));
      assertThat(newYorkDue)
          .isEqualTo(firstAfter(newYork.createdAt(), LocalTime.of(7, 30), NEW_YORK));
    }

    // A UTC JVM recovers the Kolkata timer and fires it at 09:00 Kolkata, 03:30Z.
    List<String> kolkataLines = fire(db, journal, 1, ZoneChild.KOLKATA, kolkataDue);
    Instant kolkataNext = firstAfter(kolkataDue, LocalTime.of(9, 0), KOLKATA);
    assertThat(kolkataNext).isEqualTo(kolkataDue.plus(Duration.ofDays(1)));
    assertThat(kolkataLines)
        .containsExactly(
            "zone UTC",
            "recovered " + kolkataDue.toEpochMilli(),
            "advanced " + kolkataNext.toEpochMilli() + " " + kolkataDue.toEpochMilli());

    // Another UTC JVM fires the New York cron at 07:30 New York time (11:30Z or 12:30Z by DST).
    List<String> newYorkLines = fire(db, journal, 2, ZoneChild.NEW_YORK, newYorkDue);
    Instant newYorkNext = firstAfter(newYorkDue, LocalTime.of(7, 30), NEW_YORK);
    assertThat(newYorkLines)
        .containsExactly(
            "zone UTC",
            "recovered " + newYorkDue.toEpochMilli(),
            "advanced " + newYorkNext.toEpochMilli() + " " + newYorkDue.toEpochMilli());

    List<Run> runs = CrashJournal.read(journal);
    assertThat(runs)
        .extracting(Run::phase, Run::id, Run::dueAt, Run::generation)
        .containsExactly(
            tuple("start", ZoneChild.KOLKATA, kolkataDue, 1),
            tuple("end", ZoneChild.KOLKATA, kolkataDue, 1),
            tuple("start", ZoneChild.NEW_YORK, newYorkDue, 2),
            tuple("end", ZoneChild.NEW_YORK, newYorkDue, 2));
    for (Run run : runs) {
      ZoneId zone = run.id().equals(ZoneChild.KOLKATA) ? KOLKATA : NEW_YORK;
      LocalTime local =
          run.id().equals(ZoneChild.KOLKATA) ? LocalTime.of(9, 0) : LocalTime.of(7, 30);
      assertThat(run.dueAt().atZone(zone).toLocalTime())
          .as("due, local to the schedule")
          .isEqualTo(local);
      // Fired on time by the (offset) clock: not early, and within seconds.
      assertThat(run.firedAt()).isBetween(run.dueAt(), run.dueAt().plusSeconds(5));
    }
  }

  /** Runs a UTC child whose clock starts three seconds before {@code due}; returns its stdout. */
  private List<String> fire(Path db, Path journal, int generation, String id, Instant due)
      throws Exception {
    try (ChildJvm child =
        ChildJvm.start(
            ZoneChild.class,
            dir.resolve("fire-" + generation + ".log"),
            List.of("-Duser.timezone=UTC"),
            "fire",
            db.toString(),
            journal.toString(),
            String.valueOf(generation),
            id,
            String.valueOf(due.minusSeconds(3).toEpochMilli()))) {
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.describe("exit code")).isZero();
      return child.lines();
    }
  }

  /**
   * The first {@code time} in {@code zone} strictly after {@code instant} (no DST gap at these
   * times).
   */
  private static Instant firstAfter(Instant instant, LocalTime time, ZoneId zone) {
    ZonedDateTime candidate = instant.atZone(zone).toLocalDate().atTime(time).atZone(zone);
    while (!candidate.toInstant().isAfter(instant)) {
      candidate = candidate.toLocalDate().plusDays(1).atTime(time).atZone(zone);
    }
    return candidate.toInstant();
  }
}
