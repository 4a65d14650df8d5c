package io.persistenttimers.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operator command, run as a real process against a SQLite file prepared here. None of the
 * callback types below is registered anywhere: the CLI only uses the store.
 */
class OperatorCliTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private Path db;
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeEach
  void prepare() {
    db = dir.resolve("ops.db");
    try (SqliteStore store = SqliteStore.openOrCreate(db)) {
      store.insert(
          once(
              "a1",
              "participant-ana",
              "micro",
              "feedback_initial",
              now.minus(Duration.ofMinutes(10)),
              TimerStatus.ACTIVE,
              null,
              now));
      store.insert(
          new TimerRecord(
              "a2",
              "participant-ana",
              "micro",
              "scheduled_prompt",
              "{}",
              1,
              TimerKind.RECURRING,
              Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")),
              now.plus(Duration.ofHours(1)),
              null,
              null,
              null,
              0,
              null,
              TimerStatus.ACTIVE,
              1,
              null,
              null,
              null,
              now,
              now));
      store.insert(
          once(
              "a3",
              "participant-ana",
              "other_flow",
              "reminder",
              now.plus(Duration.ofHours(2)),
              TimerStatus.ACTIVE,
              null,
              now));
      store.insert(
          once(
              "b1",
              "participant-bob",
              "micro",
              "reminder",
              now.minus(Duration.ofDays(10)),
              TimerStatus.FAILED,
              null,
              now.minus(Duration.ofDays(10))));
      store.insert(
          once(
              "b2",
              "participant-bob",
              "micro",
              "auto_feedback",
              now.plus(Duration.ofHours(3)),
              TimerStatus.QUARANTINED,
              null,
              now));
      store.insert(
          once(
              "c1",
              "participant-cy",
              "micro",
              "never_registered_type",
              now.plus(Duration.ofHours(4)),
              TimerStatus.ACTIVE,
              now.minus(Duration.ofMinutes(1)),
              now));
    }
  }

  private static TimerRecord once(
      String id,
      String participant,
      String flow,
      String type,
      Instant due,
      TimerStatus status,
      Instant expiresAt,
      Instant updated) {
    return new TimerRecord(
        id,
        participant,
        flow,
        type,
        "{\"text\":\"hello " + participant + "\"}",
        1,
        TimerKind.ONCE,
        null,
        due,
        expiresAt,
        "FEEDBACK",
        "key-" + id,
        status == TimerStatus.FAILED ? 3 : 0,
        status == TimerStatus.ACTIVE ? null : "boom",
        status,
        1,
        null,
        null,
        null,
        updated,
        updated);
  }

  private ChildProcess.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--db");
    all.add(db.toString());
    return ChildProcess.run(dir, TIMEOUT, all.toArray(String[]::new));
  }

  private List<String> storedIds() {
    try (SqliteStore store = SqliteStore.open(db)) {
      return store.list(TimerQuery.all()).stream().map(TimerRecord::id).toList();
    }
  }

  @Test
  void list_filtersByParticipantFlowCallbackTypeStatusAndLimit() throws Exception {
    ChildProcess.Result ana = cli("list", "--participant", "participant-ana");
    assertThat(ana.exitCode()).as(ana.output()).isZero();
    assertThat(ana.output())
        .contains("a1", "a2", "a3", "3 of 3 matching timers shown")
        .doesNotContain("b1", "hello");

    ChildProcess.Result failedReminders =
        cli("list", "--flow-type", "micro", "--callback-type", "reminder", "--status", "failed");
    assertThat(failedReminders.exitCode()).isZero();
    assertThat(failedReminders.output()).contains("b1", "1 of 1 matching").doesNotContain("a3");

    ChildProcess.Result limited = cli("list", "--limit", "2");
    assertThat(limited.output()).contains("a1", "b1", "2 of 6 matching").doesNotContain("a2 ");
  }

  @Test
  void show_printsEveryFieldIncludingParams_orExitsOneForAnUnknownId() throws Exception {
    ChildProcess.Result shown = cli("show", "a2");
    assertThat(shown.exitCode()).as(shown.output()).isZero();
    assertThat(shown.output())
        .contains(
            "id:", "participantId:  participant-ana", "kind:           RECURRING", "Asia/Kolkata")
        .contains(
            "params:         {}", "version:        1", "createdAt:", "updatedAt:", "nextFireAt:");
    assertThat(cli("show", "b1").output())
        .contains("hello participant-bob", "status:         FAILED", "lastError:      boom");

    ChildProcess.Result missing = cli("show", "nope");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.output()).contains("no timer with id 'nope'");
  }

  @Test
  void cancel_deletesOneTimer_andExitsOneWhenItIsGone() throws Exception {
    ChildProcess.Result cancelled = cli("cancel", "a2");
    assertThat(cancelled.exitCode()).as(cancelled.output()).isZero();
    assertThat(cancelled.output()).contains("cancelled a2");
    assertThat(storedIds()).containsExactlyInAnyOrder("a1", "a3", "b1", "b2", "c1");

    assertThat(cli("cancel", "a2").exitCode()).isEqualTo(1);
  }

  @Test
  void cancelParticipant_deletesOneFlowTypeOrAll_andExitsOneWhenNoneMatch() throws Exception {
    ChildProcess.Result oneFlow =
        cli("cancel-participant", "participant-ana", "--flow-type", "other_flow");
    assertThat(oneFlow.exitCode()).as(oneFlow.output()).isZero();
    assertThat(oneFlow.output()).contains("cancelled a3", "1 timers cancelled");
    assertThat(storedIds()).containsExactlyInAnyOrder("a1", "a2", "b1", "b2", "c1");

    ChildProcess.Result bob = cli("cancel-participant", "participant-bob");
    assertThat(bob.exitCode()).isZero();
    assertThat(storedIds()).containsExactlyInAnyOrder("a1", "a2", "c1");

    ChildProcess.Result nobody = cli("cancel-participant", "participant-nobody");
    assertThat(nobody.exitCode()).isEqualTo(1);
    assertThat(nobody.output()).contains("no timers for participant 'participant-nobody'");
  }

  @Test
  void purge_deletesExpiredAndOldFailedTimers() throws Exception {
    ChildProcess.Result purged = cli("purge", "--expired", "--failed-older-than", "7d");
    assertThat(purged.exitCode()).as(purged.output()).isZero();
    assertThat(purged.output())
        .contains("1 expired timers deleted", "1 failed timers older than PT168H deleted");
    assertThat(storedIds()).containsExactlyInAnyOrder("a1", "a2", "a3", "b2");

    ChildProcess.Result nothing = cli("purge", "--failed-older-than", "P30D");
    assertThat(nothing.exitCode()).isZero();
    assertThat(nothing.output()).contains("0 failed timers");
  }

  @Test
  void stats_countsPendingOverdueFailedQuarantined() throws Exception {
    ChildProcess.Result stats = cli("stats");
    assertThat(stats.exitCode()).as(stats.output()).isZero();
    assertThat(stats.output())
        .contains(
            "pending:      4",
            "overdue:      1",
            "failed:       1",
            "quarantined:  1",
            "oldest pending: a1",
            "(wall clock)");
    String lag =
        stats.lines().stream().filter(l -> l.startsWith("overdue lag:")).findFirst().orElseThrow();
    Duration d = Duration.parse(lag.substring("overdue lag:".length()).trim().split(" ")[0]);
    assertThat(d).isBetween(Duration.ofMinutes(10), Duration.ofMinutes(11));
  }

  @Test
  void help_onEveryCommand() throws Exception {
    ChildProcess.Result top = ChildProcess.run(dir, TIMEOUT, "--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.output())
        .contains(
            "Usage: persistent-timers-examples",
            "host",
            "list",
            "cancel-participant",
            "Exit codes:");
    for (String command :
        List.of("host", "list", "show", "cancel", "cancel-participant", "purge", "stats")) {
      ChildProcess.Result help = ChildProcess.run(dir, TIMEOUT, command, "--help");
      assertThat(help.exitCode()).as(command).isZero();
      assertThat(help.output())
          .as(command)
          .contains("Usage: persistent-timers-examples " + command, "--db=<file>");
    }
  }

  @Test
  void badArguments_exitTwoWithAClearMessage() throws Exception {
    ChildProcess.Result status = cli("list", "--status", "sleeping");
    assertThat(status.exitCode()).isEqualTo(2);
    assertThat(status.output()).contains("--status", "ACTIVE, FAILED, QUARANTINED", "sleeping");

    ChildProcess.Result duration = cli("purge", "--failed-older-than", "a week");
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(duration.output()).contains("'a week' is not a duration");

    ChildProcess.Result nothingToPurge = cli("purge");
    assertThat(nothingToPurge.exitCode()).isEqualTo(2);
    assertThat(nothingToPurge.output())
        .contains("purge needs --expired and/or --failed-older-than");

    ChildProcess.Result noDb = ChildProcess.run(dir, TIMEOUT, "stats", "--db", "missing.db");
    assertThat(noDb.exitCode()).isEqualTo(2);
    assertThat(noDb.output()).contains("no timer database at");
    assertThat(Files.exists(dir.resolve("missing.db"))).isFalse();
  }
}
