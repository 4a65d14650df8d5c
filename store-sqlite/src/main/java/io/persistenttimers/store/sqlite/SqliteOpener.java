package io.persistenttimers.store.sqlite;

import io.persistenttimers.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * Opens a {@link SqliteStore}: checks the file, checks and migrates the schema, configures the
 * connections. The order matters: everything that can refuse a file runs before anything that could
 * change it.
 */
final class SqliteOpener {

  static final String MIGRATION_LOCATION = "classpath:io/persistenttimers/store/sqlite/migration";
  static final String HISTORY_TABLE = "timers_schema_history";

  private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
  private static final byte[] SQLITE_HEADER =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private SqliteOpener() {}

  static SqliteStore open(SqliteStore.Builder options) {
    return options.file != null ? openFile(options) : openDataSource(options);
  }

  private static SqliteStore openFile(SqliteStore.Builder options) {
    Path file = options.file.toAbsolutePath().normalize();
    String where = "database " + file;
    Path directory = file.getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw new StoreException(
          "Cannot open the SQLite timer database "
              + file
              + ": the directory "
              + directory
              + " does not exist (create it first)");
    }
    if (Files.isDirectory(file)) {
      throw new StoreException(
          "Cannot open the SQLite timer database " + file + ": it is a directory, not a file");
    }
    boolean exists = Files.exists(file);
    if (!exists) {
      refuseMissing(file, options.createIfMissing);
    }
    if (exists && !hasSqliteHeader(file)) {
      throw new StoreException(
          "Cannot open the SQLite timer database "
              + file
              + ": the file is not an SQLite database (left unchanged)");
    }
    if (exists && isReadOnly(file)) {
      // Checked here, before SQLite sees the file, for two reasons. Tests and containers often run
      // as root, for whom the OS ignores the mode bits: SQLite would happily write to a chmod 444
      // file, so the store honours the owner-write bit itself. And opening a WAL database in
      // SQLite's read-only mode (what SQLite falls back to for an ordinary user) creates -wal and
      // -shm files next to it that a read-only connection never removes. Read-only conditions the
      // mode bits do not show (a read-only mount, a read-only DataSource) are caught by the write
      // probe below, which fails with SQLITE_READONLY and gets the same explanation.
      throw new StoreException(
          "Cannot open the SQLite timer database "
              + file
              + ": the file is read-only (the store must be able to write to it; left unchanged)");
    }

    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) options.busyTimeout.toMillis());
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    if (!options.createIfMissing) {
      // Should the file vanish between the check above and the open, SQLite refuses too.
      config.resetOpenMode(SQLiteOpenMode.CREATE);
    }
    String url = "jdbc:sqlite:" + file;
    SQLiteDataSource flywaySource = new SQLiteDataSource(config);
    flywaySource.setUrl(url);

    Connection write = null;
    Connection read = null;
    try {
      write = config.createConnection(url);
      probeWritable(write);
      Flyway flyway = flyway(flywaySource);
      requireKnownSchema(flyway, where);
      configure(write, options, true, where);
      migrate(flyway, where);
      read = config.createConnection(url);
      configure(read, options, false, where);
      return opened(options, where, write, read);
    } catch (SQLException | FlywayException e) {
      closeQuietly(read);
      closeQuietly(write);
      throw openFailure(where, e);
    } catch (RuntimeException e) {
      closeQuietly(read);
      closeQuietly(write);
      throw e;
    }
  }

  private static SqliteStore openDataSource(SqliteStore.Builder options) {
    DataSource source = options.dataSource;
    String where = "database behind the given DataSource";
    Connection write = null;
    Connection read = null;
    try {
      // Migrate first, so a pool needs room for the two connections the store keeps, not three.
      Flyway flyway = flyway(source);
      requireKnownSchema(flyway, where);
      write = source.getConnection();
      where = "database " + write.getMetaData().getURL();
      probeWritable(write);
      configure(write, options, true, where);
      migrate(flyway, where);
      read = source.getConnection();
      configure(read, options, false, where);
      return opened(options, where, write, read);
    } catch (SQLException | FlywayException e) {
      closeQuietly(read);
      closeQuietly(write);
      throw openFailure(where, e);
    } catch (RuntimeException e) {
      closeQuietly(read);
      closeQuietly(write);
      throw e;
    }
  }

  private static SqliteStore opened(
      SqliteStore.Builder options, String where, Connection write, Connection read)
      throws SQLException {
    SqliteStore store =
        new SqliteStore(where, options.clock, options.busyTimeout, write, read, identityOf(write));
    log.info(
        "SQLite timer store opened: {} (synchronous={}, busyTimeout={})",
        where,
        options.synchronous,
        options.busyTimeout);
    return store;
  }

  /**
   * Refuses a database file that does not exist, unless the caller asked for one to be created; and
   * always when a log of a database is left at the path ({@code -wal} or {@code -journal}): the
   * database was deleted or moved, and SQLite would replay its log onto a new empty file.
   */
  private static void refuseMissing(Path file, boolean createIfMissing) {
    for (String suffix : new String[] {"-wal", "-journal"}) {
      Path log = file.resolveSibling(file.getFileName() + suffix);
      if (Files.exists(log)) {
        throw new StoreException(
            "Cannot open the SQLite timer database "
                + file
                + ": the file does not exist, but its log "
                + log
                + " does: the database was deleted or moved (nothing was created). Restore the"
                + " database file; to start with an empty database instead, move the log files"
                + " away first",
            null,
            false);
      }
    }
    if (!createIfMissing) {
      throw new StoreException(
          "Cannot open the SQLite timer database "
              + file
              + ": the file does not exist (nothing was created). If the database was expected"
              + " there, restore it from a backup; to create a new, empty one, open it with"
              + " SqliteStore.builder(path).createIfMissing(true) or SqliteStore.openOrCreate(path)",
          null,
          false);
    }
  }

  /**
   * The identity of the files behind {@code connection}'s main database, captured now that the
   * store holds its connections (so the {@code -wal} and {@code -shm} exist in WAL mode); null for
   * a database without a file.
   */
  private static FileIdentity identityOf(Connection connection) throws SQLException {
    String file = null;
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA database_list")) {
      while (rs.next()) {
        if ("main".equals(rs.getString("name"))) {
          file = rs.getString("file");
        }
      }
    }
    if (file == null || file.isEmpty()) {
      return null;
    }
    try {
      return FileIdentity.capture(Path.of(file));
    } catch (IOException e) {
      throw new StoreException(
          "Cannot open the SQLite timer database "
              + file
              + ": cannot read its attributes ("
              + e
              + ")",
          e);
    }
  }

  /**
   * Makes a write and rolls it back, so a read-only or foreign file is refused before anything else
   * happens and nothing reaches the file. (BEGIN IMMEDIATE alone is not enough: SQLite grants it on
   * a read-only WAL database and refuses only the first actual write.)
   */
  private static void probeWritable(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        long userVersion;
        try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
          userVersion = rs.next() ? rs.getLong(1) : 0;
        }
        statement.execute("PRAGMA user_version = " + userVersion);
      } finally {
        statement.execute("ROLLBACK");
      }
    }
  }

  private static void configure(
      Connection connection, SqliteStore.Builder options, boolean writer, String where)
      throws SQLException {
    connection.setAutoCommit(true);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = " + options.busyTimeout.toMillis());
      statement.execute("PRAGMA synchronous = " + options.synchronous.name());
      if (writer) {
        try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
          String actual = mode.next() ? mode.getString(1) : "unknown";
          if (!"wal".equalsIgnoreCase(actual)) {
            log.warn(
                "{} runs in journal mode '{}', not WAL; reads may wait for writes", where, actual);
          }
        }
      }
    }
  }

  private static Flyway flyway(DataSource source) {
    return Flyway.configure(SqliteStore.class.getClassLoader())
        .dataSource(source)
        .locations(MIGRATION_LOCATION)
        .table(HISTORY_TABLE)
        // A host's own tables may already live in the file: start our history at 0 then.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load();
  }

  /** Refuses a schema that a newer library version migrated: it may mean things we do not know. */
  private static void requireKnownSchema(Flyway flyway, String where) {
    MigrationInfoService info = flyway.info();
    boolean future =
        Arrays.stream(info.all())
            .anyMatch(
                m ->
                    m.getState() == MigrationState.FUTURE_SUCCESS
                        || m.getState() == MigrationState.FUTURE_FAILED);
    if (future) {
      MigrationInfo current = info.current();
      String supported =
          Arrays.stream(info.all())
              .filter(m -> m.getState().isResolved() && m.getVersion() != null)
              .map(MigrationInfo::getVersion)
              .max(Comparator.<MigrationVersion>naturalOrder())
              .map(Object::toString)
              .orElse("none");
      throw new StoreException(
          "Cannot open the SQLite timer "
              + where
              + ": database schema version "
              + (current == null ? "?" : current.getVersion())
              + " is newer than this library supports ("
              + supported
              + "); upgrade Persistent Timers (the file was left unchanged)");
    }
  }

  private static void migrate(Flyway flyway, String where) {
    try {
      flyway.migrate();
    } catch (FlywayException e) {
      // Two processes opening a new file at once race to create the schema; the loser finds it
      // done on a second look.
      if (flyway.info().pending().length == 0) {
        log.debug("Schema of {} was migrated concurrently: {}", where, e.getMessage());
        return;
      }
      throw e;
    }
  }

  private static StoreException openFailure(String where, Exception cause) {
    String problem = SqliteErrors.fileProblem(cause);
    return new StoreException(
        "Cannot open the SQLite timer "
            + where
            + ": "
            + Objects.requireNonNullElse(problem, "")
            + (problem == null ? "" : " (")
            + SqliteErrors.rootMessage(cause)
            + (problem == null ? "" : ")"),
        cause);
  }

  private static boolean hasSqliteHeader(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] header = in.readNBytes(SQLITE_HEADER.length);
      // An empty file is a valid, empty database (SQLite writes the header on first write).
      return header.length == 0 || Arrays.equals(header, SQLITE_HEADER);
    } catch (IOException e) {
      throw new StoreException(
          "Cannot open the SQLite timer database " + file + ": cannot read it (" + e + ")", e);
    }
  }

  private static boolean isReadOnly(Path file) {
    if (!Files.isWritable(file)) {
      return true;
    }
    try {
      return !Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_WRITE);
    } catch (UnsupportedOperationException | IOException e) {
      return false; // not a POSIX file system: Files.isWritable is all we can know
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("Closing a connection after a failed open: {}", e.getMessage());
    }
  }
}
