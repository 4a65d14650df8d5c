package io.persistenttimers.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restart demo across a real kill: a second JVM recovers what the first scheduled. */
class HostRestartIT {

  @TempDir Path dir;

  @Test
  void secondRun_recoversAndFiresWhatAKilledFirstRunScheduled() throws Exception {
    // 600: ten simulated minutes per wall second; prompts are set ~3 wall seconds ahead.
    try (ChildProcess first =
        ChildProcess.start(dir, "host", "--db", "demo.db", "--speed", "600")) {
      String enrolled = first.awaitLine(l -> l.startsWith("Enrolled "), Duration.ofSeconds(40));
      assertThat(enrolled).contains("3 daily prompts scheduled");
      first.kill();
    }
    try (SqliteStore store = SqliteStore.open(dir.resolve("demo.db"))) {
      List<TimerRecord> stored = store.list(TimerQuery.all());
      assertThat(stored)
          .extracting(TimerRecord::id)
          .containsExactlyInAnyOrder(
              "scheduled_prompt:participant-ana",
              "scheduled_prompt:participant-ravi",
              "scheduled_prompt:participant-mia");
    }

    ChildProcess.Result second =
        ChildProcess.run(
            dir,
            Duration.ofSeconds(60),
            "host",
            "--db",
            "demo.db",
            "--speed",
            "600",
            "--run-for",
            "10s");

    assertThat(second.exitCode()).as(second.output()).isZero();
    assertThat(second.lines())
        .as(second.output())
        .anyMatch(l -> l.contains("continuing the stored timeline"))
        .anyMatch(l -> l.matches(".*RECOVERED +scheduled_prompt +participant-ana .*"))
        .anyMatch(l -> l.matches(".*FIRED +scheduled_prompt +participant-ana .*"))
        .anyMatch(l -> l.matches(".*FIRED +feedback_initial +participant-mia .*"))
        .anyMatch(
            l ->
                l.startsWith(
                    "Enrolled 3 participants: 0 daily prompts scheduled, 3 already stored"));
    String summary =
        second.lines().stream().filter(l -> l.startsWith("Summary: ")).findFirst().orElseThrow();
    // The restart story: what the killed run left, what of it fired now, what waits and when.
    Matcher m =
        Pattern.compile(
                "Summary: 3 timers in the store at start, (\\d) of them fired in this run;"
                    + " (\\d+) fires in all, (\\d+) timers scheduled; (\\d+) dropped, 0 lost"
                    + " \\(\\d+ failed attempts\\); (\\d+) waiting, the next due .+ for participant-.+")
            .matcher(summary);
    assertThat(m.matches()).as(summary).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as(summary).isEqualTo(3);
    assertThat(Integer.parseInt(m.group(2))).as(summary).isGreaterThanOrEqualTo(6);
    assertThat(Integer.parseInt(m.group(5))).as(summary).isGreaterThanOrEqualTo(6);

    try (SqliteStore store = SqliteStore.open(dir.resolve("demo.db"))) {
      // The daily prompts moved on to tomorrow; the 5-hour reminders are still pending.
      assertThat(store.list(TimerQuery.all().callbackType("scheduled_prompt"))).hasSize(3);
      assertThat(store.list(TimerQuery.all().callbackType("reminder"))).hasSize(3);
    }
  }
}
