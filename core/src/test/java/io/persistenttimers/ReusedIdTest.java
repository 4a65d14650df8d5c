package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A timer created under an id that existed before is a new timer: the old one's run outcome, armed
 * wake-up or recurring advance must never be taken for it. Each case below lost, resurrected or
 * early-fired an acknowledged timer when a new timer restarted at version 1.
 */
class ReusedIdTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private Consumer<TimerContext> during = ctx -> {};
  private Harness h;

  private Harness harness() {
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "reminder",
                    CallbackFactory.of(
                        ctx -> {
                          ran.add(
                              ctx.timerId() + " " + ctx.timer().params() + " @" + ctx.firedAt());
                          during.accept(ctx);
                        })));
    return h.start();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private static TimerSpec spec(String id, String params) {
    return TimerSpec.of("reminder", "participant-ana").id(id).params(params);
  }

  @Test
  void cancelWhileRunning_thenScheduleTheSameId_theNewTimerIsKeptAndFires() {
    harness();
    h.timer.scheduleAfter(ofMinutes(1), spec("k", "{\"v\":1}"));
    during =
        ctx -> {
          if (ctx.timer().params().equals("{\"v\":1}")) {
            // Another caller, while the old callback still runs.
            assertThat(h.timer.cancel("k")).isTrue();
            h.timer.scheduleAfter(ofMinutes(10), spec("k", "{\"v\":2}"));
          }
        };

    h.advance(ofMinutes(1));

    TimerRecord stored = store.get("k").orElseThrow();
    assertThat(stored.params())
        .as("the new timer survives the old run's completion")
        .isEqualTo("{\"v\":2}");
    h.advance(ofMinutes(10));
    assertThat(ran)
        .containsExactly(
            "k {\"v\":1} @" + START.plus(ofMinutes(1)),
            "k {\"v\":2} @" + START.plus(ofMinutes(11)));
    assertThat(store.get("k")).isEmpty();
  }

  @Test
  void snooze_callbackCancelsItsOwnIdAndSchedulesItAgain_theSnoozedTimerFires() {
    harness();
    h.timer.scheduleAfter(ofMinutes(1), spec("snooze", "{}"));
    during =
        ctx -> {
          if (ran.size() < 3) {
            h.timer.cancel(ctx.timerId());
            h.timer.scheduleAfter(ofMinutes(5), spec(ctx.timerId(), "{}"));
          }
        };

    h.advance(Duration.ofHours(1));

    assertThat(ran)
        .containsExactly(
            "snooze {} @" + START.plus(ofMinutes(1)),
            "snooze {} @" + START.plus(ofMinutes(6)),
            "snooze {} @" + START.plus(ofMinutes(11)));
    assertThat(store.get("snooze")).isEmpty();
  }

  @Test
  void recurringCancelledWhileRunning_oneShotUnderTheSameId_recurringDoesNotComeBack() {
    harness();
    h.timer.scheduleRecurring(Schedule.every(ofMinutes(1)), spec("r", "{\"kind\":\"recurring\"}"));
    during =
        ctx -> {
          if (ctx.timer().kind() == TimerKind.RECURRING) {
            h.timer.cancel("r");
            h.timer.scheduleAfter(ofMinutes(30), spec("r", "{\"kind\":\"once\"}"));
          }
        };

    h.advance(ofMinutes(1));

    TimerRecord stored = store.get("r").orElseThrow();
    assertThat(stored.kind()).as("the one-shot is what is stored").isEqualTo(TimerKind.ONCE);
    h.advance(Duration.ofHours(2));
    assertThat(ran)
        .containsExactly(
            "r {\"kind\":\"recurring\"} @" + START.plus(ofMinutes(1)),
            "r {\"kind\":\"once\"} @" + START.plus(ofMinutes(31)));
    assertThat(store.get("r")).isEmpty();
  }

  @Test
  void operatorDeletesAnArmedTimer_hostSchedulesTheSameIdLater_itFiresOnlyAtItsOwnTime() {
    harness();
    h.timer.scheduleAfter(ofSeconds(2), spec("op", "{\"v\":1}"));
    // An operator tool (another handle on the store) deletes it; this engine still has it armed.
    assertThat(store.delete("op")).isPresent();
    h.timer.scheduleAfter(ofSeconds(6), spec("op", "{\"v\":2}"));

    h.advance(ofSeconds(2));
    assertThat(ran).as("nothing fires early").isEmpty();
    h.advance(ofSeconds(4));

    assertThat(ran).containsExactly("op {\"v\":2} @" + START.plus(ofSeconds(6)));
  }

  @Test
  void newTimersUnderOneId_neverShareAVersion() {
    harness();
    java.util.Set<Long> versions = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      h.timer.scheduleAfter(ofMinutes(1), spec("same", "{}"));
      versions.add(store.get("same").orElseThrow().version());
      h.timer.cancel("same");
    }
    assertThat(versions).hasSize(1000);
  }
}
