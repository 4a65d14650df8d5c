package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
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
class RealThreadsTest {

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
}
