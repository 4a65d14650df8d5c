package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.full;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host that keeps its own tables (and its own Flyway) in the same file as the timers. */
class SqliteStoreHostTransactionTest {

  @TempDir Path dir;
  private String url;
  private SqliteStore store;
  private Connection host;

  @BeforeEach
  void open() throws Exception {
    url = "jdbc:sqlite:" + dir.resolve("app.db");
    // The host migrated its own schema first, with its own Flyway history table.
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:host/migration")
        .load()
        .migrate();
    store = SqliteStore.openOrCreate(dir.resolve("app.db"));
    host = DriverManager.getConnection(url);
    try (Statement s = host.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
    }
    host.setAutoCommit(false);
  }

  @AfterEach
  void close() throws Exception {
    host.close();
    store.close();
  }

  @Test
  void hostRollback_leavesNoTimer_hostCommit_storesIt() throws Exception {
    TimerRecord record = full("feedback_initial:participant-42");

    moveParticipant("participant-42", "AWAITING_FEEDBACK");
    assertThat(store.insert(host, record)).isTrue();
    host.rollback();
    assertThat(store.get(record.id())).isEmpty();
    assertThat(participantState("participant-42")).isNull();

    moveParticipant("participant-42", "AWAITING_FEEDBACK");
    assertThat(store.insert(host, record)).isTrue();
    assertThat(store.get(record.id())).as("invisible before the host commits").isEmpty();
    host.commit();
    assertThat(store.get(record.id())).contains(record);
    assertThat(participantState("participant-42")).isEqualTo("AWAITING_FEEDBACK");

    assertThat(store.insert(host, record)).as("same id again").isFalse();
    host.commit();
  }

  @Test
  void hostAndStore_keepSeparateSchemaHistories() {
    Flyway hostFlyway =
        Flyway.configure().dataSource(url, "", "").locations("classpath:host/migration").load();
    assertThat(hostFlyway.info().pending()).isEmpty();
    hostFlyway.validate();
    assertThat(hostFlyway.migrate().migrationsExecuted).isZero();
  }

  private void moveParticipant(String id, String state) throws Exception {
    try (PreparedStatement s =
        host.prepareStatement("INSERT OR REPLACE INTO participants (id, state) VALUES (?, ?)")) {
      s.setString(1, id);
      s.setString(2, state);
      s.executeUpdate();
    }
  }

  private String participantState(String id) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement s = c.prepareStatement("SELECT state FROM participants WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
