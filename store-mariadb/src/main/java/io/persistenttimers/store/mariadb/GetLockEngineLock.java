package io.persistenttimers.store.mariadb;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.spi.EngineLock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine lock of a MariaDB/MySQL table: named user locks ({@code GET_LOCK}) held on a
 * connection of its own for the engine's whole life.
 *
 * <h2>Design</h2>
 *
 * <p>{@code GET_LOCK} is exclusive only, while the engine lock has two modes (one single-node
 * engine alone, or any number of multi-node engines together). So a store has a set of names, all
 * derived from the SHA-256 of {@code "persistent-timers:" + database + "." + table} (user locks are
 * server-wide; the hash keeps each name under the 64-character limit):
 *
 * <ul>
 *   <li>{@code …:x}, held by a single-node engine;
 *   <li>{@code …:s00} to {@code …:s63}, one held by each multi-node engine (so at most {@value
 *       #SLOTS} multi-node engines share a table);
 *   <li>{@code …:g}, a gate held for a moment while an engine looks at the others and takes its own
 *       name, so two engines of different modes cannot both see the other's name free.
 * </ul>
 *
 * <p>A user lock lives as long as its session, so the connection must be dedicated (a pooled one
 * would drop or leak it). When the holder's process dies the server ends its session and the lock
 * with it — at once for a killed process on a live host, after the server's {@code wait_timeout} or
 * TCP keepalive for a host that vanished, which the refusal tells how to cut short ({@code KILL}).
 *
 * <p>Connection loss: a watchdog checks the connection every {@code checkInterval}; on loss it logs
 * an ERROR and re-takes the lock on a new connection as soon as the server answers. If another
 * engine took it meanwhile it logs an ERROR naming it and keeps trying. The engine keeps running.
 *
 * <p>Not for Galera clusters: their user locks are not replicated between nodes.
 */
final class GetLockEngineLock implements EngineLock {
  private static final Logger LOG = LoggerFactory.getLogger(MariaDbStore.class);
  static final int SLOTS = 64;
  private static final int GATE_WAIT_SECONDS = 5;
  private static final int VALID_TIMEOUT_SECONDS = 5;
  private static final int NETWORK_TIMEOUT_MILLIS = 10_000;

  /** Opens a new connection to the store's server that nobody else uses. */
  @FunctionalInterface
  interface Connections {
    Connection open() throws SQLException;
  }

  private final Connections connections;
  private final String store;
  private final boolean multiNode;
  private final String prefix;
  private final ScheduledThreadPoolExecutor watchdog;

  // Guarded by this.
  private Connection connection;
  private String heldName;
  private boolean takenByAnother;
  private boolean closed;

  private GetLockEngineLock(
      Connections connections, String database, String table, boolean multiNode) {
    this.connections = connections;
    this.store = "MariaDB/MySQL database '" + database + "' table '" + table + "'";
    this.multiNode = multiNode;
    this.prefix = namePrefix(database, table);
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
   * Takes the engine lock of {@code database}.{@code table} on a new connection.
   *
   * @throws StoreInUseException when another engine's lock excludes this one
   * @throws SQLException when the server cannot be asked
   */
  static GetLockEngineLock acquire(
      Connections connections,
      String database,
      String table,
      boolean multiNode,
      Duration checkInterval)
      throws SQLException {
    GetLockEngineLock lock = new GetLockEngineLock(connections, database, table, multiNode);
    try {
      synchronized (lock) {
        Holders holders = lock.connectAndLock();
        if (holders != null) {
          throw lock.refusal(holders);
        }
      }
    } catch (SQLException | RuntimeException e) {
      lock.watchdog.shutdownNow();
      throw e;
    }
    long every = checkInterval.toMillis();
    lock.watchdog.scheduleWithFixedDelay(lock::check, every, every, TimeUnit.MILLISECONDS);
    LOG.debug("Engine lock {} taken on {}", lock.heldName, lock.store);
    return lock;
  }

  /** {@code pt:} and 40 hex digits of the table's hash: 43 characters, suffixes up to 4 more. */
  static String namePrefix(String database, String table) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  ("persistent-timers:" + database + "." + table).getBytes(StandardCharsets.UTF_8));
      return "pt:" + HexFormat.of().formatHex(digest, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The connection ids holding the names that exclude this engine (empty lists: none). */
  private record Holders(List<Long> exclusive, List<Long> shared) {}

  /**
   * Opens a connection and takes this engine's name on it (then held in {@link #connection} and
   * {@link #heldName}); or returns who excludes it, with nothing held.
   */
  private Holders connectAndLock() throws SQLException {
    Connection c = connections.open();
    boolean locked = false;
    try {
      c.setAutoCommit(true);
      try {
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
      } catch (SQLFeatureNotSupportedException e) {
        // a wrapper without it: isValid still bounds the watchdog's checks
      }
      if (!getLock(c, prefix + ":g", GATE_WAIT_SECONDS)) {
        throw new StoreException(
            "MariaDB store: another engine is taking the engine lock of "
                + store
                + " and held its gate for more than "
                + GATE_WAIT_SECONDS
                + " s; try again",
            null,
            true);
      }
      try {
        Holders holders = holders(c);
        String name = null;
        if (multiNode && holders.exclusive.isEmpty()) {
          name = firstFreeSlot(c);
        } else if (!multiNode && holders.exclusive.isEmpty() && holders.shared.isEmpty()) {
          name = prefix + ":x";
        }
        if (name == null || !getLock(c, name, 0)) {
          return holders.exclusive.isEmpty() && holders.shared.isEmpty() && multiNode
              ? new Holders(List.of(), List.of(-1L)) // every slot taken
              : holders;
        }
        locked = true;
        connection = c;
        heldName = name;
        return null;
      } finally {
        release(c, prefix + ":g");
      }
    } finally {
      if (!locked) {
        closeQuietly(c);
      }
    }
  }

  private Holders holders(Connection c) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT IS_USED_LOCK(?)");
    for (int i = 0; i < SLOTS; i++) {
      sql.append(", IS_USED_LOCK(?)");
    }
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      ps.setString(1, prefix + ":x");
      for (int i = 0; i < SLOTS; i++) {
        ps.setString(i + 2, slot(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        List<Long> exclusive = new ArrayList<>();
        List<Long> shared = new ArrayList<>();
        long x = rs.getLong(1);
        if (!rs.wasNull()) {
          exclusive.add(x);
        }
        for (int i = 0; i < SLOTS; i++) {
          long s = rs.getLong(i + 2);
          if (!rs.wasNull()) {
            shared.add(s);
          }
        }
        return new Holders(exclusive, shared);
      }
    }
  }

  private String firstFreeSlot(Connection c) throws SQLException {
    for (int i = 0; i < SLOTS; i++) {
      try (PreparedStatement ps = c.prepareStatement("SELECT IS_FREE_LOCK(?)")) {
        ps.setString(1, slot(i));
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getInt(1) == 1) {
            return slot(i);
          }
        }
      }
    }
    return null;
  }

  private String slot(int i) {
    return prefix + String.format(":s%02d", i);
  }

  private static boolean getLock(Connection c, String name, int waitSeconds) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
      ps.setString(1, name);
      ps.setInt(2, waitSeconds);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1;
      }
    }
  }

  private static void release(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
      ps.setString(1, name);
      ps.execute();
    }
  }

  /** Why the lock was refused, naming the sessions that hold the other names. */
  private StoreInUseException refusal(Holders holders) {
    if (!holders.exclusive.isEmpty()) {
      long id = holders.exclusive.get(0);
      return new StoreInUseException(
          "another Persistent Timers engine is already running on "
              + store
              + " (single-node mode; "
              + describe(id)
              + "); stop it, or run every node with multiNode(...). If its process is gone, the"
              + " server ends the session once it notices; to end it now: KILL "
              + id);
    }
    if (holders.shared.contains(-1L)) {
      return new StoreInUseException(
          SLOTS
              + " multi-node Persistent Timers engines already run on "
              + store
              + ", the most one table takes; stop one of them");
    }
    if (holders.shared.isEmpty()) {
      return new StoreInUseException(
          "another Persistent Timers engine is already running on "
              + store
              + "; stop it, or run every node with multiNode(...) (it may just have stopped: try"
              + " again)");
    }
    List<String> sessions = new ArrayList<>();
    for (long id : holders.shared) {
      sessions.add(describe(id));
    }
    return new StoreInUseException(
        "other Persistent Timers engines are already running on "
            + store
            + " in multi-node mode ("
            + String.join("; ", sessions)
            + "); a single-node engine cannot run beside them: run this one with multiNode(...)"
            + " too, or stop them");
  }

  /** A session as the server lists it: id, user, client host, seconds connected. */
  private String describe(long connectionId) {
    try (Connection c = connections.open();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = ?")) {
      ps.setLong(1, connectionId);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return "session "
              + connectionId
              + ", user '"
              + rs.getString(1)
              + "', client "
              + rs.getString(2)
              + ", connected "
              + rs.getLong(3)
              + " s ago";
        }
      }
    } catch (SQLException e) {
      LOG.debug("Could not read session {} of {}: {}", connectionId, store, e.toString());
    }
    return "session " + connectionId;
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
          "Lost the engine lock on {}: its database connection broke. Re-taking it as soon as the"
              + " database answers; until then another engine could start on this table.",
          store);
      closeQuietly(connection);
      connection = null;
    }
    try {
      Holders holders = connectAndLock();
      if (holders == null) {
        takenByAnother = false;
        LOG.warn("Took the engine lock on {} again", store);
      } else if (!takenByAnother) {
        takenByAnother = true;
        LOG.error(
            "Could not take the engine lock on {} again: {}. Two engines may now fire the same"
                + " timers; stop one of them.",
            store,
            refusal(holders).getMessage());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Engine lock on {}: database not answering yet: {}", store, e.toString());
    }
  }

  /** Whether the watchdog found the lock lost and taken by another session (for tests). */
  synchronized boolean takenByAnother() {
    return takenByAnother;
  }

  /** The server's id of the session holding the lock, or -1 while it is lost (for tests). */
  synchronized long sessionId() {
    if (connection == null) {
      return -1;
    }
    try (PreparedStatement ps = connection.prepareStatement("SELECT CONNECTION_ID()");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : -1;
    } catch (SQLException e) {
      return -1;
    }
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
      try {
        release(connection, heldName);
      } catch (SQLException e) {
        LOG.debug("Releasing the engine lock of {} failed: {}", store, e.toString());
      } finally {
        closeQuietly(connection);
        connection = null;
      }
    }
    LOG.debug("Engine lock released on {}", store);
  }

  private void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      LOG.debug("Closing the engine lock connection of {} failed: {}", store, e.toString());
    }
  }
}
