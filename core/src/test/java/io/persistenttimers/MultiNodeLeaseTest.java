package io.persistenttimers;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.FakeClaimingStore;
import io.persistenttimers.testkit.FakeClaimingStore.Lease;
import io.persistenttimers.testkit.ManualExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-node mode on the deterministic harness: leases held by the engine against a fake claiming
 * store that judges them by the manual clock. Busy workers are a {@link ManualExecutor} whose tasks
 * run only when the test says so.
 */
class MultiNodeLeaseTest {
  static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  /** Renewed every second. */
  static final Duration LEASE = Duration.ofSeconds(3);

  private Harness h;
  private final FakeClaimingStore store = new FakeClaimingStore(() -> h.clock.instant());

  private Harness harness(String node, UnaryOperator<PersistentTimer.Builder> extra) {
    h =
        new Harness(
            store,
            START,
            b ->
                extra.apply(
                    b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx)))
                        .multiNode(settings(node))));
    return h;
  }

  static MultiNode settings(String node) {
    return MultiNode.of(node)
        .lease(LEASE)
        .pollInterval(Duration.ofSeconds(1))
        .claimAhead(Duration.ofSeconds(2));
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void scheduleAll_armsNothingItself_thePollClaimsTheBatch_eachFiresOnce() {
    harness("node-a", b -> b).start();

    h.timer.scheduleAll(
        List.of(
            ScheduleRequest.after(ofMillis(500), TimerSpec.of("reminder", "p").id("b1")),
            ScheduleRequest.after(ofMillis(500), TimerSpec.of("reminder", "p").id("b2"))));

    // As for single calls in multi-node mode: another node may be the one to claim them.
    assertThat(h.timer.stats().armed()).isZero();
    assertThat(store.lease("b1")).isEmpty();
    h.advance(Duration.ofSeconds(2));
    assertThat(h.firedIds()).containsExactlyInAnyOrder("b1", "b2");
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void fullClaim_claimsAgainAsSoonAsItsRunsDrain_notAtTheNextPoll() {
    harness("node-a", b -> b.multiNode(settings("node-a").claimBatch(5)));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      ids.add("t" + i);
      insert(store, record("t" + i).due(START.minusSeconds(1)).build());
    }
    h.start(); // claims the first 5

    h.scheduler.runDue(); // no time passes: every claim after the first follows a drain

    assertThat(h.firedIds()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(h.clock.instant()).isEqualTo(START);
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void renewal_extendsLeasesWhileEveryWorkerIsBusy() {
    ManualExecutor workers = new ManualExecutor();
    harness("node-a", b -> b.workers(workers));
    insert(store, record("t1").due(START.plusSeconds(1)).build());
    h.start(); // the first claim runs on the caller's thread

    assertThat(store.lease("t1")).contains(new Lease("node-a", START.plus(LEASE)));
    // t1 wakes at 1 s and waits for a worker, as do the polls; renewals run at 1 s and 2 s.
    h.advance(Duration.ofSeconds(2));
    assertThat(workers.queued()).isPositive();
    assertThat(h.runs).isEmpty();
    assertThat(store.lease("t1")).contains(new Lease("node-a", START.plusSeconds(2).plus(LEASE)));

    workers.runAll();
    assertThat(h.firedIds()).containsExactly("t1");
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void leaseNearlyOver_callbackDoesNotStart_andTheTimerFiresOnceWhenClaimedAgain() {
    ManualExecutor workers = new ManualExecutor();
    harness("node-a", b -> b.workers(workers));
    insert(store, record("t1").due(START.plusSeconds(1)).build());
    h.start(); // claimed at 0 s: the lease runs until 3 s

    // Claims and renewals stop getting through; t1 wakes at 1 s and waits for a worker until
    // 2.1 s. The store would still call the lease live (until 3 s), but less than a third is left.
    store.failLeaseUpdates(true);
    h.advance(Duration.ofMillis(2100));
    workers.runAll();
    assertThat(h.runs).as("callbacks started").isEmpty();
    assertThat(store.get("t1")).map(TimerRecord::status).contains(TimerStatus.ACTIVE);
    assertThat(store.lease("t1")).as("lease given back").isEmpty();

    // The next claim (the poll after 3 s) takes it again, and it fires once.
    store.failLeaseUpdates(false);
    h.advance(Duration.ofSeconds(1));
    settle(workers);
    assertThat(h.firedIds()).containsExactly("t1");
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void claims_takeNoMoreThanTheWorkersCanStartWhileTheLeaseIsSafe() {
    ManualExecutor workers = new ManualExecutor();
    // Callbacks of 500 ms by the manual clock; four workers; two thirds of the lease is 2 s.
    harness(
        "node-a",
        b ->
            b.workers(workers)
                .workerThreads(4)
                .register("slow", CallbackFactory.of(ctx -> h.clock.advance(ofMillis(500)))));
    for (int i = 0; i < 50; i++) {
      insert(store, record("s" + i).callbackType("slow").due(START.plusSeconds(1)).build());
    }
    h.start();
    // Nothing timed yet: a callback is taken to last a poll interval, 4 workers x 2 s / 1 s = 8.
    assertThat(store.claimLimits()).containsExactly(8);

    // At 1 s the eight wake; the poll's claim finds them waiting for the four workers.
    h.advance(Duration.ofSeconds(1));
    workers.runAll();
    assertThat(store.claimLimits()).as("workers all taken: at least one").containsExactly(8, 1);

    // Once callbacks of 500 ms are timed: 4 workers x 2 s / 0.5 s = 16, less what waits.
    settle(workers);
    List<Integer> limits = store.claimLimits();
    assertThat(limits.get(2)).isEqualTo(16);
    assertThat(limits.subList(2, limits.size())).allSatisfy(l -> assertThat(l).isBetween(1, 16));
    assertThat(h.events.stream().filter(e -> e.startsWith("fired ")))
        .hasSize(50)
        .doesNotHaveDuplicates();
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void stuckWorkers_leasesOfWaitingTimersRunOut_anotherNodeFiresThemOnce() {
    ManualExecutor stuck = new ManualExecutor();
    harness("node-a", b -> b.workers(stuck));
    insert(store, record("t1").due(START.plusSeconds(1)).build());
    h.start();
    assertThat(store.lease("t1")).map(Lease::owner).contains("node-a");
    List<String> firedOnB = Collections.synchronizedList(new ArrayList<>());
    try (PersistentTimer b =
        h.baseBuilder()
            .register("reminder", CallbackFactory.of(ctx -> firedOnB.add(ctx.timerId())))
            .multiNode(settings("node-b"))
            .build()) {
      b.start();

      // node-a's workers never start anything: t1 waits from 1 s on. Renewals keep its lease
      // while the workers may still move (until 2 s); after that they let it run out (5 s), and
      // node-b's next poll takes it over.
      h.advance(Duration.ofSeconds(7));
      assertThat(firedOnB).containsExactly("t1");
      assertThat(store.list(TimerQuery.all())).isEmpty();

      // node-a's workers come back: the stale wake-up finds nothing of its own to run.
      stuck.runAll();
      assertThat(h.runs).isEmpty();
    }
  }

  /** Runs the workers' queue and whatever falls due now, until neither has anything left. */
  private void settle(ManualExecutor workers) {
    while (h.scheduler.runDue() + workers.runAll() > 0) {
      // keep going
    }
  }
}
