package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerRecord;
import java.sql.Connection;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scheduling inside the host's own transaction: the timer commits or rolls back with it. */
class PostgresHostTransactionTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("hosttx");
  private static HikariDataSource dataSource;
  private static PostgresStore store;

  @BeforeAll
  static void open() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 3);
    store = PostgresStore.builder(dataSource).schema(SCHEMA).build();
    PgTestSupport.exec(
        "CREATE TABLE "
            + PostgresStore.quoteIdentifier(SCHEMA)
            + ".participant_state (id TEXT PRIMARY KEY, state TEXT)");
  }

  @AfterAll
  static void drop() {
    if (store != null) {
      store.close();
    }
    if (dataSource != null) {
      dataSource.close();
    }
    PgTestSupport.dropSchema(SCHEMA);
  }

  private static String stateTable() {
    return PostgresStore.quoteIdentifier(SCHEMA) + ".participant_state";
  }

  @Test
  void connection_rollback_leavesNoTimer() throws Exception {
    TimerRecord r = record("conn-rolled-back").build();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.createStatement()
          .execute("INSERT INTO " + stateTable() + " VALUES ('p-rb', 'FEEDBACK_PENDING')");
      assertThat(store.insert(c, r)).isTrue();
      // Not visible outside the host transaction before its commit.
      assertThat(store.get(r.id())).isEmpty();
      c.rollback();
      c.setAutoCommit(true);
    }
    assertThat(store.get(r.id())).isEmpty();
  }

  @Test
  void connection_commit_storesTheTimerEqualToTheOneWritten() throws Exception {
    TimerRecord r = record("conn-committed").params("{\"b\": 1,  \"a\": [true]}").build();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.createStatement()
          .execute("INSERT INTO " + stateTable() + " VALUES ('p-c', 'FEEDBACK_PENDING')");
      assertThat(store.insert(c, r)).isTrue();
      c.commit();
      c.setAutoCommit(true);
    }
    assertThat(store.get(r.id())).contains(r);
  }

  @Test
  void connection_duplicateId_returnsFalse_andKeepsTheHostTransactionUsable() throws Exception {
    TimerRecord r = record("conn-dup").build();
    insert(store, r);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      assertThat(store.insert(c, record("conn-dup").callbackType("other").build())).isFalse();
      c.createStatement().execute("INSERT INTO " + stateTable() + " VALUES ('p-dup', 'X')");
      c.commit();
      c.setAutoCommit(true);
    }
    assertThat(store.get("conn-dup")).contains(r);
  }

  @Test
  void jdbiHandle_rollbackAndCommit() {
    Jdbi host = Jdbi.create(dataSource);
    TimerRecord rolledBack = record("handle-rolled-back").build();
    TimerRecord committed = record("handle-committed").build();

    assertThatThrownBy(
            () ->
                host.useTransaction(
                    h -> {
                      h.execute("INSERT INTO " + stateTable() + " VALUES ('p-h1', 'X')");
                      store.insert(h, rolledBack);
                      throw new IllegalStateException("host fails after scheduling");
                    }))
        .isInstanceOf(IllegalStateException.class);
    host.useTransaction(
        h -> {
          h.execute("INSERT INTO " + stateTable() + " VALUES ('p-h2', 'X')");
          assertThat(store.insert(h, committed)).isTrue();
        });

    assertThat(store.get(rolledBack.id())).isEmpty();
    assertThat(store.get(committed.id())).contains(committed);
    int hostRows =
        host.withHandle(
            h ->
                h.createQuery("SELECT count(*) FROM " + stateTable() + " WHERE id LIKE 'p-h%'")
                    .mapTo(Integer.class)
                    .one());
    assertThat(hostRows).isEqualTo(1);
  }

  @Test
  void connection_failure_isStoreException_withoutParams() throws Exception {
    // Params that are not JSON never reach a store now (core refuses them, see BadInputTest), so
    // the failure comes from the host's transaction, already aborted by an earlier statement.
    TimerRecord bad = record("conn-bad-json").params("{\"phone\": \"+15550199\"}").build();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (java.sql.Statement failing = c.createStatement()) {
        failing.execute("SELECT 1/0");
      } catch (java.sql.SQLException expected) {
        // the transaction is now aborted
      }
      assertThatThrownBy(() -> store.insert(c, bad))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("conn-bad-json")
          .satisfies(e -> assertThat(PostgresFailureTest.fullText(e)).doesNotContain("15550199"));
      c.rollback();
      c.setAutoCommit(true);
    }
  }
}
