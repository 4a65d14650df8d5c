package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.testkit.ClaimingStoreContract;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The multi-node lease SQL of {@link PostgresStore} against the real server: the {@link
 * ClaimingStoreContract}, plus what is PostgreSQL's own (lease epoch, LISTEN/NOTIFY).
 */
class PostgresLeaseTest extends ClaimingStoreContract {
  private static final String SCHEMA = PgTestSupport.newSchemaName("lease");
  private static HikariDataSource dataSource;

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

  @Override
  protected ClaimingStore createStore() {
    PgTestSupport.exec("TRUNCATE " + table());
    return PostgresStore.builder(dataSource)
        .schema(SCHEMA)
        .migrate(false)
        .notifyOnInsert(true)
        .build();
  }

  private static String table() {
    return PostgresStore.quoteIdentifier(SCHEMA) + ".persistent_timers";
  }

  /** Makes a lease run out by the database's clock, as waiting would. */
  @Override
  protected void expireLease(String id) {
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
  void takeover_raisesTheLeaseEpoch_reclaimingOwnTimerDoesNot() {
    insert(store, record("taken").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("taken");
    store.claimDue("node-b", FAR, 10, LEASE);
    assertThat(epoch("taken")).isEqualTo(1);

    insert(store, record("own").due(T0).build());
    store.claimDue("node-a", FAR, 10, LEASE);
    expireLease("own");
    store.claimDue("node-a", FAR, 10, LEASE);
    assertThat(epoch("own")).isZero();
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

      insert(other, record("new").due(T0).build());

      assertThat(wakes.tryAcquire(30, TimeUnit.SECONDS)).as("notification received").isTrue();
    }
  }
}
