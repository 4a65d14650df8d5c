package io.persistenttimers.store.postgres;

import io.persistenttimers.StoreInUseException;
import io.persistenttimers.spi.EngineLock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine lock of a PostgreSQL schema: a session-level advisory lock, held on a connection of
 * its own for the engine's whole life — exclusive for a single-node engine, shared for a multi-node
 * one, so multi-node engines coexist but never beside a single-node one.
 *
 * <h2>Design</h2>
 *
 * <p>The key is the SHA-256 of {@code "persistent-timers:" + schema + "." + table}, its first eight
 * bytes as the two-int form of the advisory lock functions (apart from the bigint keys Flyway
 * uses). A session lock lives exactly as long as its session, so the connection must be dedicated:
 * one borrowed from a pool per call would drop the lock on return, and one kept out of the pool
 * starves the store's work and may be reclaimed by the pool. When the holder's process dies the
 * server ends the session and the lock with it, so a crashed engine never blocks a restart — as
 * soon as the server notices (at once for a killed process on a live host; after TCP keepalive for
 * a host that vanished, which the refusal message tells how to cut short).
 *
 * <p>Connection loss: if the lock's session ends while the engine runs (network failure, server
 * restart, {@code pg_terminate_backend}), the lock is gone with it and another engine could start.
 * A watchdog checks the connection every {@code checkInterval}; on loss it logs an ERROR and
 * re-takes the lock on a new connection as soon as the server answers (logged at WARN). If another
 * engine took it meanwhile, it logs an ERROR naming that session — the two engines may then fire
 * timers twice until one stops — and keeps trying. The engine itself keeps running throughout: its
 * timers stay at-least-once.
 *
 * <p>{@link #close()} unlocks explicitly before closing the connection, so the next engine can take
 * the lock the moment {@code close()} returns (a closed connection's session may take a moment to
 * end on the server).
 */
final class AdvisoryEngineLock implements EngineLock {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);
  private static final int VALID_TIMEOUT_SECONDS = 5;
  private static final int NETWORK_TIMEOUT_MILLIS = 10_000;

  /** Opens a new connection to the store's database that nobody else uses. */
  @FunctionalInterface
  interface Connections {
    Connection open() throws SQLException;
  }

  private final Connections connections;
  private final String schema;
  private final String table;
  private final boolean shared;
  private final int key1;
  private final int key2;
  private final ScheduledThreadPoolExecutor watchdog;

  // Guarded by this.
  private Connection connection;
  private boolean takenByAnother;
  private boolean closed;

  private AdvisoryEngineLock(
      Connections connections, String schema, String table, boolean shared, int[] key) {
    this.connections = connections;
    this.schema = schema;
    this.table = table;
    this.shared = shared;
    this.key1 = key[0];
    this.key2 = key[1];
    this.watchdog =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "persistent-timers-engine-lock");
              t.setDaemon(true);
              return t;
            });
    watchdog.setRemoveOnCancelPolicy(true);
  }

  /**
   * Takes the lock for {@code schema}.{@code table} on a new connection from {@code connections}.
   *
   * @throws StoreInUseException when another engine's lock excludes this one
   * @throws SQLException when the database cannot be asked
   */
  static AdvisoryEngineLock acquire(
      Connections connections,
      String schema,
      String table,
      boolean multiNode,
      Duration checkInterval)
      throws SQLException {
    AdvisoryEngineLock lock =
        new AdvisoryEngineLock(connections, schema, table, multiNode, key(schema, table));
    try {
      synchronized (lock) {
        Connection c = lock.connectAndLock();
        if (c == null) {
          throw lock.refusal();
        }
        lock.connection = c;
      }
    } catch (SQLException | RuntimeException e) {
      lock.watchdog.shutdownNow();
      throw e;
    }
    long every = checkInterval.toMillis();
    lock.watchdog.scheduleWithFixedDelay(lock::check, every, every, TimeUnit.MILLISECONDS);
    LOG.debug("Engine lock taken on schema {} ({})", schema, multiNode ? "shared" : "exclusive");
    return lock;
  }

  /** The two-int advisory key of a store's table. */
  static int[] key(String schema, String table) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  ("persistent-timers:" + schema + "." + table).getBytes(StandardCharsets.UTF_8));
      ByteBuffer buffer = ByteBuffer.wrap(digest);
      return new int[] {buffer.getInt(), buffer.getInt()};
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** A new connection holding the lock, or null when another engine's lock excludes this one. */
  private Connection connectAndLock() throws SQLException {
    Connection c = connections.open();
    boolean locked = false;
    try {
      c.setAutoCommit(true);
      try {
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
      } catch (SQLFeatureNotSupportedException e) {
        // a wrapper without it: isValid still bounds the watchdog's checks
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              shared
                  ? "SELECT pg_try_advisory_lock_shared(?, ?)"
                  : "SELECT pg_try_advisory_lock(?, ?)")) {
        ps.setInt(1, key1);
        ps.setInt(2, key2);
        try (ResultSet rs = ps.executeQuery()) {
          locked = rs.next() && rs.getBoolean(1);
        }
      }
      return locked ? c : null;
    } finally {
      if (!locked) {
        closeQuietly(c);
      }
    }
  }

  /** Why the lock was refused, naming the sessions that hold it (as far as they are visible). */
  private StoreInUseException refusal() {
    List<String> exclusive = new ArrayList<>();
    List<String> sharedBy = new ArrayList<>();
    List<Integer> exclusivePids = new ArrayList<>();
    try (Connection c = connections.open();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT l.pid, l.mode, a.application_name, host(a.client_addr), a.backend_start"
                    + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                    + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
                    + " AND l.database = (SELECT oid FROM pg_database"
                    + " WHERE datname = current_database())"
                    + " AND l.classid::int8 = ? AND l.objid::int8 = ? ORDER BY l.pid")) {
      ps.setLong(1, Integer.toUnsignedLong(key1));
      ps.setLong(2, Integer.toUnsignedLong(key2));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int pid = rs.getInt(1);
          String session =
              "session pid "
                  + pid
                  + (rs.getString(3) == null || rs.getString(3).isEmpty()
                      ? ""
                      : ", application '" + rs.getString(3) + "'")
                  + (rs.getString(4) == null ? "" : ", client " + rs.getString(4))
                  + (rs.getObject(5) == null
                      ? ""
                      : ", since "
                          + rs.getObject(5, OffsetDateTime.class)
                              .toInstant()
                              .truncatedTo(ChronoUnit.SECONDS));
          if ("ExclusiveLock".equals(rs.getString(2))) {
            exclusive.add(session);
            exclusivePids.add(pid);
          } else {
            sharedBy.add(session);
          }
        }
      }
    } catch (SQLException e) {
      LOG.debug("Could not read who holds the engine lock of schema {}: {}", schema, e.toString());
    }
    String store = "PostgreSQL schema '" + schema + "' table '" + table + "'";
    if (!exclusive.isEmpty()) {
      return new StoreInUseException(
          "another Persistent Timers engine is already running on "
              + store
              + " (single-node mode; "
              + String.join("; ", exclusive)
              + "); stop it, or run every node with multiNode(...). If its process is gone,"
              + " PostgreSQL ends the session once it notices; to end it now: SELECT"
              + " pg_terminate_backend("
              + exclusivePids.get(0)
              + ")");
    }
    if (!sharedBy.isEmpty()) {
      return new StoreInUseException(
          "other Persistent Timers engines are already running on "
              + store
              + " in multi-node mode ("
              + String.join("; ", sharedBy)
              + "); a single-node engine cannot run beside them: run this one with"
              + " multiNode(...) too, or stop them");
    }
    return new StoreInUseException(
        "another Persistent Timers engine is already running on "
            + store
            + (shared ? " (single-node mode)" : "")
            + "; stop it, or run every node with multiNode(...) (it may just have stopped: try"
            + " again)");
  }

  /** The watchdog: notices a lost session and takes the lock again. */
  private synchronized void check() {
    if (closed) {
      return;
    }
    try {
      if (connection != null && connection.isValid(VALID_TIMEOUT_SECONDS)) {
        return;
      }
    } catch (SQLException e) {
      // not valid
    }
    if (connection != null) {
      LOG.error(
          "Lost the engine lock on schema {}: its database connection broke. Re-taking it as soon"
              + " as the database answers; until then another engine could start on this schema.",
          schema);
      closeQuietly(connection);
      connection = null;
    }
    try {
      Connection c = connectAndLock();
      if (c != null) {
        connection = c;
        takenByAnother = false;
        LOG.warn("Took the engine lock on schema {} again", schema);
      } else if (!takenByAnother) {
        takenByAnother = true;
        LOG.error(
            "Could not take the engine lock on schema {} again: {}. Two engines may now fire the"
                + " same timers; stop one of them.",
            schema,
            refusal().getMessage());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Engine lock on schema {}: database not answering yet: {}", schema, e.toString());
    }
  }

  /** Whether the watchdog found the lock lost and taken by another session (for tests). */
  synchronized boolean takenByAnother() {
    return takenByAnother;
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (connection == null) {
        return;
      }
      try (PreparedStatement ps =
          connection.prepareStatement(
              shared
                  ? "SELECT pg_advisory_unlock_shared(?, ?)"
                  : "SELECT pg_advisory_unlock(?, ?)")) {
        ps.setInt(1, key1);
        ps.setInt(2, key2);
        ps.execute();
      } catch (SQLException e) {
        LOG.debug("Unlocking the engine lock of schema {} failed: {}", schema, e.toString());
      } finally {
        closeQuietly(connection);
        connection = null;
      }
    }
    LOG.debug("Engine lock released on schema {}", schema);
  }

  private void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      LOG.debug("Closing the engine lock connection of schema {} failed: {}", schema, e.toString());
    }
  }
}
