package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.Scheduled.Outcome;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.CountingStore;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduleAsyncTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");
  static final long WAIT = 30;

  private final FakeStore fake = new FakeStore();
  private final CountingStore store = new CountingStore(fake);
  private final List<String> committers = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch firstCommitEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFirstCommit = new CountDownLatch(1);
  private Harness h;

  private Harness harness(Store s, UnaryOperator<PersistentTimer.Builder> extra) {
    h =
        new Harness(
            s,
            START,
            b ->
                extra.apply(
                    b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx)))));
    return h.start();
  }

  /** The first commit waits for the test's release; every commit records its thread. */
  private void holdFirstCommit() {
    AtomicInteger commits = new AtomicInteger();
    store.beforeWriteAll(
        writes -> {
          committers.add(Thread.currentThread().getName());
          if (commits.incrementAndGet() == 1) {
            firstCommitEntered.countDown();
            awaitLatch(releaseFirstCommit);
          }
        });
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      assertThat(latch.await(WAIT, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    releaseFirstCommit.countDown();
    if (h != null) {
      h.close();
    }
  }

  private static ScheduleRequest request(String id, IfExists rule) {
    return ScheduleRequest.after(ofMinutes(1), TimerSpec.of("reminder", "p").id(id).ifExists(rule));
  }

  private static Throwable failure(CompletableFuture<?> future) throws InterruptedException {
    try {
      future.get(WAIT, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + future.join());
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("future did not complete", e);
    }
  }

  @Test
  void oneFeeder_neverCommits_writesQueuedDuringACommitShareTheNext() throws Exception {
    harness(store, b -> b);
    holdFirstCommit();
    List<CompletableFuture<Scheduled>> futures = new ArrayList<>();
    futures.add(h.timer.scheduleAsync(request("t0", IfExists.KEEP)));
    awaitLatch(firstCommitEntered);
    for (int i = 1; i < 100; i++) {
      futures.add(h.timer.scheduleAsync(request("t" + i, IfExists.KEEP)));
    }
    assertThat(futures).noneMatch(CompletableFuture::isDone);

    releaseFirstCommit.countDown();
    for (int i = 0; i < 100; i++) {
      assertThat(futures.get(i).get(WAIT, TimeUnit.SECONDS))
          .isEqualTo(new Scheduled("t" + i, Outcome.CREATED));
    }

    assertThat(store.writeAlls()).containsExactly(1, 99);
    assertThat(committers).allMatch(name -> name.startsWith("persistent-timers-commit"));
    assertThat(h.timer.stats().armed()).isEqualTo(100);
    h.advance(ofMinutes(1));
    assertThat(h.runs).hasSize(100);
  }

  @Test
  void continuations_runOffTheCommitThread_andABlockedOneStallsNoCommit() throws Exception {
    harness(store, b -> b);
    CountDownLatch continuationBlocked = new CountDownLatch(1);
    CountDownLatch releaseContinuation = new CountDownLatch(1);
    AtomicReference<String> continuationThread = new AtomicReference<>();
    CompletableFuture<Scheduled> first = h.timer.scheduleAsync(request("a", IfExists.KEEP));
    first.thenRun(
        () -> {
          continuationThread.set(Thread.currentThread().getName());
          continuationBlocked.countDown();
          awaitLatch(releaseContinuation);
        });
    awaitLatch(continuationBlocked);

    // The host's continuation holds the completion thread; the next write still commits.
    h.timer.scheduleAsync(request("b", IfExists.KEEP));
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> fake.get("b").isPresent());

    releaseContinuation.countDown();
    assertThat(continuationThread.get()).startsWith("persistent-timers-async");
  }

  @Test
  void storeFailure_completesExceptionally_nothingStored() throws Exception {
    FailingStore failing = new FailingStore(fake);
    harness(failing, b -> b);
    failing.failWrites(true);

    assertThat(failure(h.timer.scheduleAsync(request("x", IfExists.KEEP))))
        .isInstanceOf(StoreException.class);
    failing.failWrites(false);
    assertThat(fake.get("x")).isEmpty();
    assertThat(h.timer.stats().armed()).isZero();
  }

  @Test
  void ifExists_keepFailReplace() throws Exception {
    harness(store, b -> b);
    h.timer.scheduleAfter(ofMinutes(5), TimerSpec.of("reminder", "p").id("k"));

    assertThat(h.timer.scheduleAsync(request("k", IfExists.KEEP)).get(WAIT, TimeUnit.SECONDS))
        .isEqualTo(new Scheduled("k", Outcome.KEPT));
    assertThat(failure(h.timer.scheduleAsync(request("k", IfExists.FAIL))))
        .isInstanceOf(DuplicateTimerException.class)
        .hasMessageContaining("'k'");
    assertThat(h.timer.scheduleAsync(request("k", IfExists.REPLACE)).get(WAIT, TimeUnit.SECONDS))
        .isEqualTo(new Scheduled("k", Outcome.REPLACED));
    assertThat(fake.get("k").orElseThrow().nextFireAt()).isEqualTo(START.plus(ofMinutes(1)));
  }

  @Test
  void badInput_throwsAtOnce() {
    harness(store, b -> b);
    assertThatThrownBy(
            () ->
                h.timer.scheduleAsync(
                    ScheduleRequest.after(Duration.ofSeconds(-1), TimerSpec.of("reminder", "p"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");
    assertThat(store.writeAlls()).isEmpty();
  }

  @Test
  void close_failsQueuedFuturesAsNotStored_letsTheCommittingOneFinish() throws Exception {
    harness(store, b -> b);
    holdFirstCommit();
    CompletableFuture<Scheduled> committing = h.timer.scheduleAsync(request("a", IfExists.KEEP));
    awaitLatch(firstCommitEntered);
    CompletableFuture<Scheduled> queued = h.timer.scheduleAsync(request("b", IfExists.KEEP));

    Thread closer = new Thread(h.timer::close);
    closer.start();

    assertThat(failure(queued))
        .isInstanceOf(TimerClosedException.class)
        .hasMessageContaining("not stored");
    assertThat(committing).isNotDone();
    releaseFirstCommit.countDown();
    assertThat(committing.get(WAIT, TimeUnit.SECONDS))
        .isEqualTo(new Scheduled("a", Outcome.CREATED));
    closer.join(TimeUnit.SECONDS.toMillis(WAIT));
    assertThat(closer.isAlive()).isFalse();
    assertThat(fake.get("a")).isPresent();
    assertThat(fake.get("b")).isEmpty();
    assertThatThrownBy(() -> h.timer.scheduleAsync(request("c", IfExists.KEEP)))
        .isInstanceOf(TimerClosedException.class);
  }

  @Test
  void backpressure_aCallBeyondTheLimitBlocks_untilAFutureCompletes() throws Exception {
    harness(store, b -> b.maxAsyncInFlight(2));
    holdFirstCommit();
    CompletableFuture<Scheduled> a = h.timer.scheduleAsync(request("a", IfExists.KEEP));
    awaitLatch(firstCommitEntered);
    CompletableFuture<Scheduled> b = h.timer.scheduleAsync(request("b", IfExists.KEEP));
    AtomicReference<CompletableFuture<Scheduled>> c = new AtomicReference<>();
    Thread feeder = new Thread(() -> c.set(h.timer.scheduleAsync(request("c", IfExists.KEEP))));
    feeder.start();
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> feeder.getState() == Thread.State.WAITING);
    assertThat(c.get()).isNull();

    releaseFirstCommit.countDown();
    feeder.join(TimeUnit.SECONDS.toMillis(WAIT));
    assertThat(c.get().get(WAIT, TimeUnit.SECONDS)).isEqualTo(new Scheduled("c", Outcome.CREATED));
    assertThat(a.join().outcome()).isEqualTo(Outcome.CREATED);
    assertThat(b.join().outcome()).isEqualTo(Outcome.CREATED);
  }

  @Test
  void backpressure_interruptedWhileBlocked_failsWithInterrupt_nothingStored() throws Exception {
    harness(store, b -> b.maxAsyncInFlight(1));
    holdFirstCommit();
    h.timer.scheduleAsync(request("a", IfExists.KEEP));
    awaitLatch(firstCommitEntered);
    AtomicReference<CompletableFuture<Scheduled>> b = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    Thread feeder =
        new Thread(
            () -> {
              b.set(h.timer.scheduleAsync(request("b", IfExists.KEEP)));
              stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
    feeder.start();
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> feeder.getState() == Thread.State.WAITING);
    feeder.interrupt();
    feeder.join(TimeUnit.SECONDS.toMillis(WAIT));

    assertThat(failure(b.get())).isInstanceOf(InterruptedException.class);
    assertThat(stillInterrupted.get()).isTrue();
    releaseFirstCommit.countDown();
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> fake.get("a").isPresent());
    assertThat(fake.get("b")).isEmpty();
  }

  @Test
  void backpressure_aContinuationSchedulingMore_neverWaitsForItself() throws Exception {
    harness(store, b -> b.maxAsyncInFlight(1));
    CompletableFuture<Scheduled> chained =
        h.timer
            .scheduleAsync(request("first", IfExists.KEEP))
            .thenCompose(s -> h.timer.scheduleAsync(request("second", IfExists.KEEP)));

    assertThat(chained.get(WAIT, TimeUnit.SECONDS))
        .isEqualTo(new Scheduled("second", Outcome.CREATED));
  }
}
