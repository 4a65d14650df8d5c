package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.Records;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every failure after a callback ends in a stored state — advanced, FAILED or QUARANTINED with the
 * reason — so nothing is left "running" in memory for good or runs again at every load.
 */
class NothingWedgesTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore fake = new FakeStore();
  private final FailingStore store = new FailingStore(fake);
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private Harness h;

  private void start(CallbackFactory factory) {
    h = new Harness(store, START, b -> b.register("reminder", factory));
    h.start();
  }

  private CallbackFactory recording() {
    return CallbackFactory.of(ctx -> ran.add(ctx.timerId()));
  }

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void recurringWhoseScheduleCannotBeEvaluated_isQuarantinedAfterItsRun_andNotRunAgain() {
    // A hand-edited row: an interval without the anchor the engine always sets.
    fake.insert(
        Records.record("no-anchor")
            .callbackType("reminder")
            .recurring(Schedule.every(ofMinutes(5)))
            .due(START.plus(ofMinutes(1)))
            .build());
    start(recording());

    h.advance(ofMinutes(1));
    TimerRecord stored = fake.get("no-anchor").orElseThrow();
    assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(stored.lastError()).contains("next occurrence").contains("anchor");
    assertThat(h.timer.stats().running()).isZero();

    h.restart();
    h.advance(Duration.ofHours(1));
    assertThat(ran).containsExactly("no-anchor");
  }

  @Test
  void recurringWhoseScheduleCannotBeEvaluated_andOverdueWithSkip_isQuarantinedUnrun() {
    fake.insert(
        Records.record("skip")
            .callbackType("reminder")
            .recurring(Schedule.every(ofMinutes(5)))
            .due(START.minus(Duration.ofHours(1)))
            .policies(null, OverduePolicy.SKIP)
            .build());
    start(recording());
    h.advance(ofMinutes(1));

    assertThat(fake.get("skip").orElseThrow().status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(ran).isEmpty();
  }

  @Test
  void fireNowRecurringDueAtTheEarliestInstant_isQuarantinedAfterItsRun() {
    // A hand-edited row no SQL store can hold (Instant.MIN), so only the fake carries it here.
    fake.insert(
        Records.record("min-due")
            .callbackType("reminder")
            .recurring(Schedule.every(ofMinutes(5), START))
            .due(Instant.MIN)
            .policies(null, OverduePolicy.FIRE_NOW)
            .build());
    start(recording());
    h.advance(ofMinutes(1));

    TimerRecord stored = fake.get("min-due").orElseThrow();
    assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(stored.lastError()).contains("cannot compute the next occurrence");
    assertThat(ran).containsExactly("min-due");
    assertThat(h.timer.stats().running()).isZero();
  }

  @Test
  void factoryThrowingAnError_isQuarantined_notRunAgainAtEveryLoad() {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    start(
        record -> {
          attempts.add(1);
          throw new NoClassDefFoundError("com/example/Gone");
        });
    h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p").id("err"));

    h.advance(ofMinutes(1));
    TimerRecord stored = fake.get("err").orElseThrow();
    assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(stored.lastError()).contains("NoClassDefFoundError");

    h.restart();
    h.advance(Duration.ofHours(1));
    assertThat(attempts).hasSize(1);
    assertThat(h.events).contains("quarantined err");
  }

  @Test
  void outcomeRefusedForGood_isQuarantinedInsteadOfRetriedForever() {
    start(recording());
    h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p").id("refused"));
    store.refuseVersionedDeletes(true);

    h.advance(ofMinutes(1));

    TimerRecord stored = fake.get("refused").orElseThrow();
    assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(stored.lastError()).contains("refused");
    assertThat(store.failures()).as("tried once, not retried").isEqualTo(1);
    assertThat(h.timer.stats().running()).isZero();

    store.refuseVersionedDeletes(false);
    h.restart();
    h.advance(Duration.ofHours(1));
    assertThat(ran).as("not run again at the next load").containsExactly("refused");
  }

  @Test
  void outcomeFailingTransiently_isRetriedUntilStored() {
    start(recording());
    h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p").id("transient"));
    store.failWrites(true);

    h.advance(ofMinutes(1));
    assertThat(fake.get("transient")).isPresent();
    h.advance(Duration.ofSeconds(10));
    store.failWrites(false);
    h.advance(Duration.ofMinutes(1));

    assertThat(fake.get("transient")).as("the outcome was written at last").isEmpty();
    assertThat(ran).containsExactly("transient");
  }
}
