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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
import java.util.concurrent.TimeUnit;
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
 * Store store = SqliteStore.open(Path.of("timers.db")); // the file must exist
 * Store fresh = SqliteStore.openOrCreate(Path.of("timers.db")); // creates it when missing
 * // or
 * Store store = SqliteStore.builder(Path.of("timers.db"))
 *     .createIfMissing(true)
 *     .synchronous(SqliteStore.Synchronous.NORMAL)
 *     .busyTimeout(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p><b>Opening</b> needs the file to exist: a missing database file is refused, and nothing is
 * created, unless the caller asked for it ({@link #openOrCreate}, {@link Builder#createIfMissing})
 * &mdash; so a database that was deleted or moved is an error at the next start, not a silent start
 * with no timers. A missing file whose {@code -wal} or {@code -journal} is still there is refused
 * even then. Opening brings the schema up to date with Flyway, using its own history table {@code
 * timers_schema_history} and migrations under {@code io/persistenttimers/store/sqlite/migration},
 * so it coexists with a host that runs its own Flyway on the same file. Opening refuses, with a
 * {@link StoreException} that says why and without changing the file: a missing directory, a file
 * that is not an SQLite database, a read-only file, and a schema written by a newer version of this
 * library. A write-ahead log left by a process that was killed is recovered by SQLite on open.
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
 * <p><b>Bounded waits.</b> A write returns or fails with a retryable {@link StoreException} within
 * the busy timeout plus the time its own transaction takes: the wait for this store's other writes
 * counts against the busy timeout, and SQLite waits only for what is left of it. A schedule call
 * through a {@code PersistentTimer} shares a group commit with concurrent calls; when that commit
 * fails on a busy database, every call in it and queued behind it fails at once. So while another
 * process holds the write lock, a schedule call fails within the busy timeout plus a little (500 ms
 * busy timeout: at most 606 ms measured with 8 threads); it waits at most twice the busy timeout
 * when a commit already in progress got the lock only at the end of its wait.
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
 * <p><b>The file must stay the file.</b> The store remembers the identity (device and inode) of the
 * database file and of its {@code -wal} and {@code -shm} at open and checks it before and after
 * every write transaction commits (one {@code stat} per file). When the file at the path was
 * deleted or replaced (a backup renamed over it), SQLite would go on writing to the file it has
 * open, and every acknowledged timer would go with it: instead, the write is rolled back (or, when
 * the change came during the commit, reported as not stored) and every later call fails with a
 * non-retryable {@link StoreException} naming the file; restart the host after restoring it. To
 * copy a live store use {@link #backupTo}.
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
  private final Duration busyTimeout;

  /** The write connection's busy timeout can be set per write (null for a foreign connection). */
  private final org.sqlite.SQLiteConnection busyTimeoutSetter;

  private volatile boolean closed;

  /** The files the store opened, or null for a database without a file (in memory). */
  private final FileIdentity identity;

  /**
   * Why the store refuses every call, once it noticed that its database file was deleted or
   * replaced; null while it has not. Never reset: the store cannot know what the new file holds.
   */
  private volatile String lostFile;

  /** The engine lock of a database without a file (in memory): this instance is its storage. */
  private final AtomicBoolean fileLessEngineRunning = new AtomicBoolean();

  SqliteStore(
      String where,
      Clock clock,
      Duration busyTimeout,
      Connection writeConnection,
      Connection readConnection,
      FileIdentity identity) {
    this.where = where;
    this.clock = clock;
    this.identity = identity;
    this.busyTimeout = busyTimeout;
    this.busyTimeoutSetter = sqliteConnection(writeConnection);
    this.writeConnection = writeConnection;
    this.readConnection = readConnection;
    this.writer = org.jdbi.v3.core.Jdbi.open(writeConnection);
    this.reader = org.jdbi.v3.core.Jdbi.open(readConnection);
  }

  /**
   * Opens the existing timer database in {@code file} with the defaults: {@link Synchronous#FULL},
   * a busy timeout of 10 seconds. A missing file is refused (nothing is created): a host that
   * expects its timers must not start silently with none. Use {@link #openOrCreate} the first time.
   *
   * @param file the database file, which must exist
   * @return the open store; the caller closes it
   * @throws StoreException when the file does not exist or cannot be used; the message says why
   */
  public static SqliteStore open(java.nio.file.Path file) {
    return builder(file).build();
  }

  /**
   * Opens the timer database in {@code file}, creating an empty one when the file does not exist
   * (its directory must), with the defaults of {@link #open}. For a first run, a demo, a test; a
   * host whose timers matter opens an existing database with {@link #open}.
   *
   * @param file the database file
   * @return the open store; the caller closes it
   * @throws StoreException when the file cannot be used; the message says why
   */
  public static SqliteStore openOrCreate(java.nio.file.Path file) {
    return builder(file).createIfMissing(true).build();
  }

  /**
   * Opens the timer database behind {@code dataSource} with the defaults. The data source must
   * yield sqlite-jdbc connections; the store takes two of them for its whole life (a pool needs
   * room for them) and a third briefly while migrating.
   *
   * @param dataSource yields sqlite-jdbc connections to the database
   * @return the open store; the caller closes it
   * @throws StoreException when the database cannot be used; the message says why
   */
  public static SqliteStore fromDataSource(DataSource dataSource) {
    return builder(dataSource).build();
  }

  /**
   * A builder for a store in {@code file}.
   *
   * @param file the database file
   * @return a new builder
   */
  public static Builder builder(java.nio.file.Path file) {
    return new Builder(Objects.requireNonNull(file, "file"), null);
  }

  /**
   * A builder for a store behind {@code dataSource} (see {@link #fromDataSource}).
   *
   * @param dataSource yields sqlite-jdbc connections to the database
   * @return a new builder
   */
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
    boolean createIfMissing;

    private Builder(java.nio.file.Path file, DataSource dataSource) {
      this.file = file;
      this.dataSource = dataSource;
    }

    /**
     * Whether a missing database file is created (empty) instead of refused; false unless set. Not
     * used for a {@code DataSource}, whose own settings decide.
     *
     * @param createIfMissing true to create a missing file
     * @return this builder
     */
    public Builder createIfMissing(boolean createIfMissing) {
      this.createIfMissing = createIfMissing;
      return this;
    }

    /**
     * The durability of commits; {@link Synchronous#FULL} unless set.
     *
     * @param synchronous the {@code synchronous} pragma
     * @return this builder
     */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * How long a write waits for another writer (another process, a host transaction, this store's
     * other writes) in all before it fails with a retryable {@link StoreException}; 10 seconds
     * unless set. Between 0 and {@link Integer#MAX_VALUE} milliseconds. See "Bounded waits" in the
     * class description.
     *
     * @param busyTimeout the longest a write waits
     * @return this builder
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
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Opens the store: checks the file, migrates the schema, opens the connections.
     *
     * @return the open store; the caller closes it
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
   * @param hostConnection the host's connection, in its transaction
   * @param record the record to insert, from {@code PersistentTimer.prepareAfter} and its kin
   * @throws StoreException when the statement fails; the host's transaction is left to the host
   */
  public boolean insert(Connection hostConnection, TimerRecord record) {
    Objects.requireNonNull(hostConnection, "hostConnection");
    Objects.requireNonNull(record, "record");
    ensureOpen("insert (host transaction)", record.id());
    ensureSameFile("insert (host transaction)", record.id(), false);
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
    Filter filter = Filter.counting(query);
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
  public java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    Filter filter = Filter.counting(query);
    return read(
        "count timers by callback type",
        null,
        h -> {
          java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
          bindAll(
                  h.createQuery(
                      "SELECT callback_type, COUNT(*) FROM "
                          + TimerRows.TABLE
                          + filter.sql
                          + " GROUP BY callback_type"),
                  filter.args)
              .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
              .forEach(e -> counts.put(e.getKey(), e.getValue()));
          return counts;
        });
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
   * Writes a consistent copy of the whole database, as of one moment, to the new file {@code
   * target} while the store stays in use (SQLite's {@code VACUUM INTO}: writes go on meanwhile;
   * reads through this store wait for it). The copy is written under a temporary name beside {@code
   * target}, synced, and then renamed to it, so {@code target} is either absent or complete. The
   * copy is a standalone database file (no {@code -wal}); restore it as the README says (stop the
   * host, remove the old {@code -wal}/{@code -shm}, put the copy in place, start).
   *
   * @param target the backup file to create; must not exist
   * @throws StoreException when {@code target} exists (a backup never overwrites), its directory
   *     does not, or the copy fails
   */
  public void backupTo(Path target) {
    Objects.requireNonNull(target, "target");
    Path file = target.toAbsolutePath().normalize();
    String operation = "back up the database to " + file;
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new StoreException(
          "SQLite timer store could not "
              + operation
              + ": the file exists (a backup never overwrites; choose a new name)",
          null,
          false);
    }
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try {
      Files.deleteIfExists(partial); // left by a backup that did not finish
      read(
          operation,
          null,
          h -> {
            h.createUpdate("VACUUM INTO ?").bind(0, partial.toString()).execute();
            return null;
          });
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StoreException("SQLite timer store could not " + operation + ": " + e, e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        log.debug("Removing {} failed: {}", partial, e.toString());
      }
    }
    log.info("SQLite timer store {} backed up to {}", where, file);
  }

  /**
   * Closes both connections. The records stay in the file. Waits for a call in progress; later
   * calls fail with a {@link StoreException}. Calling it again does nothing. When the database file
   * was deleted or replaced while open, the {@code -wal} and {@code -shm} files the store opened
   * are renamed to {@code <name>.orphaned-<millis>}, so they are not replayed onto the file now at
   * the path (see the class description).
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
      String change = lostFile != null || identity == null ? lostFile : identity.change();
      closeQuietly(reader, readConnection);
      closeQuietly(writer, writeConnection);
      if (change != null) {
        List<Path> moved = identity.setAsideLogs(String.valueOf(clock.millis()));
        log.warn(
            "SQLite timer store closed: {}, whose file was deleted or replaced while open ({});"
                + " the log files of the old file were moved out of the way so they cannot be"
                + " replayed onto the file now at the path: {}",
            where,
            change,
            moved);
        return;
      }
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

  private static org.sqlite.SQLiteConnection sqliteConnection(Connection connection) {
    try {
      return connection.isWrapperFor(org.sqlite.SQLiteConnection.class)
          ? connection.unwrap(org.sqlite.SQLiteConnection.class)
          : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * Runs {@code work} in one IMMEDIATE transaction on the write connection, within the busy timeout
   * in all: the wait for this store's other writes (the write connection is one) counts against it,
   * and SQLite waits only for what is left of it for another connection's write lock.
   */
  private <T> T write(String operation, String id, Function<Handle, T> work) {
    long deadline = System.nanoTime() + busyTimeout.toNanos();
    try {
      if (!writeLock.tryLock(busyTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw busy(operation, id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          "SQLite timer store could not "
              + operation
              + (id == null ? "" : " timer '" + id + "'")
              + ": interrupted while waiting for the write connection of "
              + where);
    }
    try {
      ensureOpen(operation, id);
      ensureNotLost(operation, id);
      if (busyTimeoutSetter != null) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        try {
          busyTimeoutSetter.setBusyTimeout((int) Math.max(0, left));
        } catch (SQLException e) {
          throw SqliteErrors.failure(operation, id, where, e);
        }
      }
      // BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a
      // transaction never fails half-way because another connection wrote first.
      writer.execute("BEGIN IMMEDIATE");
      boolean committed = false;
      try {
        T result = work.apply(writer);
        // Checked before the commit (a change seen here rolls back: nothing reaches a deleted
        // file) and after it (a change in between means the commit went to the old file).
        ensureSameFile(operation, id, false);
        writer.execute("COMMIT");
        committed = true;
        ensureSameFile(operation, id, true);
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
      ensureNotLost(operation, id);
      return work.apply(reader);
    } catch (JdbiException e) {
      throw SqliteErrors.failure(operation, id, where, e);
    } finally {
      readLock.unlock();
    }
  }

  private StoreException busy(String operation, String id) {
    return new StoreException(
        "SQLite timer store could not "
            + operation
            + (id == null ? "" : " timer '" + id + "'")
            + ": the database stayed busy for the whole busy timeout ("
            + busyTimeout.toMillis()
            + " ms) in "
            + where);
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

  /**
   * Refuses the call, for good, when the database file (or its {@code -wal} or {@code -shm}) at the
   * path is no longer the file the store opened: deleted, or replaced (a backup renamed over it).
   * SQLite would go on writing to the file it has open, and every write would be lost with it.
   *
   * @param committed whether the write of this call has already committed (to the old file)
   */
  private void ensureSameFile(String operation, String id, boolean committed) {
    ensureNotLost(operation, id);
    if (identity == null) {
      return;
    }
    String change = identity.change();
    if (change == null) {
      return;
    }
    lostFile = change;
    log.error(
        "SQLite timer store {}: {}; refusing every further call until the host restarts",
        where,
        change);
    throw lost(operation, id, change, committed);
  }

  private void ensureNotLost(String operation, String id) {
    String change = lostFile;
    if (change != null) {
      throw lost(operation, id, change, false);
    }
  }

  private StoreException lost(String operation, String id, String change, boolean committed) {
    return new StoreException(
        "SQLite timer store could not "
            + operation
            + (id == null ? "" : " timer '" + id + "'")
            + ": the database file "
            + identity.database()
            + " was deleted or replaced while open ("
            + change
            + (committed ? "; this write went to the old file and is not stored" : "")
            + "); the store refuses every further call: restart the host after restoring the"
            + " file (see the README, SQLite store, backup and restore)",
        null,
        false);
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
    /** The filter of a list: every criterion, the page position included. */
    static Filter of(TimerQuery query) {
      return of(query, true);
    }

    /** The filter of a count: the page position is ignored. */
    static Filter counting(TimerQuery query) {
      return of(query, false);
    }

    private static long ceilMillis(Instant bound) {
      long floor = bound.toEpochMilli();
      return bound.equals(Instant.ofEpochMilli(floor)) ? floor : floor + 1;
    }

    private static Filter of(TimerQuery query, boolean withPosition) {
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
      if (query.dueBefore() != null) {
        // Stored instants are whole milliseconds: next_fire_at < bound  <=>  < ceil(bound).
        conditions.add("next_fire_at < ?");
        args.add(ceilMillis(query.dueBefore()));
      }
      if (query.expiredBy() != null) {
        conditions.add("expires_at <= ?");
        args.add(query.expiredBy().toEpochMilli());
      }
      if (query.updatedBefore() != null) {
        conditions.add("updated_at < ?");
        args.add(ceilMillis(query.updatedBefore()));
      }
      if (query.failedAttemptsOnly()) {
        conditions.add("attempt > 0");
      }
      if (withPosition && query.after() != null) {
        conditions.add("(next_fire_at, id) > (?, ?)");
        args.add(query.after().nextFireAt().toEpochMilli());
        args.add(query.after().id());
      }
      String sql = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
      return new Filter(sql, args.toArray());
    }
  }
}
