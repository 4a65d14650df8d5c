package io.persistenttimers.bench;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import io.persistenttimers.store.mariadb.MariaDbStore;
import io.persistenttimers.store.memory.MemoryStore;
import io.persistenttimers.store.postgres.PostgresStore;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;

/**
 * One store under test together with raw JDBC access to the very same table, so every workload can
 * measure the engine and its raw limit side by side. {@link #reset()} empties the table.
 */
abstract class Target implements AutoCloseable {
  static final String TABLE = "persistent_timers";
  private static final String COLUMNS =
      "id, participant_id, flow_type, callback_type, callback_params, payload_version, timer_type,"
          + " schedule_json, next_fire_at, expires_at, state_type, data_key, attempt, last_error,"
          + " status, version, retry_policy, overdue_policy, last_fired_at, created_at, updated_at";

  final String name;

  Target(String name) {
    this.name = name;
  }

  /** The store the engine runs on (open for the target's life). */
  abstract Store store();

  /** Empties the timer table (memory: a new store). */
  abstract void reset() throws SQLException;

  boolean isSql() {
    return true;
  }

  /** A new raw connection to the same database, auto-commit on, as the store's settings. */
  abstract Connection connect() throws SQLException;

  /** A raw connection for bulk loading (may be tuned for throughput, not for comparison). */
  Connection connectBulk() throws SQLException {
    return connect();
  }

  /** Whether concurrent raw writers must share one connection (SQLite: one writer at a time). */
  boolean singleWriter() {
    return false;
  }

  abstract String insertSql();

  /** Binds every column of {@code r} to {@link #insertSql()}, encoded as the store encodes it. */
  void bind(PreparedStatement ps, TimerRecord r) throws SQLException {
    int i = 1;
    ps.setString(i++, r.id());
    ps.setString(i++, r.participantId());
    ps.setString(i++, r.flowType());
    ps.setString(i++, r.callbackType());
    ps.setString(i++, r.params());
    ps.setInt(i++, r.payloadVersion());
    ps.setString(i++, r.kind().name());
    ps.setString(i++, r.schedule() == null ? null : r.schedule().toJson());
    bindInstant(ps, i++, r.nextFireAt());
    bindInstant(ps, i++, r.expiresAt());
    ps.setString(i++, r.stateType());
    ps.setString(i++, r.dataKey());
    ps.setInt(i++, r.attempt());
    ps.setString(i++, r.lastError());
    ps.setString(i++, r.status().name());
    ps.setLong(i++, r.version());
    ps.setString(i++, r.retryPolicy() == null ? null : r.retryPolicy().toJson());
    ps.setString(i++, r.overduePolicy() == null ? null : r.overduePolicy().name());
    bindInstant(ps, i++, r.lastFiredAt());
    bindInstant(ps, i++, r.createdAt());
    bindInstant(ps, i, r.updatedAt());
  }

  /**
   * One statement that deletes up to {@code ?2} ACTIVE rows due before {@code ?1}, returning ids.
   */
  abstract String deleteDueReturningSql();

  abstract void bindInstant(PreparedStatement ps, int index, Instant instant) throws SQLException;

  /** Another store over the same table: a second node (W5; claiming stores only). */
  Store secondStore(int poolSize) {
    throw new UnsupportedOperationException(name + " has no multi-node mode");
  }

  /** Settings that decide commit cost, for the report. */
  abstract String settings() throws SQLException;

  /** Bulk-loads records with raw JDBC batches (chunks of 5,000 per transaction). */
  void bulkLoad(Iterator<TimerRecord> records) throws SQLException {
    if (!isSql()) {
      while (records.hasNext()) {
        store().writeAll(List.of(Write.insert(records.next())));
      }
      return;
    }
    try (Connection c = connectBulk()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(insertSql())) {
        int n = 0;
        while (records.hasNext()) {
          bind(ps, records.next());
          ps.addBatch();
          if (++n % 5000 == 0) {
            ps.executeBatch();
            c.commit();
          }
        }
        ps.executeBatch();
        c.commit();
      }
    }
  }

  static String insertColumns() {
    return COLUMNS;
  }

  // ---------------------------------------------------------------------------------------------

  static final class Memory extends Target {
    private MemoryStore store = new MemoryStore();

    Memory() {
      super("memory");
    }

    @Override
    Store store() {
      return store;
    }

    @Override
    void reset() {
      store = new MemoryStore();
    }

    @Override
    boolean isSql() {
      return false;
    }

    @Override
    Connection connect() {
      throw new UnsupportedOperationException("memory store has no SQL");
    }

    @Override
    String insertSql() {
      throw new UnsupportedOperationException();
    }

    @Override
    void bind(PreparedStatement ps, TimerRecord r) {
      throw new UnsupportedOperationException();
    }

    @Override
    String deleteDueReturningSql() {
      throw new UnsupportedOperationException();
    }

    @Override
    void bindInstant(PreparedStatement ps, int index, Instant instant) {
      throw new UnsupportedOperationException();
    }

    @Override
    String settings() {
      return "in-process, not durable";
    }

    @Override
    public void close() {}
  }

  // ---------------------------------------------------------------------------------------------

  static final class Sqlite extends Target {
    private final Path dir;
    private final Path file;
    private final SqliteStore.Synchronous synchronous;
    private final SqliteStore store;

    Sqlite(SqliteStore.Synchronous synchronous) {
      super("sqlite");
      try {
        this.dir = Files.createTempDirectory("bench-sqlite");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      this.file = dir.resolve("timers.db");
      this.synchronous = synchronous;
      this.store = SqliteStore.builder(file).createIfMissing(true).synchronous(synchronous).build();
    }

    @Override
    Store store() {
      return store;
    }

    @Override
    void reset() throws SQLException {
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM " + TABLE);
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    }

    @Override
    Connection connect() throws SQLException {
      // As the store opens its connections: WAL, the same synchronous mode, IMMEDIATE transactions.
      SQLiteConfig config = new SQLiteConfig();
      config.setBusyTimeout(10_000);
      config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(
          synchronous == SqliteStore.Synchronous.FULL
              ? SQLiteConfig.SynchronousMode.FULL
              : SQLiteConfig.SynchronousMode.NORMAL);
      Properties props = config.toProperties();
      return DriverManager.getConnection("jdbc:sqlite:" + file, props);
    }

    @Override
    boolean singleWriter() {
      return true;
    }

    @Override
    String insertSql() {
      return "INSERT INTO "
          + TABLE
          + " ("
          + insertColumns()
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (id) DO NOTHING";
    }

    @Override
    void bindInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
      if (instant == null) {
        ps.setNull(index, Types.INTEGER);
      } else {
        ps.setLong(index, instant.toEpochMilli());
      }
    }

    @Override
    String deleteDueReturningSql() {
      return "DELETE FROM "
          + TABLE
          + " WHERE id IN (SELECT id FROM "
          + TABLE
          + " WHERE status = 'ACTIVE' AND next_fire_at <= ? ORDER BY next_fire_at, id LIMIT ?)"
          + " RETURNING id";
    }

    @Override
    String settings() throws SQLException {
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        return "SQLite "
            + one(s, "SELECT sqlite_version()")
            + ", journal_mode="
            + one(s, "PRAGMA journal_mode")
            + ", synchronous="
            + synchronous
            + " (PRAGMA synchronous="
            + one(s, "PRAGMA synchronous")
            + "), file in "
            + dir.getParent();
      }
    }

    @Override
    public void close() {
      store.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: a temp directory
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  static final class Postgres extends Target {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final String url;
    private final String schema;
    private final String table;
    private final PostgresStore store;

    Postgres(String url, int poolSize) {
      super("postgres");
      this.url = url;
      this.schema = "bench_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
      this.table = schema + "." + TABLE;
      this.store = PostgresStore.builder(url).schema(schema).poolSize(poolSize).build();
    }

    @Override
    Store store() {
      return store;
    }

    /** Another store over the same schema: a second node. */
    @Override
    PostgresStore secondStore(int poolSize) {
      return PostgresStore.builder(url).schema(schema).poolSize(poolSize).migrate(false).build();
    }

    @Override
    void reset() throws SQLException {
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.executeUpdate("TRUNCATE " + table);
        s.execute("VACUUM ANALYZE " + table);
      }
    }

    @Override
    Connection connect() throws SQLException {
      return DriverManager.getConnection(url);
    }

    @Override
    Connection connectBulk() throws SQLException {
      Properties props = new Properties();
      props.setProperty("reWriteBatchedInserts", "true");
      return DriverManager.getConnection(url, props);
    }

    @Override
    String insertSql() {
      return "INSERT INTO "
          + table
          + " ("
          + insertColumns()
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, ?, ?,"
          + " CAST(? AS jsonb), ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";
    }

    @Override
    void bindInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
      if (instant == null) {
        ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
      }
    }

    @Override
    String deleteDueReturningSql() {
      return "DELETE FROM "
          + table
          + " WHERE id IN (SELECT id FROM "
          + table
          + " WHERE status = 'ACTIVE' AND next_fire_at <= ? ORDER BY next_fire_at, id LIMIT ?"
          + " FOR UPDATE SKIP LOCKED) RETURNING id";
    }

    @Override
    String settings() throws SQLException {
      List<String> parts = new ArrayList<>();
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        parts.add(one(s, "SHOW server_version").replaceAll(" .*", ""));
        for (String setting :
            List.of(
                "synchronous_commit",
                "fsync",
                "wal_sync_method",
                "commit_delay",
                "shared_buffers")) {
          parts.add(setting + "=" + one(s, "SHOW " + setting));
        }
      }
      return "PostgreSQL " + String.join(", ", parts) + ", schema " + schema;
    }

    @Override
    public void close() throws SQLException {
      store.close();
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  static final class MariaDb extends Target {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final String url;
    private final String database;
    private final String table;
    private final MariaDbStore store;

    MariaDb(String url, int poolSize) {
      super("mariadb");
      this.url = url;
      this.database = "bench_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
      this.table = database + "." + TABLE;
      this.store = MariaDbStore.builder(url).database(database).poolSize(poolSize).build();
    }

    @Override
    Store store() {
      return store;
    }

    @Override
    MariaDbStore secondStore(int poolSize) {
      return MariaDbStore.builder(url).database(database).poolSize(poolSize).migrate(false).build();
    }

    @Override
    void reset() throws SQLException {
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.executeUpdate("TRUNCATE " + table);
      }
    }

    @Override
    Connection connect() throws SQLException {
      // As the store's pool: READ COMMITTED.
      Connection c = DriverManager.getConnection(url);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      return c;
    }

    @Override
    String insertSql() {
      return "INSERT INTO "
          + table
          + " ("
          + insertColumns()
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON DUPLICATE KEY UPDATE id = id";
    }

    @Override
    void bindInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
      if (instant == null) {
        ps.setNull(index, Types.TIMESTAMP);
      } else {
        ps.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
      }
    }

    @Override
    String deleteDueReturningSql() {
      // MariaDB's single-table DELETE takes ORDER BY, LIMIT and RETURNING (MySQL has no RETURNING).
      return "DELETE FROM "
          + table
          + " WHERE status = 'ACTIVE' AND next_fire_at <= ? ORDER BY next_fire_at, id LIMIT ?"
          + " RETURNING id";
    }

    @Override
    String settings() throws SQLException {
      List<String> parts = new ArrayList<>();
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        parts.add(one(s, "SELECT VERSION()"));
        for (String setting :
            List.of(
                "innodb_flush_log_at_trx_commit",
                "sync_binlog",
                "log_bin",
                "innodb_doublewrite",
                "innodb_buffer_pool_size")) {
          parts.add(setting + "=" + one(s, "SELECT @@" + setting));
        }
      }
      return "MariaDB " + String.join(", ", parts) + ", database " + database;
    }

    @Override
    public void close() throws SQLException {
      store.close();
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database);
      }
    }
  }

  static String one(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
