package io.persistenttimers.store.mariadb;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Write;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scheduling inside the host's own transaction: the timer commits or rolls back with it. */
class MariaDbHostTransactionTest {
  private static String database;
  private static HikariDataSource dataSource;
  private static MariaDbStore store;

  @BeforeAll
  static void open() {
    database = MariaDbTestSupport.newDatabase("hosttx");
    dataSource = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 3);
    store = MariaDbStore.builder(dataSource).build();
    MariaDbTestSupport.exec(
        "CREATE TABLE " + stateTable() + " (id VARCHAR(64) PRIMARY KEY, state VARCHAR(64))");
  }

  @AfterAll
  static void drop() {
    if (store != null) {
      store.close();
    }
    if (dataSource != null) {
      dataSource.close();
    }
    if (database != null) {
      MariaDbTestSupport.dropDatabase(database);
    }
  }

  private static String stateTable() {
    return MariaDbStore.quoteIdentifier(database) + ".participant_state";
  }

  @Test
  void connection_rollback_leavesNoTimer() throws Exception {
    TimerRecord r = record("conn-rolled-back").build();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + stateTable() + " VALUES ('p-rb', 'FEEDBACK_PENDING')");
      assertThat(store.insert(c, r)).isTrue();
      // Not visible outside the host transaction before its commit.
      assertThat(store.get(r.id())).isEmpty();
      c.rollback();
      c.setAutoCommit(true);
    }
    assertThat(store.get(r.id())).isEmpty();
    assertThat(
            MariaDbTestSupport.queryString(
                "SELECT COUNT(*) FROM " + stateTable() + " WHERE id = 'p-rb'"))
        .isEqualTo("0");
  }

  @Test
  void connection_commit_storesTheTimerEqualToTheOneWritten() throws Exception {
    TimerRecord r = record("conn-committed").params("{\"b\": 1,  \"a\": [true]}").build();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + stateTable() + " VALUES ('p-c', 'FEEDBACK_PENDING')");
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
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + stateTable() + " VALUES ('p-dup-before', 'X')");
      assertThat(store.insert(c, record("conn-dup").callbackType("other").build())).isFalse();
      s.execute("INSERT INTO " + stateTable() + " VALUES ('p-dup', 'X')");
      c.commit();
      c.setAutoCommit(true);
    }
    assertThat(store.get("conn-dup")).contains(r);
    // Only the failed statement was rolled back: the host's rows before and after it committed.
    assertThat(
            MariaDbTestSupport.queryString(
                "SELECT COUNT(*) FROM " + stateTable() + " WHERE id LIKE 'p-dup%'"))
        .isEqualTo("2");
  }

  @Test
  void connection_insertAll_reportsTheDuplicate_rollbackLeavesNone_commitStoresTheRest()
      throws Exception {
    TimerRecord existing = record("all-1").build();
    insert(store, existing);
    java.util.List<TimerRecord> batch =
        java.util.List.of(
            record("all-0").build(),
            record("all-1").callbackType("other").build(),
            record("all-2").build());
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      assertThat(store.insertAll(c, batch)).containsExactly(true, false, true);
      c.rollback();
      c.setAutoCommit(true);
    }
    assertThat(store.get("all-0")).isEmpty();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      assertThat(store.insertAll(c, batch)).containsExactly(true, false, true);
      c.commit();
      c.setAutoCommit(true);
    }
    assertThat(store.get("all-0")).contains(batch.get(0));
    assertThat(store.get("all-1")).contains(existing);
    assertThat(store.get("all-2")).contains(batch.get(2));
  }

  @Test
  void storeBatchInsertingTheIdOfAnUncommittedHostInsert_waits_thenReportsItExists()
      throws Exception {
    TimerRecord hosts = record("contended").callbackType("host").build();
    TimerRecord engines = record("contended").callbackType("engine").build();
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      assertThat(store.insert(c, hosts)).isTrue();
      Future<List<Boolean>> batch =
          thread.submit(
              () ->
                  store.writeAll(
                      List.of(
                          new Write.Insert(record("other").build()), new Write.Insert(engines))));
      // The batch's insert of the contended id waits for the host's row lock. MariaDB 10.11 does
      // not list that waiter in INNODB_TRX, so the test looks for its statement in progress, on
      // this test's database only (other connections on the server are none of its business).
      Poll.until(
          Duration.ofSeconds(10),
          "the batch's insert of the contended id waiting for the host's lock",
          () ->
              "1"
                  .equals(
                      MariaDbTestSupport.queryString(
                          "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                              + " WHERE DB = '"
                              + database
                              + "' AND COMMAND = 'Query' AND INFO LIKE 'INSERT%''contended''%'")));
      c.commit();
      c.setAutoCommit(true);
      assertThat(batch.get(30, TimeUnit.SECONDS)).containsExactly(true, false);
    } finally {
      thread.shutdownNow();
    }
    assertThat(store.get("contended")).contains(hosts);
    assertThat(store.get("other")).isPresent();
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
    TimerRecord bad = record("conn-closed").params("{\"phone\": \"+15550199\"}").build();
    Connection c = dataSource.getConnection();
    c.close();
    assertThatThrownBy(() -> store.insert(c, bad))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("conn-closed")
        .satisfies(e -> assertThat(fullText(e)).doesNotContain("15550199"));
  }

  static String fullText(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t).append('\n');
    }
    return sb.toString();
  }
}
