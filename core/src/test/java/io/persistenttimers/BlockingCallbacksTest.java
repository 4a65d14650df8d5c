package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.ManualExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host callbacks that block cannot stop the engine's own work, nor wait on themselves. */
class BlockingCallbacksTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private Harness h;
  private ExecutorService pool;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  @Test
  void everyWorkerBlocked_loadsReReadsAndCleanupGoOn() {
    // Workers that never run anything: every callback is stuck behind the ones before it.
    ManualExecutor blocked = new ManualExecutor();
    h =
        new Harness(
            store,
            START,
            b ->
                b.workers(blocked)
                    .horizon(ofMinutes(1))
                    .cleanupInterval(ofMinutes(1))
                    .register("reminder", CallbackFactory.of(ctx -> {})));
    h.start();
    for (int i = 0; i < 16; i++) {
      h.timer.scheduleAfter(ofSeconds(1), TimerSpec.of("reminder", "p").id("blocking-" + i));
    }
    h.timer.scheduleAfter(ofMinutes(30), TimerSpec.of("reminder", "p").id("later"));
    h.timer.scheduleAfter(
        ofMinutes(10),
        TimerSpec.of("reminder", "p").id("expiring").expiresAt(START.plus(ofMinutes(20))));

    h.advance(ofSeconds(1));
    assertThat(blocked.queued()).as("re-read without a worker; callbacks wait").isEqualTo(16);

    h.advance(ofMinutes(29).plusSeconds(30));
    assertThat(h.timer.stats().armed())
        .as("the load armed the later timer while every worker was blocked")
        .isEqualTo(1);
    assertThat(store.get("expiring"))
        .as("the expired timer was due while no worker was free: dropped by the re-read or cleanup")
        .isEmpty();
  }

  @Test
  void slowCallback_isReportedOnce_withIdAndType_andGoesOn() throws Exception {
    pool = Executors.newFixedThreadPool(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> slow = new CopyOnWriteArrayList<>();
    h =
        new Harness(
            store,
            START,
            b ->
                b.workers(pool)
                    .slowCallbackThreshold(ofSeconds(5))
                    .listener(
                        new TimerListener() {
                          @Override
                          public void onSlowCallback(TimerRecord timer, Duration running) {
                            slow.add(timer.id() + " " + timer.callbackType() + " " + running);
                          }
                        })
                    .register(
                        "slow",
                        CallbackFactory.of(
                            ctx -> {
                              started.countDown();
                              release.await();
                            })));
    h.start();
    h.timer.scheduleAfter(ofSeconds(1), TimerSpec.of("slow", "p").id("s"));
    h.advance(ofSeconds(1));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    h.advance(ofSeconds(4));
    assertThat(slow).isEmpty();
    h.advance(ofSeconds(1));
    assertThat(slow).containsExactly("s slow PT5S");
    h.advance(ofMinutes(1));
    assertThat(slow).as("once per run").hasSize(1);

    release.countDown();
    assertThat(h.timer.awaitIdle("s", Duration.ofSeconds(10))).isTrue();
    assertThat(store.get("s")).as("it finished normally").isEmpty();
  }

  @Test
  void callbackPastItsTypesTimeout_isInterrupted_andItsRunCountsAsAFailedAttempt()
      throws Exception {
    pool = Executors.newFixedThreadPool(1);
    CountDownLatch started = new CountDownLatch(1);
    List<Boolean> interrupted = new CopyOnWriteArrayList<>();
    h =
        new Harness(
            store,
            START,
            b ->
                b.workers(pool)
                    .callbackTimeout("hanging", ofSeconds(10))
                    .register(
                        "hanging",
                        CallbackFactory.of(
                            ctx -> {
                              started.countDown();
                              try {
                                new CountDownLatch(1).await();
                              } catch (InterruptedException e) {
                                interrupted.add(true);
                                throw e;
                              }
                            })));
    h.start();
    h.timer.scheduleAfter(ofSeconds(1), TimerSpec.of("hanging", "p").id("h"));
    h.advance(ofSeconds(1));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    h.advance(ofSeconds(10));
    assertThat(h.timer.awaitIdle("h", Duration.ofSeconds(10))).isTrue();

    assertThat(interrupted).containsExactly(true);
    TimerRecord stored = store.get("h").orElseThrow();
    assertThat(stored.attempt()).isEqualTo(1);
    assertThat(stored.lastError()).contains("TimeoutException").contains("PT10S");
    assertThat(h.events).anyMatch(e -> e.startsWith("failed h retry"));
  }

  @Test
  void closeFromInsideACallback_doesNotWaitForItself() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    PersistentTimer[] timer = new PersistentTimer[1];
    timer[0] =
        PersistentTimer.builder(store)
            .workerThreads(2)
            .shutdownTimeout(Duration.ofSeconds(60))
            .register(
                "closer",
                CallbackFactory.of(
                    ctx -> {
                      timer[0].close();
                      closed.countDown();
                    }))
            .build();
    timer[0].start();
    timer[0].scheduleAfter(Duration.ZERO, TimerSpec.of("closer", "p").id("c"));

    // Waiting on itself would take the whole 60 s shutdown timeout.
    assertThat(closed.await(30, TimeUnit.SECONDS))
        .as("close() returned inside the callback")
        .isTrue();
  }
}
