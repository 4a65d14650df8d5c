package io.persistenttimers.store.sqlite;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import io.persistenttimers.store.sqlite.TimerRows.Readable;
import io.persistenttimers.store.sqlite.TimerRows.Row;
import io.persistenttimers.store.sqlite.TimerRows.Unreadable;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.SqlStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link Store}: every timer in one SQLite file, table {@code persistent_timers}.
 *
 * <pre>{@code
 * Store store = SqliteStore.open(Path.of("timers.db"));
 * // or
 * Store store = SqliteStore.builder(Path.of("timers.db"))
 *     .synchronous(SqliteStore.Synchronous.NORMAL)
 *     .busyTimeout(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p><b>Opening</b> creates the file if it does not exist (its directory must), and brings the
 * schema up to date with Flyway, using its own history table {@code timers_schema_history} and
 * migrations under {@code io/persistenttimers/store/sqlite/migration}, so it coexists with a host
 * that runs its own Flyway on the same file. Opening refuses, with a {@link StoreException} that
 * says why and without changing the file: a missing directory, a file that is not an SQLite
 * database, a read-only file, and a schema written by a newer version of this library. A
 * write-ahead log left by a process that was killed is recovered by SQLite on open.
 *
 * <p><b>Durability.</b> The database runs in WAL mode and every write method commits before it
 * returns. What "committed" survives depends on {@link Synchronous}:
 *
 * <ul>
 *   <li>{@link Synchronous#FULL} (the default): SQLite syncs the log to disk at every commit. A
 *       timer whose {@code insert} returned survives a crash of the process and a power cut or OS
 *       crash. Roughly one to three thousand single-timer commits per second on ordinary disks.
 *   <li>{@link Synchronous#NORMAL}: SQLite syncs only at checkpoints. A crash of the
 *       <em>process</em> loses nothing; a power cut or OS crash may roll back the last transactions
 *       committed before it (timers scheduled, completions, cancellations in the last moments), so
 *       a cancelled timer can come back or a just-scheduled one can be missing. The database is
 *       never corrupted. About ten times faster for single-timer writes.
 * </ul>
 *
 * <p><b>Connections and concurrency.</b> The store holds two connections for its whole life (a new
 * SQLite connection per call is slow): one for writes, used under a lock, every write in an {@code
 * IMMEDIATE} transaction so it takes the write lock up front and waits up to the busy timeout for
 * other writers (other processes, or a host transaction on the same file) instead of failing; and
 * one for reads, which in WAL mode run beside writes. Every method is thread-safe.
 *
 * <p><b>Host transactions.</b> {@link #insert(Connection, TimerRecord)} writes a timer through the
 * host's own connection to the same file, inside the host's transaction, so the host's change and
 * the timer commit together or not at all.
 *
 * <p><b>Unreadable rows</b> (a schedule or an enum name this version cannot read, for instance one
 * a newer version wrote) are marked {@link TimerStatus#QUARANTINED} with the reason in {@code
 * last_error}, logged at WARN with their id, and left out of results; their data stays as it is.
 *
 * <p><b>One engine per database file.</b> A started {@code PersistentTimer} holds an
 * operating-system lock on {@code <database file>.engine-lock}, a side file next to the database; a
 * second engine on the same file, in this process or another, is refused at {@code start()} (see
 * {@link #lockForEngine}). A killed process never blocks a restart: the operating system drops its
 * lock. Operator tools that only read, list or cancel through a store are not engines and are never
 * refused.
 *
 * <p>Instants are stored as UTC epoch milliseconds (INTEGER columns), whatever the JVM's zone.
 */
public final class SqliteStore implements Store {

  /** How hard SQLite works to make a commit survive a power cut. See the class description. */
  public enum Synchronous {
    /** Sync the write-ahead log at every commit: committed timers survive a power cut. */
    FULL,
    /**
     * Sync at checkpoints only: survives a crash of the process, but after a power cut or OS crash
     * the last committed transactions may be rolled back (never corruption).
     */
    NORMAL
  }

  private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

  private static final String ORDER = " ORDER BY next_fire_at, id";

  private final String where;
  private final Clock clock;
  private final Connection writeConnection;
  private final Connection readConnection;
  private final Handle writer;
  private final Handle reader;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private volatile boolean closed;

  /** The engine lock of a database without a file (in memory): this instance is its storage. */
  private final AtomicBoolean fileLessEngineRunning = new AtomicBoolean();

  SqliteStore(String where, Clock clock, Connection writeConnection, Connection readConnection) {
    this.where = where;
    this.clock = clock;
    this.writeConnection = writeConnection;
    this.readConnection = readConnection;
    this.writer = org.jdbi.v3.core.Jdbi.open(writeConnection);
    this.reader = org.jdbi.v3.core.Jdbi.open(readConnection);
  }

  /**
   * Opens (and creates if needed) the timer database in {@code file} with the defaults: {@link
   * Synchronous#FULL}, a busy timeout of 10 seconds.
   *
   * @throws StoreException when the file cannot be used; the message says why
   */
  public static SqliteStore open(java.nio.file.Path file) {
    return builder(file).build();
  }

  /**
   * Opens the timer database behind {@code dataSource} with the defaults. The data source must
   * yield sqlite-jdbc connections; the store takes two of them for its whole life (a pool needs
   * room for them) and a third briefly while migrating.
   *
   * @throws StoreException when the database cannot be used; the message says why
   */
  public static SqliteStore fromDataSource(DataSource dataSource) {
    return builder(dataSource).build();
  }

  /** A builder for a store in {@code file}. */
  public static Builder builder(java.nio.file.Path file) {
    return new Builder(Objects.requireNonNull(file, "file"), null);
  }

  /** A builder for a store behind {@code dataSource} (see {@link #fromDataSource}). */
  public static Builder builder(DataSource dataSource) {
    return new Builder(null, Objects.requireNonNull(dataSource, "dataSource"));
  }

  /** Options of a {@link SqliteStore}. Build with {@link #build()}. */
  public static final class Builder {
    final java.nio.file.Path file;
    final DataSource dataSource;
    Synchronous synchronous = Synchronous.FULL;
    Duration busyTimeout = Duration.ofSeconds(10);
    Clock clock = Clock.systemUTC();

    private Builder(java.nio.file.Path file, DataSource dataSource) {
      this.file = file;
      this.dataSource = dataSource;
    }

    /** The durability of commits; {@link Synchronous#FULL} unless set. */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * How long a write waits for another writer (another process, a host transaction) before it
     * fails; 10 seconds unless set. Between 0 and {@link Integer#MAX_VALUE} milliseconds.
     */
    public Builder busyTimeout(Duration busyTimeout) {
      Objects.requireNonNull(busyTimeout, "busyTimeout");
      if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "busyTimeout must be between 0 and " + Integer.MAX_VALUE + " ms: " + busyTimeout);
      }
      this.busyTimeout = busyTimeout;
      return this;
    }

    /**
     * The clock for the {@code updated_at} of rows the store itself quarantines; the system UTC
     * clock unless set.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Opens the store: checks the file, migrates the schema, opens the connections.
     *
     * @throws StoreException when the database cannot be used; the message says why
     */
    public SqliteStore build() {
      return SqliteOpener.open(this);
    }
  }

  @Override
  public boolean insert(TimerRecord record) {
    Objects.requireNonNull(record, "record");
    return writeAll(List.of(new Write.Insert(record))).get(0);
  }

  /** One {@code BEGIN IMMEDIATE … COMMIT} for the whole batch: one sync for many writes. */
  @Override
  public List<Boolean> writeAll(List<Write> writes) {
    Objects.requireNonNull(writes, "writes");
    if (writes.isEmpty()) {
      return List.of();
    }
    String firstId = writes.get(0).id();
    return write(
        writes.size() == 1
            ? writes.get(0).getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
            : "write batch of " + writes.size(),
        firstId,
        h -> {
          List<Boolean> results = new ArrayList<>(writes.size());
          // Plain JDBC, one prepared statement per run of same-kind writes: the per-row cost of
          // a batch is then the SQLite work itself, not statement set-up.
          Connection connection = h.getConnection();
          int start = 0;
          while (start < writes.size()) {
            Class<?> kind = writes.get(start).getClass();
            int end = start;
            while (end < writes.size() && writes.get(end).getClass() == kind) {
              end++;
            }
            executeRun(connection, writes.subList(start, end), results);
            start = end;
          }
          return results;
        });
  }

  private static void executeRun(Connection connection, List<Write> run, List<Boolean> results) {
    Write first = run.get(0);
    String sql =
        first instanceof Write.Insert
            ? TimerRows.INSERT
            : first instanceof Write.Update
                ? TimerRows.UPDATE_IF_VERSION
                : "DELETE FROM " + TimerRows.TABLE + " WHERE id = ? AND version = ?";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (Write w : run) {
        if (w instanceof Write.Insert insert) {
          TimerRows.bind(statement, TimerRows.values(insert.record()));
        } else if (w instanceof Write.Update update) {
          TimerRows.bind(
              statement, TimerRows.updateValues(update.next(), update.expectedVersion()));
        } else {
          Write.Delete delete = (Write.Delete) w;
          TimerRows.bind(statement, new Object[] {delete.id(), delete.expectedVersion()});
        }
        results.add(statement.executeUpdate() == 1);
      }
    } catch (SQLException e) {
      throw new JdbcFailure(e);
    }
  }

  /** Carries a plain-JDBC failure out of a Jdbi callback; {@link #write} reports its cause. */
  private static final class JdbcFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JdbcFailure(SQLException cause) {
      super(cause);
    }
  }

  /**
   * Inserts {@code record} through the host's own open connection to the same database, as part of
   * the host's current transaction: nothing is committed, rolled back or closed here. After the
   * host commits, the timer is stored as by {@link #insert(TimerRecord)}; after a rollback it never
   * existed. The engine arms such a timer only once the host reports the commit.
   *
   * <p>The connection must be an sqlite-jdbc connection to the file this store opened (so the
   * schema exists), with auto-commit off when the insert is to join a larger transaction.
   *
   * @return true when inserted; false when a record with the same id exists (nothing changed)
   * @throws StoreException when the statement fails; the host's transaction is left to the host
   */
  public boolean insert(Connection hostConnection, TimerRecord record) {
    Objects.requireNonNull(hostConnection, "hostConnection");
    Objects.requireNonNull(record, "record");
    ensureOpen("insert (host transaction)", record.id());
    try (PreparedStatement statement = hostConnection.prepareStatement(TimerRows.INSERT)) {
      TimerRows.bind(statement, TimerRows.values(record));
      return statement.executeUpdate() == 1;
    } catch (SQLException e) {
      throw SqliteErrors.failure("insert (host transaction)", record.id(), where, e);
    }
  }

  @Override
  public Optional<TimerRecord> get(String id) {
    Objects.requireNonNull(id, "id");
    List<TimerRecord> found =
        select("get", id, TimerRows.SELECT + " WHERE id = ?", new Object[] {id}, 1);
    return found.stream().findFirst();
  }

  /** One {@code SELECT … WHERE id IN (…)} per 500 ids. */
  @Override
  public Map<String, TimerRecord> getAll(Collection<String> ids) {
    Objects.requireNonNull(ids, "ids");
    Map<String, TimerRecord> found = new HashMap<>();
    List<String> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += 500) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
      String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
      for (TimerRecord r :
          select(
              "get " + chunk.size() + " timers",
              chunk.get(0),
              TimerRows.SELECT + " WHERE id IN (" + marks + ")",
              chunk.toArray(),
              Integer.MAX_VALUE)) {
        found.put(r.id(), r);
      }
    }
    return found;
  }

  @Override
  public List<TimerRecord> list(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    Filter filter = Filter.of(query);
    return select(
        "list timers", null, TimerRows.SELECT + filter.sql + ORDER, filter.args, query.limit());
  }

  @Override
  public long count(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    Filter filter = Filter.of(query);
    return read(
        "count timers",
        null,
        h ->
            bindAll(
                    h.createQuery("SELECT COUNT(*) FROM " + TimerRows.TABLE + filter.sql),
                    filter.args)
                .mapTo(Long.class)
                .one());
  }

  @Override
  public List<TimerRecord> findDue(Instant before, int limit) {
    Objects.requireNonNull(before, "before");
    if (limit <= 0) {
      return List.of();
    }
    return select(
        "find due timers",
        null,
        TimerRows.SELECT + " WHERE status = 'ACTIVE' AND next_fire_at < ?" + ORDER,
        new Object[] {before.toEpochMilli()},
        limit);
  }

  @Override
  public boolean update(TimerRecord next, long expectedVersion) {
    Objects.requireNonNull(next, "next");
    return writeAll(List.of(new Write.Update(next, expectedVersion))).get(0);
  }

  @Override
  public boolean delete(String id, long expectedVersion) {
    Objects.requireNonNull(id, "id");
    return writeAll(List.of(new Write.Delete(id, expectedVersion))).get(0);
  }

  @Override
  public Optional<TimerRecord> delete(String id) {
    Objects.requireNonNull(id, "id");
    return write(
        "delete",
        id,
        h -> {
          List<Row> rows =
              h.createQuery(TimerRows.SELECT + " WHERE id = ?")
                  .bind(0, id)
                  .map((rs, ctx) -> TimerRows.decode(rs))
                  .list();
          if (rows.isEmpty()) {
            return Optional.<TimerRecord>empty();
          }
          h.createUpdate("DELETE FROM " + TimerRows.TABLE + " WHERE id = ?").bind(0, id).execute();
          if (rows.get(0) instanceof Unreadable bad) {
            // Deleting by id is an explicit request to remove the timer whatever its state; an
            // unreadable row cannot be returned as a record, so say so in the log.
            log.warn("Deleted unreadable timer row '{}': {}", id, bad.reason());
            return Optional.<TimerRecord>empty();
          }
          return Optional.of(((Readable) rows.get(0)).record());
        });
  }

  @Override
  public List<String> deleteByParticipant(String participantId, String flowType) {
    Objects.requireNonNull(participantId, "participantId");
    String sql =
        "DELETE FROM "
            + TimerRows.TABLE
            + " WHERE participant_id = ?"
            + (flowType == null ? "" : " AND flow_type = ?")
            + " RETURNING id, next_fire_at";
    record Deleted(String id, long due) {}
    List<Deleted> deleted =
        write(
            // Never the participant id: it may be personal data (an e-mail address).
            "delete the timers of a participant"
                + (flowType == null ? "" : " of flow type '" + flowType + "'"),
            null,
            h -> {
              var statement = h.createQuery(sql).bind(0, participantId);
              if (flowType != null) {
                statement.bind(1, flowType);
              }
              return statement.map((rs, ctx) -> new Deleted(rs.getString(1), rs.getLong(2))).list();
            });
    return deleted.stream()
        .sorted(Comparator.comparingLong(Deleted::due).thenComparing(Deleted::id))
        .map(Deleted::id)
        .toList();
  }

  @Override
  public int deleteExpired(Instant now) {
    Objects.requireNonNull(now, "now");
    return write(
        "delete expired timers",
        null,
        h ->
            h.createUpdate("DELETE FROM " + TimerRows.TABLE + " WHERE expires_at <= ?")
                .bind(0, now.toEpochMilli())
                .execute());
  }

  @Override
  public int deleteFailedBefore(Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    return write(
        "delete failed timers",
        null,
        h ->
            h.createUpdate(
                    "DELETE FROM "
                        + TimerRows.TABLE
                        + " WHERE status = 'FAILED' AND updated_at < ?")
                .bind(0, cutoff.toEpochMilli())
                .execute());
  }

  /**
   * Closes both connections. The records stay in the file. Waits for a call in progress; later
   * calls fail with a {@link StoreException}. Calling it again does nothing.
   */
  @Override
  public void close() {
    writeLock.lock();
    readLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(reader, readConnection);
      closeQuietly(writer, writeConnection);
      log.info("SQLite timer store closed: {}", where);
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>An exclusive operating-system lock ({@code FileChannel.tryLock}) on {@code <database
   * file>.engine-lock}, created next to the database file (named after its real path, so a symbolic
   * link leads to the same lock) and left in place afterwards; it holds the pid of the last holder,
   * which the refusal names. The lock lives as long as the returned handle is open or the process
   * lives, whichever ends first; closing the store does not release it. A database without a file
   * (in memory) gets an in-process lock on this instance. SQLite has no multi-node mode.
   */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    String operation = "find the database file for the engine lock";
    Path database;
    try {
      database = read(operation, null, h -> mainFile(h.getConnection()));
    } catch (JdbcFailure e) {
      throw SqliteErrors.failure(operation, null, where, e.getCause());
    }
    if (database == null) {
      if (!fileLessEngineRunning.compareAndSet(false, true)) {
        throw new StoreInUseException(
            "another Persistent Timers engine is already running on this SQLite store ("
                + where
                + ", single-node mode); close it first: one engine per database");
      }
      AtomicBoolean held = new AtomicBoolean(true);
      return () -> {
        if (held.compareAndSet(true, false)) {
          fileLessEngineRunning.set(false);
        }
      };
    }
    Path lockFile;
    try {
      lockFile = EngineFileLock.lockFileOf(database);
    } catch (IOException e) {
      throw new StoreException(
          "SQLite timer store could not locate the engine lock file of " + where + ": " + e, e);
    }
    return EngineFileLock.acquire(database, lockFile, clock);
  }

  /** The file of the main database of {@code connection}, or null when it has none (in memory). */
  private static Path mainFile(Connection connection) {
    try (PreparedStatement ps = connection.prepareStatement("PRAGMA database_list");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if ("main".equals(rs.getString("name"))) {
          String file = rs.getString("file");
          return file == null || file.isEmpty() ? null : Path.of(file);
        }
      }
      return null;
    } catch (SQLException e) {
      throw new JdbcFailure(e);
    }
  }

  @Override
  public String toString() {
    return "SqliteStore[" + where + (closed ? ", closed" : "") + "]";
  }

  // ---------------------------------------------------------------------------------------------

  /** Reads rows, quarantines the unreadable ones, returns at most {@code limit} readable ones. */
  private List<TimerRecord> select(
      String operation, String id, String sql, Object[] args, int limit) {
    List<Unreadable> unreadable = new ArrayList<>();
    List<TimerRecord> records =
        read(
            operation,
            id,
            h ->
                bindAll(h.createQuery(sql), args)
                    .map((rs, ctx) -> TimerRows.decode(rs))
                    .withIterator(
                        rows -> {
                          // Step lazily and stop at the limit: an index range scan in due order
                          // reads only what it returns (plus the unreadable rows it skips).
                          List<TimerRecord> result = new ArrayList<>();
                          while (result.size() < limit && rows.hasNext()) {
                            Row row = rows.next();
                            if (row instanceof Readable ok) {
                              result.add(ok.record());
                            } else {
                              unreadable.add((Unreadable) row);
                            }
                          }
                          return result;
                        }));
    quarantine(unreadable);
    return records;
  }

  private void quarantine(List<Unreadable> rows) {
    for (Unreadable row : rows) {
      if (row.alreadyQuarantined()) {
        log.debug("Skipped quarantined timer row '{}': {}", row.id(), row.reason());
        continue;
      }
      try {
        int changed =
            write(
                "quarantine",
                row.id(),
                h ->
                    h.createUpdate(
                            "UPDATE "
                                + TimerRows.TABLE
                                + " SET status = 'QUARANTINED', last_error = ?,"
                                + " version = version + 1, updated_at = ?"
                                + " WHERE id = ? AND version = ? AND status = ?")
                        .bind(0, row.reason())
                        .bind(1, clock.millis())
                        .bind(2, row.id())
                        .bind(3, row.version())
                        .bind(4, row.rawStatus())
                        .execute());
        if (changed == 1) {
          log.warn("Quarantined timer '{}' in {}: {}", row.id(), where, row.reason());
        } else {
          log.debug("Timer row '{}' changed before it could be quarantined", row.id());
        }
      } catch (StoreException e) {
        // Reading must not fail because the quarantine write did; the row is still left out.
        log.warn(
            "Could not quarantine unreadable timer '{}' ({}): {}",
            row.id(),
            row.reason(),
            e.getMessage());
      }
    }
  }

  /** Runs {@code work} in one IMMEDIATE transaction on the write connection. */
  private <T> T write(String operation, String id, Function<Handle, T> work) {
    writeLock.lock();
    try {
      ensureOpen(operation, id);
      // BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a
      // transaction never fails half-way because another connection wrote first.
      writer.execute("BEGIN IMMEDIATE");
      boolean committed = false;
      try {
        T result = work.apply(writer);
        writer.execute("COMMIT");
        committed = true;
        return result;
      } finally {
        if (!committed) {
          rollbackQuietly();
        }
      }
    } catch (JdbiException e) {
      throw SqliteErrors.failure(operation, id, where, e);
    } catch (JdbcFailure e) {
      throw SqliteErrors.failure(operation, id, where, e.getCause());
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Runs {@code work} on the read connection (auto-commit: each statement sees the last commit).
   */
  private <T> T read(String operation, String id, Function<Handle, T> work) {
    readLock.lock();
    try {
      ensureOpen(operation, id);
      return work.apply(reader);
    } catch (JdbiException e) {
      throw SqliteErrors.failure(operation, id, where, e);
    } finally {
      readLock.unlock();
    }
  }

  private void rollbackQuietly() {
    try {
      writer.execute("ROLLBACK");
    } catch (JdbiException e) {
      // No transaction was open (BEGIN failed) or SQLite already rolled it back.
      log.debug("Rollback after a failed write in {}: {}", where, e.getMessage());
    }
  }

  private void ensureOpen(String operation, String id) {
    if (closed) {
      throw new StoreException(
          "SQLite timer store could not "
              + operation
              + (id == null ? "" : " timer '" + id + "'")
              + ": the store for "
              + where
              + " is closed");
    }
  }

  private static <S extends SqlStatement<S>> S bindAll(S statement, Object[] values) {
    for (int i = 0; i < values.length; i++) {
      statement.bind(i, values[i]);
    }
    return statement;
  }

  private void closeQuietly(Handle handle, Connection connection) {
    try {
      handle.close();
    } catch (RuntimeException e) {
      log.debug("Closing a handle of {} failed: {}", where, e.getMessage());
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("Closing a connection to {} failed: {}", where, e.getMessage());
    }
  }

  /** A WHERE clause for a {@link TimerQuery}, with its positional arguments. */
  private record Filter(String sql, Object[] args) {
    static Filter of(TimerQuery query) {
      List<String> conditions = new ArrayList<>();
      List<Object> args = new ArrayList<>();
      if (query.participantId() != null) {
        conditions.add("participant_id = ?");
        args.add(query.participantId());
      }
      if (query.flowType() != null) {
        conditions.add("flow_type = ?");
        args.add(query.flowType());
      }
      if (query.callbackType() != null) {
        conditions.add("callback_type = ?");
        args.add(query.callbackType());
      }
      if (query.status() != null) {
        conditions.add("status = ?");
        args.add(query.status().name());
      }
      String sql = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
      return new Filter(sql, args.toArray());
    }
  }
}
