package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.persistenttimers.testkit.FakeStore;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Params bound to the host's type before the callback runs; wall-clock one-shots in a zone. */
class TypedCallbackTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  record Reminder(String reminderText, int repeat) {}

  private final FakeStore store = new FakeStore();
  private final List<String> got = new CopyOnWriteArrayList<>();
  private Harness h;

  private void start(UnaryOperator<PersistentTimer.Builder> configure) {
    h = new Harness(store, START, configure);
    h.start();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private TypedCallback<Reminder> recording() {
    return (ctx, reminder) ->
        got.add(ctx.timerId() + " " + reminder.reminderText() + " x" + reminder.repeat());
  }

  @Test
  void typedCallback_receivesTheParamsBound() {
    start(b -> b.register("reminder", Reminder.class, recording()));
    h.timer.scheduleAfter(
        ofMinutes(1),
        TimerSpec.of("reminder", "p")
            .id("r")
            .params("{\"reminderText\":\"drink water\",\"repeat\":2,\"extra\":true}"));

    h.advance(ofMinutes(1));

    assertThat(got).containsExactly("r drink water x2");
  }

  @Test
  void paramsThatDoNotBind_quarantineTheTimer_namingTypeAndPath_notTheContent() {
    start(b -> b.register("reminder", Reminder.class, recording()));
    h.timer.scheduleAfter(
        ofMinutes(1),
        TimerSpec.of("reminder", "p")
            .id("bad")
            .params("{\"reminderText\":\"+4915112345678\",\"repeat\":\"often\"}"));

    h.advance(ofMinutes(1));

    assertThat(got).isEmpty();
    TimerRecord stored = store.get("bad").orElseThrow();
    assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(stored.lastError())
        .contains(Reminder.class.getName())
        .contains("$.repeat")
        .doesNotContain("often")
        .doesNotContain("4915112345678");
  }

  @Test
  void hostsObjectMapper_isUsedToBind_evenWhenSetAfterTheRegistration() {
    ObjectMapper snakeCase =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    start(b -> b.register("reminder", Reminder.class, recording()).objectMapper(snakeCase));
    h.timer.scheduleAfter(
        ofMinutes(1),
        TimerSpec.of("reminder", "p")
            .id("s")
            .params("{\"reminder_text\":\"stretch\",\"repeat\":1}"));

    h.advance(ofMinutes(1));

    assertThat(got).containsExactly("s stretch x1");
  }

  @Test
  void typedCallbackRegisteredAfterBuild_bindsTheTimersThatWaitedForIt() {
    start(b -> b.allowUnregisteredCallbackTypes());
    h.timer.scheduleAfter(
        ofMinutes(1),
        TimerSpec.of("late", "p").id("w").params("{\"reminderText\":\"walk\",\"repeat\":3}"));
    h.advance(ofMinutes(1));
    assertThat(got).isEmpty();

    h.timer.register("late", Reminder.class, recording());
    h.advance(ofMinutes(1));

    assertThat(got).containsExactly("w walk x3");
  }

  @Test
  void scheduleAtAWallClockTime_firesAtThatTimeInTheZone_withTheGapAndOverlapRules() {
    List<Instant> fired = new CopyOnWriteArrayList<>();
    start(b -> b.register("at", CallbackFactory.of(ctx -> fired.add(ctx.firedAt()))));
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    ZoneId berlin = ZoneId.of("Europe/Berlin");

    h.timer.scheduleAt(LocalDateTime.parse("2026-03-01T18:30"), kolkata, TimerSpec.of("at", "p"));
    // Spring forward in Berlin: 02:00 -> 03:00 on 2026-03-29; 02:30 does not exist.
    h.timer.scheduleAt(LocalDateTime.parse("2026-03-29T02:30"), berlin, TimerSpec.of("at", "p"));
    // Fall back in Berlin: 03:00 -> 02:00 on 2026-10-25; 02:30 occurs twice.
    h.timer.scheduleAt(LocalDateTime.parse("2026-10-25T02:30"), berlin, TimerSpec.of("at", "p"));

    h.advanceTo(Instant.parse("2026-11-01T00:00:00Z"));

    assertThat(fired)
        .containsExactly(
            Instant.parse("2026-03-01T13:00:00Z"), // 18:30 IST
            Instant.parse("2026-03-29T01:00:00Z"), // the end of the gap, 03:00 CEST
            Instant.parse("2026-10-25T00:30:00Z")); // the earlier 02:30, CEST
  }
}
