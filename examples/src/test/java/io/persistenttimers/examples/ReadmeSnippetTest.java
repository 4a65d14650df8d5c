package io.persistenttimers.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.Scheduled;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Quickstart, verbatim: it compiles here, runs in a child JVM whose working directory
 * is a temp directory (the snippet opens {@code timers.db} there), and stores what it says. A
 * second test keeps the README and this copy identical.
 */
class ReadmeSnippetTest {

  private static final Path SOURCE =
      Path.of("src/test/java/io/persistenttimers/examples/ReadmeSnippetTest.java");
  private static final Path README = Path.of("../README.md");

  @TempDir Path dir;

  /** Runs the snippet; stubs for what it calls. */
  static final class Snippet {
    record Reminder(String text) {}

    static void send(String participantId, String params) {
      System.out.println("send " + participantId);
    }

    static void prompt(String participantId) {
      System.out.println("prompt " + participantId);
    }

    public static void main(String[] args) throws Exception {
      // README-SNIPPET-START
      try (SqliteStore store = SqliteStore.openOrCreate(Path.of("timers.db"));
          PersistentTimer timer =
              PersistentTimer.builder(store)
                  // Params bound to the host's own type (record Reminder(String text) {}).
                  .register(
                      "reminder",
                      Reminder.class,
                      (ctx, reminder) -> send(ctx.participantId(), reminder.text()))
                  .register("scheduled_prompt", record -> ctx -> prompt(ctx.participantId()))
                  .build()) {
        timer.start(); // recovers every stored timer and begins firing

        // A one-shot timer in 15 minutes; returns only after the store committed it.
        String id =
            timer
                .scheduleAfter(
                    Duration.ofMinutes(15),
                    TimerSpec.of("reminder", "participant-42")
                        .flowType("micro_health_intervention")
                        .params("{\"text\":\"How did it go?\"}"))
                .id();

        // Every weekday at 09:00 in the participant's own zone, idempotent by a business key:
        // on a restart the stored timer is kept (outcome KEPT), not doubled.
        Scheduled daily =
            timer.scheduleRecurring(
                Schedule.weekdays(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")),
                TimerSpec.of("scheduled_prompt", "participant-42")
                    .id("daily-prompt:participant-42"));
        System.out.println("daily prompt " + daily.outcome());

        timer.cancelByParticipant("participant-7"); // indexed; no scan of JSON
      }
      // README-SNIPPET-END
      System.out.println("snippet done");
    }
  }

  @Test
  void quickstart_storesTheReminderAndTheWeekdayPrompt() throws Exception {
    ChildProcess.Result run;
    try (ChildProcess child = ChildProcess.startMain(dir, Snippet.class)) {
      run = child.awaitExit(Duration.ofSeconds(60));
    }
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).contains("snippet done");

    try (SqliteStore store = SqliteStore.open(dir.resolve("timers.db"))) {
      List<TimerRecord> all = store.list(TimerQuery.all());
      assertThat(all).hasSize(2);
      TimerRecord reminder = store.list(TimerQuery.all().callbackType("reminder")).get(0);
      assertThat(reminder.participantId()).isEqualTo("participant-42");
      assertThat(reminder.flowType()).isEqualTo("micro_health_intervention");
      assertThat(reminder.params()).isEqualTo("{\"text\":\"How did it go?\"}");
      assertThat(reminder.kind()).isEqualTo(TimerKind.ONCE);
      assertThat(Duration.between(reminder.createdAt(), reminder.nextFireAt()))
          .isEqualTo(Duration.ofMinutes(15));

      TimerRecord prompt = store.get("daily-prompt:participant-42").orElseThrow();
      assertThat(prompt.kind()).isEqualTo(TimerKind.RECURRING);
      assertThat(prompt.schedule())
          .isEqualTo(Schedule.weekdays(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata")));
    }
  }

  @Test
  void readme_quickstartIsTheSnippetCompiledHere() throws Exception {
    String readme = Files.readString(README);
    int start = readme.indexOf("```java", readme.indexOf("## Quickstart")) + "```java".length();
    String inReadme = readme.substring(start, readme.indexOf("```", start)).strip();

    String source = Files.readString(SOURCE);
    String between =
        source.substring(
            source.indexOf('\n', source.indexOf("// README-SNIPPET-START")) + 1,
            source.indexOf("// README-SNIPPET-END"));
    String snippet =
        between
            .lines()
            .map(l -> l.length() >= 6 ? l.substring(6) : l.strip())
            .collect(Collectors.joining("\n"))
            .strip();
    assertThat(snippet).isEqualTo(inReadme);
  }
}
