package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One started engine per store: {@code start()} takes the store's engine lock, {@code close()}
 * gives it back after the workers stopped, and a timer that is never started (an operator tool)
 * takes none.
 */
class EngineLockTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private Harness harness(io.persistenttimers.spi.Store on) {
    Harness[] self = new Harness[1];
    self[0] =
        new Harness(
            on,
            START,
            b -> b.register("reminder", CallbackFactory.of(ctx -> self[0].recorder().run(ctx))));
    toClose.add(self[0]);
    return self[0];
  }

  private static TimerSpec reminder() {
    return TimerSpec.of("reminder", "participant-1");
  }

  @Test
  void secondEngine_isRefusedAtStart_andTheFirstKeepsFiring() {
    Harness first = harness(store).start();
    Harness second = harness(store);

    assertThatThrownBy(second.timer::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("already running on this FakeStore");

    String id =
        second.timer.scheduleAfter(ofMinutes(1), reminder()).id(); // stored, not armed by it
    first.timer.armCommitted(id);
    String own = first.timer.scheduleAfter(ofMinutes(1), reminder()).id();
    first.advance(ofMinutes(1));
    second.advance(ofMinutes(10));

    assertThat(first.firedIds()).containsExactlyInAnyOrder(id, own);
    assertThat(second.runs).isEmpty();
    assertThat(second.timer.stats().armed()).isZero();
  }

  @Test
  void refusedTimer_startsOnceTheFirstClosed_andRecoversWhatIsStored() {
    Harness first = harness(store).start();
    Harness second = harness(store);
    assertThatThrownBy(second.timer::start).isInstanceOf(StoreInUseException.class);
    String id = first.timer.scheduleAfter(ofMinutes(30), reminder()).id();

    first.close();
    second.start();
    second.advance(ofMinutes(30));

    assertThat(second.firedIds()).containsExactly(id);
    assertThat(first.runs).isEmpty();
  }

  @Test
  void closingARefusedTimer_leavesTheRunningEnginesLockAlone() {
    harness(store).start();
    Harness refused = harness(store);
    assertThatThrownBy(refused.timer::start).isInstanceOf(StoreInUseException.class);

    refused.close();

    assertThatThrownBy(harness(store).timer::start).isInstanceOf(StoreInUseException.class);
  }

  @Test
  void timerThatIsNeverStarted_readsSchedulesAndCancelsBesideARunningEngine() {
    Harness engine = harness(store).start();
    String fires = engine.timer.scheduleAfter(ofMinutes(5), reminder()).id();
    String cancelled = engine.timer.scheduleAfter(ofMinutes(5), reminder()).id();

    try (PersistentTimer operator =
        PersistentTimer.builder(store).allowUnregisteredCallbackTypes().build()) {
      assertThat(operator.list()).extracting(TimerRecord::id).contains(fires, cancelled);
      assertThat(operator.get(fires)).isPresent();
      assertThat(operator.count(TimerQuery.all())).isEqualTo(2);
      assertThat(operator.cancel(cancelled)).isTrue();
      String added = operator.scheduleAfter(ofMinutes(10), reminder()).id();
      assertThat(engine.timer.get(added)).isPresent();
    }

    engine.advance(ofMinutes(5));
    assertThat(engine.firedIds()).containsExactly(fires);
  }

  @Test
  void failedStart_releasesTheLock_soThisOrAnotherTimerCanStart() {
    FailingStore failing = new FailingStore(store);
    Harness h = harness(failing);
    failing.failReads(true);

    assertThatThrownBy(h.timer::start).isInstanceOf(StoreException.class);

    Harness other = harness(store).start(); // the lock was released by the failed start
    other.close();
    failing.failReads(false);
    h.start(); // and the failed timer may try again
    assertThatThrownBy(harness(store).timer::start).isInstanceOf(StoreInUseException.class);
  }

  @Test
  void closedTimer_cannotStart_andHoldsNoLock() {
    Harness h = harness(store).start();
    h.close();

    assertThatThrownBy(h.timer::start).isInstanceOf(TimerClosedException.class);
    harness(store).start();
  }

  @Test
  void close_releasesTheLockOnlyAfterRunningCallbacksFinished() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    PersistentTimer first =
        PersistentTimer.builder(store)
            .register(
                "slow",
                CallbackFactory.of(
                    ctx -> {
                      running.countDown();
                      finish.await(30, TimeUnit.SECONDS);
                    }))
            .shutdownTimeout(Duration.ofSeconds(30))
            .build();
    toClose.add(first);
    first.start();
    first.scheduleAfter(Duration.ZERO, TimerSpec.of("slow", "p"));
    assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

    Thread closer = new Thread(first::close, "closer");
    closer.start();
    // close() now waits for the running callback (awaitTermination of the worker pool).
    await("close() waiting for the callback")
        .atMost(Duration.ofSeconds(30))
        .until(() -> closer.getState() == Thread.State.TIMED_WAITING);
    PersistentTimer second = PersistentTimer.builder(store).build();
    toClose.add(second);
    assertThatThrownBy(second::start)
        .as("refused while the first engine's callback still runs")
        .isInstanceOf(StoreInUseException.class);

    finish.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closer.isAlive()).isFalse();
    second.start();
  }
}
