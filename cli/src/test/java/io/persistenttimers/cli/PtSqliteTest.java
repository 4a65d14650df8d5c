package io.persistenttimers.cli;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.store.sqlite.SqliteStore;
import io.persistenttimers.testkit.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command of {@code pt}, run in-process against a real SQLite file prepared here. None of the
 * callback types is registered anywhere: the CLI only uses the store.
 */
class PtSqliteTest {

  private static final String LONG_KEY =
      "feedback_followup:participant-with-a-rather-long-business-key-0123456789";
  private static final String CJK = "参加者-山田太郎";

  @TempDir Path dir;
  private Path db;
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeEach
  void prepare() {
    db = dir.resolve("ops.db");
    try (SqliteStore store = SqliteStore.openOrCreate(db)) {
      Stores.insert(
          store,
          record("overdue-1")
              .participant("participant-ana")
              .flowType("micro")
              .callbackType("feedback_initial")
              .due(now.minus(Duration.ofHours(1)).minusSeconds(754))
              .build());
      Stores.insert(
          store,
          record(LONG_KEY)
              .participant(CJK)
              .flowType("micro")
              .callbackType("feedback_followup")
              .due(now.plus(Duration.ofMinutes(30)))
              .build());
      Stores.insert(
          store,
          record("daily-prompt:participant-ana")
              .participant("participant-ana")
              .flowType("daily")
              .callbackType("scheduled_prompt")
              .recurring(Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")))
              .due(now.plus(Duration.ofHours(5)))
              .params("{\"phone\":\"+55 11 5555-0101\"}")
              .build());
      Stores.insert(
          store,
          record("retrying-1")
              .participant("participant-bo")
              .callbackType("reminder")
              .due(now.plus(Duration.ofHours(30)))
              .attempt(1, "java.io.IOException: SMS gateway said no to +55 11 5555-0101")
              .build());
      Stores.insert(
          store,
          record("failed-1")
              .participant("participant-bo")
              .callbackType("reminder")
              .due(now.minus(Duration.ofDays(3)))
              .attempt(3, "java.lang.IllegalStateException: participant Bo has no phone")
              .status(TimerStatus.FAILED)
              .updatedAt(now.minus(Duration.ofDays(2)))
              .build());
      Stores.insert(
          store,
          record("quarantined-1")
              .participant("participant-cy")
              .callbackType("reminder")
              .due(now.minus(Duration.ofDays(1)))
              .attempt(0, "unreadable params: no factory accepts them")
              .status(TimerStatus.QUARANTINED)
              .build());
    }
  }

  private String dbArg() {
    return db.toString();
  }

  private static SqliteStore open(Path db) {
    return SqliteStore.builder(db).createIfMissing(false).build();
  }

  // --- help ---------------------------------------------------------------------------------

  @Test
  void help_listsEveryCommandWithAWholeSentence_andTheExitCodes() {
    Run run = Run.pt("--help");
    assertThat(run.exit()).isZero();
    for (String command :
        List.of(
            "list", "show", "stats", "cancel", "cancel-participant", "release", "purge", "web")) {
      Matcher line = Pattern.compile("(?m)^\\s+" + command + "\\s+(.*)$").matcher(run.out());
      assertThat(line.find()).as(command + " in\n" + run.out()).isTrue();
      assertThat(line.group(1)).as("summary of " + command).endsWith(".");
    }
    assertThat(run.out())
        .contains("Exit codes:")
        .contains("  3  the store failed (unreachable, locked, damaged)")
        .contains("  4  stats --fail-if-lag: the oldest overdue timer is later than the limit");
    for (String command :
        List.of(
            "list", "show", "stats", "cancel", "cancel-participant", "release", "purge", "web")) {
      assertThat(Run.pt(command, "--help").exit()).isZero();
      var usage = Pt.commandLine().getSubcommands().get(command).getCommandSpec().usageMessage();
      assertFits(command, usage);
    }
    assertFits("pt", Pt.commandLine().getCommandSpec().usageMessage());
  }

  /**
   * Each description and footer line fits the 80-column help as written (picocli would wrap it
   * mid-sentence otherwise), and the description ends with a full stop.
   */
  private static void assertFits(String command, picocli.CommandLine.Model.UsageMessageSpec usage) {
    for (String[] text : List.of(usage.description(), usage.footer())) {
      for (String line : text) {
        assertThat(line.length()).as(command + ": " + line).isLessThanOrEqualTo(78);
      }
    }
    String[] description = usage.description();
    assertThat(description[description.length - 1]).as(command).endsWith(".");
  }

  // --- release ------------------------------------------------------------------------------

  @Test
  void release_makesAFailedTimerActiveWithAFreshAttemptCount() {
    Run run = Run.pt("release", "failed-1", "--db", dbArg());

    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).contains("released failed-1 (was FAILED after 3 failed attempts)");
    try (SqliteStore store = open(db)) {
      TimerRecord released = store.get("failed-1").orElseThrow();
      assertThat(released.status()).isEqualTo(TimerStatus.ACTIVE);
      assertThat(released.attempt()).isZero();
      assertThat(released.nextFireAt()).isAfterOrEqualTo(now);
    }
    assertThat(Run.pt("release", "quarantined-1", "--db", dbArg()).exit()).isZero();
  }

  @Test
  void release_ofAnActiveOrUnknownTimer_isExitOne() {
    Run active = Run.pt("release", "overdue-1", "--db", dbArg());
    assertThat(active.exit()).isEqualTo(1);
    assertThat(active.err())
        .isEqualTo("error: timer 'overdue-1' is ACTIVE already; nothing to release\n");
    Run unknown = Run.pt("release", "nope", "--db", dbArg());
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no timer with id 'nope'");
  }

  // --- list ---------------------------------------------------------------------------------

  @Test
  void list_sizesColumnsByDisplayWidth_forLongKeysAndCjk() {
    Run run = Run.pt("list", "--db", dbArg());
    assertThat(run.exit()).as(run.toString()).isZero();

    List<String> lines = run.out().lines().toList();
    String header = lines.get(0);
    int statusColumn = TextTable.width(header.substring(0, header.indexOf("STATUS")));
    int dueColumn = TextTable.width(header.substring(0, header.indexOf("DUE (UTC)")));
    for (String row : lines.subList(1, 7)) {
      // Every row's STATUS and DUE cells start at the header's display column.
      assertThat(displayColumnOf(row, "ACTIVE|FAILED|QUARANTINED")).as(row).isEqualTo(statusColumn);
      assertThat(displayColumnOf(row, "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ|on release"))
          .as(row)
          .isEqualTo(dueColumn);
    }
    assertThat(run.out()).contains(LONG_KEY).contains(CJK);
  }

  @Test
  void list_showsOneTimestampFormat_attempts_errorKindOnly_andNoDueTimeForFailed() {
    Run run = Run.pt("list", "--db", dbArg());

    String failedRow = row(run, "failed-1");
    assertThat(failedRow).contains("FAILED").contains("on release").contains(" 3 ");
    assertThat(failedRow).contains("java.lang.IllegalStateException").doesNotContain("no phone");
    assertThat(row(run, "retrying-1")).contains("java.io.IOException").doesNotContain("5555");
    assertThat(row(run, "overdue-1")).containsPattern("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ");
    assertThat(run.out()).contains("6 of 6 matching timers shown");
  }

  @Test
  void list_acceptsPendingAsAStatus_andFiltersOverdueAndRetrying() {
    Run pending = Run.pt("list", "--db", dbArg(), "--status", "pending");
    assertThat(pending.exit()).as(pending.toString()).isZero();
    assertThat(pending.out()).contains("4 of 4 matching timers shown");

    assertThat(Run.pt("list", "--db", dbArg(), "--overdue").out())
        .contains("overdue-1")
        .contains("1 of 1 matching");
    assertThat(Run.pt("list", "--db", dbArg(), "--retrying").out())
        .contains("retrying-1")
        .contains("1 of 1 matching");
    Run bad = Run.pt("list", "--db", dbArg(), "--status", "sleeping");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("'sleeping' is not a status; use pending (= active)");
  }

  @Test
  void list_pagesWithACursor_throughEveryTimerOnce() {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int page = 0; page < 10; page++) {
      List<String> args =
          new ArrayList<>(List.of("list", "--db", dbArg(), "--limit", "2", "--json"));
      if (cursor != null) {
        args.addAll(List.of("--after", cursor));
      }
      JsonNode json = Run.pt(args.toArray(String[]::new)).json();
      assertThat(json.get("total").asLong()).isEqualTo(6);
      json.get("timers").forEach(t -> seen.add(t.get("id").asText()));
      if (json.get("next").isNull()) {
        break;
      }
      cursor = json.get("next").asText();
    }
    assertThat(seen)
        .containsExactly(
            "failed-1",
            "quarantined-1",
            "overdue-1",
            LONG_KEY,
            "daily-prompt:participant-ana",
            "retrying-1");

    Run text = Run.pt("list", "--db", dbArg(), "--limit", "4");
    assertThat(text.out()).contains("4 of 6 matching timers shown").contains("next page: --after ");
  }

  @Test
  void list_json_hasEveryFieldButParams() {
    JsonNode json =
        Run.pt("list", "--db", dbArg(), "--participant", "participant-bo", "--json").json();
    JsonNode failed = json.get("timers").get(0);
    assertThat(failed.get("id").asText()).isEqualTo("failed-1");
    assertThat(failed.get("status").asText()).isEqualTo("FAILED");
    assertThat(failed.get("nextFireAt").isNull()).isTrue();
    assertThat(failed.get("attempt").asInt()).isEqualTo(3);
    assertThat(failed.get("lastErrorType").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(failed.has("params")).isFalse();
    assertThat(failed.has("lastError")).isFalse();
  }

  @Test
  void list_escapesControlCharactersInStoredText() {
    try (SqliteStore store = open(db)) {
      Stores.insert(store, record("evil\u001b[31m\nid").participant("p\u0007").due(now).build());
    }
    Run run = Run.pt("list", "--db", dbArg());
    assertThat(run.out()).contains("evil\\u001b[31m\\nid").contains("p\\u0007");
    assertThat(run.out()).doesNotContain("\u001b").doesNotContain("\u0007");
  }

  // --- show ---------------------------------------------------------------------------------

  @Test
  void show_hidesParamsAndErrorMessagesUntilRevealed_andListsNextOccurrences() {
    Run hidden = Run.pt("show", "daily-prompt:participant-ana", "--db", dbArg());
    assertThat(hidden.exit()).isZero();
    assertThat(hidden.out())
        .contains("params:          (hidden; --reveal shows them)")
        .doesNotContain("5555")
        .contains("schedule:        every day at 09:00 (Asia/Kolkata)")
        .containsPattern(
            "then: +\\d{4}-\\d\\d-\\d\\d 03:30:00Z \\(\\d{4}-\\d\\d-\\d\\dT09:00 Asia/Kolkata\\)");

    Run revealed = Run.pt("show", "daily-prompt:participant-ana", "--reveal", "--db", dbArg());
    assertThat(revealed.out()).contains("{\"phone\":\"+55 11 5555-0101\"}");

    JsonNode json = Run.pt("show", "retrying-1", "--json", "--db", dbArg()).json();
    assertThat(json.has("params")).isFalse();
    assertThat(json.get("lastErrorType").asText()).isEqualTo("java.io.IOException");
    JsonNode full = Run.pt("show", "retrying-1", "--json", "--reveal", "--db", dbArg()).json();
    assertThat(full.get("params").asText()).isEqualTo("{}");
    assertThat(full.get("lastError").asText()).contains("SMS gateway");

    assertThat(Run.pt("show", "nope", "--db", dbArg()).exit()).isEqualTo(1);
  }

  // --- stats --------------------------------------------------------------------------------

  @Test
  void stats_countsInTheStore_withAReadableLag_perTypeAndOldestFailure() {
    // A demo clock file beside the database changes nothing: now is the wall clock.
    writeDemoClockFile();
    Run run = Run.pt("stats", "--db", dbArg());
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("timers:         6")
        .contains("pending:        4")
        .contains("overdue:        1")
        .containsPattern("oldest lag:     1h 12m 3\\ds \\(overdue-1, feedback_initial, due ")
        .contains("due in 1h:      2 (overdue included)")
        .contains("due in 24h:     3 (overdue included)")
        .contains("retrying:       1")
        .contains("failed:         1")
        .contains("oldest failure: failed-1, reminder, due ")
        .contains("quarantined:    1")
        .doesNotContain("PT1H");
    assertThat(row(run, "reminder")).containsPattern("reminder\\s+1\\s+1\\s+1");
    assertThat(row(run, "scheduled_prompt")).containsPattern("scheduled_prompt\\s+1\\s+0\\s+0");
  }

  @Test
  void stats_json_andFailIfLag() {
    Run run = Run.pt("stats", "--db", dbArg(), "--json");
    JsonNode json = run.json();
    assertThat(json.get("pending").asLong()).isEqualTo(4);
    assertThat(json.get("overdue").asLong()).isEqualTo(1);
    assertThat(json.get("oldestLagSeconds").asDouble()).isBetween(4354.0, 4354.0 + 60);
    assertThat(json.get("oldestOverdue").get("id").asText()).isEqualTo("overdue-1");
    assertThat(json.get("byCallbackType").get("reminder").get("failed").asLong()).isEqualTo(1);
    assertThat(json.get("oldestFailure").get("id").asText()).isEqualTo("failed-1");
    assertThat(Instant.parse(json.get("now").asText())).isBetween(now, Instant.now());

    Run over = Run.pt("stats", "--db", dbArg(), "--fail-if-lag", "1h");
    assertThat(over.exit()).isEqualTo(4);
    assertThat(over.err()).startsWith("lag 1h 12m").contains("is over the limit 1h");
    assertThat(Run.pt("stats", "--db", dbArg(), "--fail-if-lag", "2h").exit()).isZero();
  }

  // --- cancel, cancel-participant, purge ------------------------------------------------------

  @Test
  void cancel_deletesOneTimer_andUnknownIsExitOne() {
    Run run = Run.pt("cancel", "overdue-1", "--db", dbArg());
    assertThat(run.exit()).isZero();
    assertThat(run.out()).startsWith("cancelled overdue-1 (feedback_initial for participant-ana");
    assertThat(Run.pt("cancel", "overdue-1", "--db", dbArg()).exit()).isEqualTo(1);
  }

  @Test
  void cancelParticipant_dryRunShowsWhatWouldGo_andDeletesNothing() {
    Run dry = Run.pt("cancel-participant", "participant-ana", "--dry-run", "--db", dbArg());
    assertThat(dry.exit()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains("would cancel overdue-1")
        .contains("would cancel daily-prompt:participant-ana")
        .contains("dry run: 2 timers would be cancelled for participant 'participant-ana'");
    try (SqliteStore store = open(db)) {
      assertThat(store.list(io.persistenttimers.TimerQuery.all().participant("participant-ana")))
          .hasSize(2);
    }

    Run real =
        Run.pt("cancel-participant", "participant-ana", "--flow-type", "micro", "--db", dbArg());
    assertThat(real.out())
        .contains("1 timers cancelled for participant 'participant-ana' in flow type 'micro'");
    assertThat(Run.pt("cancel-participant", "nobody", "--db", dbArg()).exit()).isEqualTo(1);
  }

  @Test
  void purge_dryRunCounts_realRunDeletes_andNonsenseIsRefused() {
    try (SqliteStore store = open(db)) {
      Stores.insert(store, record("expired-1").due(now).expiresAt(now.minusSeconds(5)).build());
    }
    Run dry =
        Run.pt("purge", "--expired", "--failed-older-than", "1d", "--dry-run", "--db", dbArg());
    assertThat(dry.exit()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains("1 expired timers would be deleted (dry run)")
        .contains("1 timers failed longer than 1d ago would be deleted (dry run)");
    try (SqliteStore store = open(db)) {
      assertThat(store.get("expired-1")).isPresent();
      assertThat(store.get("failed-1")).isPresent();
    }

    Run zero = Run.pt("purge", "--failed-older-than", "0s", "--db", dbArg());
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err()).contains("--failed-older-than must be at least 1h, not 0ms");
    assertThat(Run.pt("purge", "--failed-older-than", "30m", "--db", dbArg()).exit()).isEqualTo(2);
    assertThat(Run.pt("purge", "--db", dbArg()).exit()).isEqualTo(2);

    Run real = Run.pt("purge", "--expired", "--failed-older-than", "1d", "--db", dbArg());
    assertThat(real.out())
        .contains("1 expired timers deleted")
        .contains("1 timers failed longer than 1d ago deleted");
    try (SqliteStore store = open(db)) {
      assertThat(store.get("expired-1")).isEmpty();
      assertThat(store.get("failed-1")).isEmpty();
    }
  }

  // --- bad arguments --------------------------------------------------------------------------

  @Test
  void aMissingDatabaseOrNoStore_isOneLineAndExitTwo() {
    Run missing = Run.pt("list", "--db", dir.resolve("nowhere/x.db").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err().lines().findFirst().orElseThrow())
        .startsWith("error: no timer database at ")
        .endsWith("x.db (--db)");
    assertThat(missing.err().lines()).hasSize(2);
    assertThat(Files.exists(dir.resolve("nowhere"))).isFalse();

    Run none = Run.pt("stats");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("--db=<file> | --store=<kind:location>");

    Run kind = Run.pt("stats", "--store", "mysql:jdbc:mysql://x/y");
    assertThat(kind.exit()).isEqualTo(2);
    assertThat(kind.err())
        .contains("--store must be postgres:<jdbc-url> or sqlite:<file>, not 'mysql:...'");
  }

  private void writeDemoClockFile() {
    try {
      Files.writeString(
          dir.resolve("ops.db.clock"), "{\"speed\":3600,\"anchorWall\":0,\"anchorSim\":0}");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String row(Run run, String start) {
    return run.out()
        .lines()
        .filter(l -> l.startsWith(start))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + start + " in\n" + run.out()));
  }

  /** The display column at which the first match of {@code regex} starts in {@code line}. */
  private static int displayColumnOf(String line, String regex) {
    Matcher m = Pattern.compile(regex).matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return TextTable.width(line.substring(0, m.start()));
  }
}
