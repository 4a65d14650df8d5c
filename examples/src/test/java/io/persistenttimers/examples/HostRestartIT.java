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
    Matcher m =
        Pattern.compile("(\\d+) recovered, (\\d+) fired, (\\d+) dropped, (\\d+) lost")
            .matcher(summary);
    assertThat(m.find()).as(summary).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as(summary).isEqualTo(3);
    assertThat(Integer.parseInt(m.group(2))).as(summary).isGreaterThanOrEqualTo(6);
    assertThat(summary).contains(", 0 lost");

    try (SqliteStore store = SqliteStore.open(dir.resolve("demo.db"))) {
      // The daily prompts moved on to tomorrow; the 5-hour reminders are still pending.
      assertThat(store.list(TimerQuery.all().callbackType("scheduled_prompt"))).hasSize(3);
      assertThat(store.list(TimerQuery.all().callbackType("reminder"))).hasSize(3);
    }
  }
}
