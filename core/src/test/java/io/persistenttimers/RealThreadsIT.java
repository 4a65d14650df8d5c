package io.persistenttimers;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.testkit.FakeClaimingStore;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine on its own real threads (scheduler thread, worker pool): what the manual scheduler
 * cannot show, such as a wake-up task that runs before its arming returned.
 */
class RealThreadsIT {

  @Test
  void timersDueAtOnce_fromManyThreads_allFireExactlyOnce() throws Exception {
    int threads = 4;
    int perThread = 500;
    CountDownLatch allFired = new CountDownLatch(threads * perThread);
    Set<String> fired = ConcurrentHashMap.newKeySet();
    List<String> duplicates = new ArrayList<>();
    FakeStore store = new FakeStore();
    try (PersistentTimer timer =
        PersistentTimer.builder(store)
            .register(
                "now",
                CallbackFactory.of(
                    ctx -> {
                      if (!fired.add(ctx.timerId())) {
                        synchronized (duplicates) {
                          duplicates.add(ctx.timerId());
                        }
                      }
                      allFired.countDown();
                    }))
            .build()) {
      timer.start();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> calls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        calls.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    timer.scheduleAfter(Duration.ZERO, TimerSpec.of("now", "p"));
                  }
                }));
      }
      for (Future<?> call : calls) {
        call.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertThat(allFired.await(60, TimeUnit.SECONDS))
          .as("every timer fired; %d of %d did", fired.size(), threads * perThread)
          .isTrue();
    }
    assertThat(duplicates).isEmpty();
    assertThat(fired).hasSize(threads * perThread);
    assertThat(store.list()).isEmpty();
  }

  @Test
  void multiNode_renewsLeasesOnAThreadOfItsOwnWhileEveryWorkerIsBusy_andStopsItOnClose()
      throws Exception {
    FakeClaimingStore store = new FakeClaimingStore(InstantSource.system());
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PersistentTimer timer =
        PersistentTimer.builder(store)
            .workerThreads(1)
            .register(
                "block",
                CallbackFactory.of(
                    ctx -> {
                      started.countDown();
                      release.await();
                    }))
            .multiNode(
                MultiNode.of("node-a")
                    .pollInterval(Duration.ofMillis(100))
                    .claimAhead(Duration.ofMillis(500))
                    .lease(Duration.ofSeconds(1)))
            .build();
    try {
      store.insert(record("held").callbackType("block").due(Instant.now()).build());
      timer.start();
      assertThat(started.await(30, TimeUnit.SECONDS)).as("the callback started").isTrue();

      // The only worker is inside the callback; the lease must still move on.
      Instant claimedUntil = store.lease("held").orElseThrow().until();
      await("the lease renewed past the claim")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  store.lease("held").orElseThrow().until().isAfter(claimedUntil.plusMillis(600)));
      assertThat(renewalThreads()).hasSize(1);
    } finally {
      release.countDown();
      timer.close();
    }
    await("the renewal thread stopped")
        .atMost(Duration.ofSeconds(30))
        .until(() -> renewalThreads().isEmpty());
    assertThat(store.list()).isEmpty();
  }

  private static List<Thread> renewalThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("persistent-timers-lease-renewal") && t.isAlive())
        .toList();
  }
}
