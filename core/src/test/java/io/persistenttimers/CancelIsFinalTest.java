package io.persistenttimers;

import static io.persistenttimers.testkit.Stores.remove;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.ManualExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Once {@code cancel}, {@code cancelByParticipant} or a REPLACE returned, no run of the old timer
 * starts in this process. The workers here run nothing until told, so each test stops the engine
 * right after it re-read a due timer (the run is decided but not started) and cancels there. The
 * re-read itself is engine work, which never runs on the workers.
 */
class CancelIsFinalTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private final ManualExecutor workers = new ManualExecutor();
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private Harness h;

  private void start() {
    h =
        new Harness(
            store,
            START,
            b ->
                b.workers(workers)
                    .register(
                        "reminder",
                        CallbackFactory.of(ctx -> ran.add(ctx.timerId() + " " + ctx.params()))));
    h.start();
    workers.runAll();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static TimerSpec spec(String id, String params) {
    return TimerSpec.of("reminder", "participant-1").id(id).params(params);
  }

  /** Advances to the due time and lets the engine re-read the timer: the run is queued. */
  private void dueAndVerified(Duration delay) {
    h.advance(delay); // the re-read runs on the engine's own executor: here the scheduler's thread
    assertThat(workers.queued()).as("the callback is queued").isEqualTo(1);
  }

  @Test
  void cancelAfterTheReRead_theCallbackNeverStarts() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{}"));
    dueAndVerified(ofMinutes(1));

    assertThat(h.timer.cancel("x")).isTrue();
    assertThat(h.timer.isRunning("x")).as("nothing was in flight").isFalse();
    workers.runDirectlyFromNowOn();
    h.advance(Duration.ofHours(1));

    assertThat(ran).isEmpty();
    assertThat(store.get("x")).isEmpty();
  }

  @Test
  void replaceAfterTheReRead_theOldRunNeverStarts_theNewOneFiresOnTime() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{\"v\":1}"));
    dueAndVerified(ofMinutes(1));

    h.timer.scheduleAfter(ofMinutes(30), spec("x", "{\"v\":2}").ifExists(IfExists.REPLACE));
    workers.runDirectlyFromNowOn();
    assertThat(ran).isEmpty();

    h.advance(ofMinutes(30));
    assertThat(ran).containsExactly("x {\"v\":2}");
  }

  @Test
  void cancelByParticipantAfterTheReRead_theCallbackNeverStarts() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{}"));
    dueAndVerified(ofMinutes(1));

    assertThat(h.timer.cancelByParticipant("participant-1")).isEqualTo(1);
    workers.runAll();

    assertThat(ran).isEmpty();
  }

  @Test
  void cancelAndScheduleAgainAfterTheReRead_onlyTheNewTimerRuns_atItsOwnTime() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{\"v\":1}"));
    dueAndVerified(ofMinutes(1));

    h.timer.cancel("x");
    h.timer.scheduleAfter(ofMinutes(5), spec("x", "{\"v\":2}"));
    workers.runDirectlyFromNowOn();
    assertThat(ran).isEmpty();

    h.advance(ofMinutes(5));
    assertThat(ran).containsExactly("x {\"v\":2}");
    assertThat(store.get("x")).isEmpty();
  }

  @Test
  void deleteThisProcessCannotSee_afterAStaleReRead_theCallbackNeverStarts() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{}"));
    dueAndVerified(ofMinutes(1));

    // Another node or an operator tool deletes it; this engine is not told.
    assertThat(remove(store, "x")).isTrue();
    h.clock.advance(Duration.ofMillis(201)); // the run waited for a worker longer than FRESH_READ
    workers.runDirectlyFromNowOn();

    assertThat(ran).isEmpty();
  }

  @Test
  void deleteThisProcessCannotSee_withinTheFreshReadWindow_mayStillStart() {
    // The documented bound of the cross-process window: a re-read at most FRESH_READ old is used.
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{}"));
    dueAndVerified(ofMinutes(1));

    assertThat(remove(store, "x")).isTrue();
    h.clock.advance(Duration.ofMillis(200));
    workers.runDirectlyFromNowOn();

    assertThat(ran).containsExactly("x {}");
  }

  @Test
  void anInvalidatedRunWhoseTimerIsUnchanged_stillRuns() {
    start();
    h.timer.scheduleAfter(ofMinutes(1), spec("x", "{}"));
    h.timer.scheduleAfter(ofMinutes(1), spec("other", "{}"));
    h.advance(ofMinutes(1));

    // Cancelling a timer that does not exist touches nothing that is stored.
    assertThat(h.timer.cancel("missing")).isFalse();
    workers.runAll();

    assertThat(ran).containsExactlyInAnyOrder("x {}", "other {}");
  }

  @Test
  void cancelWhileTheCallbackRuns_isRunningTellsAndAwaitIdleWaitsForIt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      h =
          new Harness(
              store,
              START,
              b ->
                  b.workers(pool)
                      .register(
                          "slow",
                          CallbackFactory.of(
                              ctx -> {
                                started.countDown();
                                release.await();
                              })));
      h.start();
      h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("slow", "p").id("x"));
      h.advance(ofMinutes(1));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      assertThat(h.timer.cancel("x")).isTrue();
      assertThat(h.timer.isRunning("x")).as("the run was in flight").isTrue();
      assertThat(h.timer.awaitIdle("x", Duration.ofMillis(1))).as("still running").isFalse();
      CompletableFuture<Boolean> idle =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return h.timer.awaitIdle("x", Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      release.countDown();

      assertThat(idle.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(h.timer.isRunning("x")).isFalse();
      assertThat(store.get("x")).as("the finished run did not bring it back").isEmpty();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void awaitIdleFromTheTimersOwnCallback_isRefused() {
    List<Throwable> refused = new CopyOnWriteArrayList<>();
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "self",
                    CallbackFactory.of(
                        ctx -> {
                          try {
                            h.timer.awaitIdle(ctx.timerId(), Duration.ofSeconds(1));
                          } catch (IllegalStateException e) {
                            refused.add(e);
                          }
                        })));
    h.start();
    h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("self", "p").id("me"));
    h.advance(ofMinutes(1));

    assertThat(refused).hasSize(1);
    assertThat(refused.get(0)).hasMessageContaining("'me'").hasMessageContaining("own callback");
  }

  @Test
  void awaitIdle_validatesItsArguments() {
    start();
    assertThatThrownBy(() -> h.timer.awaitIdle(null, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id");
    assertThatThrownBy(() -> h.timer.awaitIdle("x", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
  }
}
