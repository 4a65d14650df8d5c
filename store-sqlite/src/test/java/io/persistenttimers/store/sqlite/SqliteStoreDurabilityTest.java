package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.full;
import static io.persistenttimers.store.sqlite.Records.once;
import static io.persistenttimers.testkit.Stores.delete;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What survives closing, reopening, other time zones and a killed process. */
class SqliteStoreDurabilityTest {

  @TempDir Path dir;

  @Test
  void reopen_sameFile_returnsEveryRecordUnchanged() {
    Path file = dir.resolve("timers.db");
    TimerRecord a = full("a");
    TimerRecord b = once("b", "p", T0);
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      insert(store, a);
      insert(store, b);
      delete(store, "b", 1);
      insert(store, b);
    }
    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.list(TimerQuery.all())).containsExactly(b, a);
    }
  }

  @Test
  void instants_areStoredAsUtcEpochMillis_whateverTheJvmZone() throws Exception {
    Path file = dir.resolve("timers.db");
    TimeZone original = TimeZone.getDefault();
    TimerRecord record = full("zoned");
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Chatham"));
      try (SqliteStore store = SqliteStore.openOrCreate(file)) {
        insert(store, record);
      }
      TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
      try (SqliteStore store = SqliteStore.open(file)) {
        assertThat(store.get("zoned")).contains(record);
      }
    } finally {
      TimeZone.setDefault(original);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT next_fire_at, typeof(next_fire_at), expires_at, created_at, updated_at,"
                    + " last_fired_at FROM persistent_timers WHERE id = 'zoned'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(record.nextFireAt().toEpochMilli());
      assertThat(rs.getString(2)).isEqualTo("integer");
      assertThat(rs.getLong(3)).isEqualTo(record.expiresAt().toEpochMilli());
      assertThat(rs.getLong(4)).isEqualTo(record.createdAt().toEpochMilli());
      assertThat(rs.getLong(5)).isEqualTo(record.updatedAt().toEpochMilli());
      assertThat(rs.getLong(6)).isEqualTo(record.lastFiredAt().toEpochMilli());
    }
  }

  @Test
  void open_recoversTheWriteAheadLogOfAProcessThatDied() throws Exception {
    Path live = dir.resolve("live.db");
    Path crashed = Files.createDirectory(dir.resolve("crashed")).resolve("live.db");
    TimerRecord record = full("in-the-log");
    try (SqliteStore store = SqliteStore.openOrCreate(live)) {
      insert(store, record);
      // What a killed process leaves: the main file plus a log holding the committed insert.
      Path wal = dir.resolve("live.db-wal");
      assertThat(Files.size(wal)).isPositive();
      Files.copy(live, crashed);
      Files.copy(wal, crashed.resolveSibling("live.db-wal"));
    }
    try (SqliteStore store = SqliteStore.open(crashed)) {
      assertThat(store.get("in-the-log")).contains(record);
    }
  }

  @Test
  void writeAheadLog_isCheckpointedAndReused_soItStaysBoundedOverManyCommits() throws Exception {
    // The README's claim: SQLite's default automatic checkpoint (1000 pages, ~4 MB) resets the log,
    // which is then reused from its start, so a long-running host's -wal stays near 4 MB.
    Path file = dir.resolve("timers.db");
    Path wal = dir.resolve("timers.db-wal");
    long largest = 0;
    try (SqliteStore store =
        SqliteStore.builder(file)
            .createIfMissing(true)
            .synchronous(SqliteStore.Synchronous.NORMAL)
            .build()) {
      for (int i = 0; i < 600; i++) {
        insert(store, once("t-" + i, "p", T0.plusSeconds(i)));
        if (i >= 10) {
          delete(store, "t-" + (i - 10), 1);
        }
        largest = Math.max(largest, Files.size(wal));
      }
      assertThat(store.list(TimerQuery.all())).hasSize(10);
    }
    // ~30 KB per single-timer commit: 600 of them unchecked would be ~18 MB.
    assertThat(largest).isBetween(1L << 20, 5L << 20);
  }

  @Test
  void builderOptions_normalSynchronous_stillRoundTrips_andTheFileIsInWalMode() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store =
        SqliteStore.builder(file)
            .createIfMissing(true)
            .synchronous(SqliteStore.Synchronous.NORMAL)
            .busyTimeout(Duration.ofSeconds(2))
            .build()) {
      insert(store, once("n", "p", T0));
      assertThat(store.get("n")).isPresent();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }
}
