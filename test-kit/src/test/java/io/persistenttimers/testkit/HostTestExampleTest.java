package io.persistenttimers.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A host's own test written with the kit, as the README shows it: the second test keeps the README
 * and this copy identical.
 */
class HostTestExampleTest {

  record Reminder(String text) {}

  // README-SNIPPET-START
  @Test
  void reminderSurvivesARestartAndFiresOnTime() {
    List<String> sent = new CopyOnWriteArrayList<>();
    try (TimerHarness h =
        TimerHarness.on(
                new FakeStore(),
                b -> b.register("reminder", Reminder.class, (ctx, r) -> sent.add(r.text())))
            .start()) {
      h.timer()
          .scheduleAfter(
              Duration.ofMinutes(15),
              TimerSpec.of("reminder", "participant-42").paramsOf(new Reminder("How did it go?")));

      h.restart(); // same store, new engine: what a deploy does
      h.advance(Duration.ofMinutes(14));
      assertThat(sent).isEmpty();

      h.advance(Duration.ofMinutes(1)); // due now: runs on this thread before advance returns
      assertThat(sent).containsExactly("How did it go?");
      assertThat(h.store().count(TimerQuery.all())).isZero();
    }
  }

  // README-SNIPPET-END

  @Test
  void readmeShowsThisTestVerbatim() throws Exception {
    String source =
        Files.readString(
            Path.of("src/test/java/io/persistenttimers/testkit/HostTestExampleTest.java"));
    String snippet =
        source.substring(
            source.indexOf('\n', source.indexOf("// README-SNIPPET-START")) + 1,
            source.indexOf("  // README-SNIPPET-END"));
    String unindented = snippet.replaceAll("(?m)^  ", "");

    assertThat(Files.readString(Path.of("../README.md"))).contains(unindented);
  }
}
