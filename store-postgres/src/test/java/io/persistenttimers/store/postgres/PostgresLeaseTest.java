package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.testkit.Records;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The multi-node lease SQL of {@link PostgresStore} against the real server. */
class PostgresLeaseTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("lease");
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  private static HikariDataSource dataSource;
  private PostgresStore store;

  @BeforeAll
  static void createSchema() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 8);
    PostgresStore.builder(dataSource).schema(SCHEMA).build().close();
  }

  @AfterAll
  static void dropSchema() {
    if (dataSource != null) {
      dataSource.close();
    }
    PgTestSupport.dropSchema(SCHEMA);
  }

  @BeforeEach
  void emptyTable() {
    PgTestSupport.exec("TRUNCATE " + table());
    store =
        PostgresStore.builder(dataSource)
            .schema(SCHEMA)
            .migrate(false)
            .notifyOnInsert(true)
            .build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static String table() {
    return PostgresStore.quoteIdentifier(SCHEMA) + ".persistent_timers";
  }

  /** Makes a lease run out by the database's clock, as waiting would. */
  private static void expireLease(String id) {
    PgTestSupport.exec(
        "UPDATE "
            + table()
            + " SET lease_until = now() - interval '1 second' WHERE id = '"
            + id
            + "'");
  }

  private static long epoch(String id) {
    return Long.parseLong(
        PgTestSupport.queryString(
            "SELECT lease_epoch FROM " + table() + " WHERE id = '" + id + "'"));
  }

  @Test
  void claimDue_takesUnownedDueTimersInDueOrder_andKeepsTheirVersion() {
    store.insert(record("late").due(T0.plusSeconds(20)).build());
    store.insert(record("early").due(T0).build());
    store.insert(record("not-due").due(T0.plusSeconds(120)).build());

    List<TimerRecord> claimed = store.claimDue("node-a", T0.plusSeconds(60), 10, LEASE);

    assertThat(claimed).extracting(TimerRecord::id).containsExactly("early", "late");
    assertThat(claimed).allSatisfy(r -> assertThat(r.version()).isEqualTo(1));
    assertThat(store.getIfOwned("early", "node-a")).isPresent();
    assertThat(store.getIfOwned("early", "node-b")).isEmpty();
    assertThat(store.getIfOwned("not-due", "node-a")).isEmpty();
  }

  @Test
  void liveLease_isNotTaken_evenByANodeWhoseClockRunsAhead() {
    store.insert(record("t").due(T0).build());
    store.claimDue("node-a", T0.plusSeconds(1), 10, LEASE);

    // node-b's clock may say anything: 'before' far in the future does not make a lease expire.
    assertThat(store.claimDue("node-b", FAR, 10, LEASE)).isEmpty();
    assertThat(store.getIfOwned("t", "node-a")).isPresent();
  }

  @Test
  void expiredLease_isTakenOver_withANewVersionAndEpoch_whichFencesTheOldOwner() {
    TimerRecord original = record("t").due(T0).build();
    store.insert(original);
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("t");

    List<TimerRecord> taken = store.claimDue("node-b", FAR, 10, LEASE);

    assertThat(taken).extracting(TimerRecord::version).containsExactly(2L);
    assertThat(epoch("t")).isEqualTo(1);
    assertThat(store.getIfOwned("t", "node-a")).isEmpty();
    // node-a resumes and tries to complete or reschedule with the version it had armed: refused.
    assertThat(store.delete("t", 1)).isFalse();
    assertThat(store.update(Records.rescheduled(original, T0.plusSeconds(60), 0, null, T0, T0), 1))
        .isFalse();
    assertThat(store.get("t")).isPresent();
    assertThat(store.delete("t", 2)).isTrue();
  }

  @Test
  void reclaimingOwnTimer_keepsItsVersion() {
    store.insert(record("t").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("t");

    assertThat(store.claimDue("node-a", FAR, 10, LEASE))
        .extracting(TimerRecord::version)
        .containsExactly(1L);
    assertThat(epoch("t")).isZero();
  }

  @Test
  void renewLeases_extendsOnlyWhatTheNodeStillHolds() {
    store.insert(record("kept").due(T0).build());
    store.insert(record("lost").due(T0).build());
    store.insert(record("cancelled").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("lost");
    store.claimDue("node-b", FAR, 10, LEASE);
    store.delete("cancelled");

    Set<String> renewed = store.renewLeases("node-a", List.of("kept", "lost", "cancelled"), LEASE);

    assertThat(renewed).containsExactly("kept");
  }

  @Test
  void releaseLeases_letsOtherNodesClaimAtOnce() {
    store.insert(record("a").due(T0).build());
    store.insert(record("b").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);

    assertThat(store.releaseLeases("node-a", List.of("a"))).isEqualTo(1);
    assertThat(store.claimDue("node-b", FAR, 10, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("a");
    assertThat(store.releaseLeases("node-a")).isEqualTo(1);
    assertThat(store.claimDue("node-b", FAR, 10, LEASE))
        .extracting(TimerRecord::id)
        .containsExactly("a", "b");
  }

  @Test
  void concurrentClaims_neverHandOneTimerToTwoNodes() throws Exception {
    List<io.persistenttimers.spi.Write> inserts = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      inserts.add(
          new io.persistenttimers.spi.Write.Insert(
              record(String.format("t%04d", i)).due(T0.plusMillis(i)).build()));
    }
    store.writeAll(inserts);
    int nodes = 4;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<String>>> results = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      String node = "node-" + n;
      results.add(
          pool.submit(
              () -> {
                start.await();
                List<String> mine = new ArrayList<>();
                List<TimerRecord> batch;
                while (!(batch = store.claimDue(node, FAR, 25, LEASE)).isEmpty()) {
                  batch.forEach(r -> mine.add(r.id()));
                  // Finish them, as a node would, so the next claim moves on.
                  for (TimerRecord r : batch) {
                    store.delete(r.id(), r.version());
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
    pool.shutdown();

    assertThat(all).hasSize(600).doesNotHaveDuplicates();
    assertThat(new HashSet<>(all)).hasSize(600);
  }

  @Test
  void listen_wakesWhenAnotherStoreInserts() throws Exception {
    java.util.concurrent.Semaphore wakes = new java.util.concurrent.Semaphore(0);
    try (AutoCloseable listening = store.listen(wakes::release);
        PostgresStore other =
            PostgresStore.builder(dataSource)
                .schema(SCHEMA)
                .migrate(false)
                .notifyOnInsert(true)
                .build()) {
      // The listener wakes once when its LISTEN is in place (a notification sent earlier is lost).
      assertThat(wakes.tryAcquire(30, TimeUnit.SECONDS)).as("listening").isTrue();

      other.insert(record("new").due(T0).build());

      assertThat(wakes.tryAcquire(30, TimeUnit.SECONDS)).as("notification received").isTrue();
    }
  }
}
