package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * {@code start()} while the store is down waits with a bound: it tries again until the store
 * answers or the start timeout has passed, then throws the store's exception.
 */
class StartWhileStoreDownTest {
  private static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private final FailingStore failing = new FailingStore(store);

  private Harness harness(Duration startTimeout) {
    return new Harness(
        failing,
        START,
        b -> b.startTimeout(startTimeout).register("reminder", CallbackFactory.of(ctx -> {})));
  }

  @Test
  void start_whileTheStoreIsDown_retriesAndReturnsOnceItAnswers() throws Exception {
    Harness h = harness(Duration.ofSeconds(20));
    try {
      failing.failReads(true);
      CompletableFuture<Void> started = CompletableFuture.runAsync(h.timer::start);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (failing.failures() < 2 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      assertThat(failing.failures()).as("start attempts that met the outage").isGreaterThan(1);
      assertThat(started).isNotDone();

      failing.failReads(false);

      started.get(10, TimeUnit.SECONDS);
      String id = h.timer.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p")).id();
      assertThat(h.timer.get(id)).isPresent();
    } finally {
      h.close();
    }
  }

  @Test
  void start_whileTheStoreStaysDown_throwsAfterTheStartTimeout() {
    Duration startTimeout = Duration.ofMillis(400);
    Harness h = harness(startTimeout);
    try {
      failing.failReads(true);
      long begin = System.nanoTime();
      assertThatThrownBy(h.timer::start).isInstanceOf(StoreException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - begin);

      assertThat(failing.failures()).isGreaterThan(1);
      assertThat(took).isBetween(startTimeout, startTimeout.plusSeconds(1));
      failing.failReads(false);
      h.start(); // nothing was started: it may be called again
    } finally {
      h.close();
    }
  }
}
