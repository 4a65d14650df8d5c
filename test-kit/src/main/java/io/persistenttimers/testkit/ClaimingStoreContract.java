package io.persistenttimers.testkit;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.delete;
import static io.persistenttimers.testkit.Stores.getIfOwned;
import static io.persistenttimers.testkit.Stores.insert;
import static io.persistenttimers.testkit.Stores.remove;
import static io.persistenttimers.testkit.Stores.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lease contract every {@link ClaimingStore} passes, on top of {@link StoreContract}: claims in
 * due order, leases judged by the store's clock, takeover with a new version that fences the old
 * owner out, renewal and release of only what a node holds, and no timer handed to two nodes by
 * concurrent claims. Subclass it, create an empty store in {@link #createStore()} and make a lease
 * run out in {@link #expireLease}.
 */
public abstract class ClaimingStoreContract {
  /** Long enough never to run out by itself during a test. */
  protected static final Duration LEASE = Duration.ofSeconds(30);

  /** A due bound later than any test timer, whatever a node's clock says. */
  protected static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");

  /** The store under test, empty at the start of each test. */
  protected ClaimingStore store;

  /**
   * A new, empty store.
   *
   * @return the store; the contract closes it after the test
   */
  protected abstract ClaimingStore createStore();

  /**
   * Makes the lease on {@code id} run out by the store's clock, as waiting a whole lease would,
   * leaving every other lease as it is.
   *
   * @param id the timer whose lease runs out
   */
  protected abstract void expireLease(String id);

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  public void leaseHolders_countsEachNodesLeases_andTheExpiredOnes() {
    insert(store, record("a1").due(T0).build());
    insert(store, record("a2").due(T0.plusSeconds(1)).build());
    insert(store, record("b1").due(T0.plusSeconds(2)).build());
    insert(store, record("free").due(T0.plusSeconds(300)).build());
    store.claimDue("node-a", T0.plusSeconds(2), 10, LEASE);
    store.claimDue("node-b", T0.plusSeconds(60), 10, LEASE);
    expireLease("a2");

    assertThat(store.leaseHolders())
        .containsExactly(
            new ClaimingStore.LeaseHolder("node-a", 2, 1),
            new ClaimingStore.LeaseHolder("node-b", 1, 0));
  }

  @Test
  public void claimDue_takesUnownedDueTimersInDueOrder_andKeepsTheirVersion() {
    insert(store, record("late").due(T0.plusSeconds(20)).build());
    insert(store, record("early").due(T0).build());
    insert(store, record("not-due").due(T0.plusSeconds(120)).build());

    List<TimerRecord> claimed = store.claimDue("node-a", T0.plusSeconds(60), 10, LEASE);

    assertThat(claimed).extracting(TimerRecord::id).containsExactly("early", "late");
    assertThat(claimed).allSatisfy(r -> assertThat(r.version()).isEqualTo(1));
    assertThat(getIfOwned(store, "early", "node-a")).isPresent();
    assertThat(getIfOwned(store, "early", "node-b")).isEmpty();
    assertThat(getIfOwned(store, "not-due", "node-a")).isEmpty();
  }

  @Test
  public void claimDue_honoursTheLimit_andSkipsFinishedTimers() {
    insert(store, record("a").due(T0).build());
    insert(store, record("b").due(T0.plusSeconds(1)).build());
    insert(store, record("failed").due(T0).status(io.persistenttimers.TimerStatus.FAILED).build());

    assertThat(store.claimDue("node-a", FAR, 1, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("a");
    assertThat(store.claimDue("node-b", FAR, 10, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("b");
  }

  @Test
  public void liveLease_isNotTaken_evenByANodeWhoseClockRunsAhead() {
    insert(store, record("t").due(T0).build());
    store.claimDue("node-a", T0.plusSeconds(1), 10, LEASE);

    // node-b's clock may say anything: 'before' far in the future does not make a lease expire.
    assertThat(store.claimDue("node-b", FAR, 10, LEASE)).isEmpty();
    assertThat(getIfOwned(store, "t", "node-a")).isPresent();
  }

  @Test
  public void expiredLease_isTakenOver_withANewVersion_whichFencesTheOldOwner() {
    TimerRecord original = record("t").due(T0).build();
    insert(store, original);
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("t");

    List<TimerRecord> taken = store.claimDue("node-b", FAR, 10, LEASE);

    assertThat(taken).extracting(TimerRecord::version).containsExactly(2L);
    assertThat(getIfOwned(store, "t", "node-a")).isEmpty();
    assertThat(getIfOwned(store, "t", "node-b")).isPresent();
    // node-a resumes and tries to complete or reschedule with the version it had armed: refused.
    assertThat(delete(store, "t", 1)).isFalse();
    assertThat(update(store, record("t").due(T0.plusSeconds(60)).version(2).build(), 1)).isFalse();
    assertThat(store.get("t")).isPresent();
    assertThat(delete(store, "t", 2)).isTrue();
  }

  @Test
  public void reclaimingOwnTimer_keepsItsVersion() {
    insert(store, record("t").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("t");

    assertThat(store.claimDue("node-a", FAR, 10, LEASE))
        .extracting(TimerRecord::version)
        .containsExactly(1L);
  }

  @Test
  public void renewLeases_extendsOnlyWhatTheNodeStillHolds() {
    insert(store, record("kept").due(T0).build());
    insert(store, record("lost").due(T0).build());
    insert(store, record("cancelled").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("lost");
    store.claimDue("node-b", FAR, 10, LEASE);
    remove(store, "cancelled");

    Set<String> renewed = store.renewLeases("node-a", List.of("kept", "lost", "cancelled"), LEASE);

    assertThat(renewed).containsExactly("kept");
  }

  @Test
  public void getAllIfOwned_returnsOnlyLiveLeasesOfTheNode() {
    insert(store, record("mine").due(T0).build());
    insert(store, record("expired").due(T0).build());
    insert(store, record("unclaimed").due(T0.plusSeconds(120)).build());
    store.claimDue("node-a", T0.plusSeconds(60), 10, LEASE);
    expireLease("expired");

    assertThat(store.getAllIfOwned(List.of("mine", "expired", "unclaimed", "missing"), "node-a"))
        .containsOnlyKeys("mine");
    assertThat(store.getAllIfOwned(List.of("mine"), "node-b")).isEmpty();
  }

  @Test
  public void releaseLeases_letsOtherNodesClaimAtOnce() {
    insert(store, record("a").due(T0).build());
    insert(store, record("b").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);

    assertThat(store.releaseLeases("node-a", List.of("a"))).isEqualTo(1);
    assertThat(store.claimDue("node-b", FAR, 10, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("a");
    assertThat(store.releaseAllLeases("node-a")).isEqualTo(1);
    assertThat(store.claimDue("node-b", FAR, 10, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("a", "b");
  }

  @Test
  public void concurrentClaims_neverHandOneTimerToTwoNodes() throws Exception {
    List<Write> inserts = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      inserts.add(Write.insert(record(String.format("t%04d", i)).due(T0.plusMillis(i)).build()));
    }
    store.writeAll(inserts);
    int nodes = 4;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<String>>> results = new ArrayList<>();
    try {
      for (int n = 0; n < nodes; n++) {
        String node = "node-" + n;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  List<String> mine = new ArrayList<>();
                  List<TimerRecord> batch;
                  while (!(batch = store.claimDue(node, FAR, 25, LEASE)).isEmpty()) {
                    // Finish them, as a node would, so the next claim moves on.
                    for (TimerRecord r : batch) {
                      mine.add(r.id());
                      delete(store, r.id(), r.version());
                    }
                  }
                  return mine;
                }));
      }
      start.countDown();
      List<String> all = new ArrayList<>();
      for (Future<List<String>> f : results) {
        all.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(600).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
  }
}
