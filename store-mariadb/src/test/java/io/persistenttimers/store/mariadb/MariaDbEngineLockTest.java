package io.persistenttimers.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.spi.EngineLock;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GET_LOCK engine lock on the real server: what the refusal says, that the lock has a
 * connection of its own, that a killed session's lock is taken again (or, when a rival got it,
 * taken back once the rival lets go), and that a killed JVM's lock is free for a restart.
 */
@Timeout(120)
class MariaDbEngineLockTest {
  @TempDir Path dir;
  private String database;
  private HikariDataSource dataSource;
  private final List<AutoCloseable> resources = new ArrayList<>();

  @BeforeEach
  void createDatabase() {
    database = MariaDbTestSupport.newDatabase("enginelock");
    dataSource = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 1);
    MariaDbStore.builder(dataSource).build().close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    dataSource.close();
    MariaDbTestSupport.dropDatabase(database);
  }

  private MariaDbStore store(MariaDbStore.Builder builder) {
    MariaDbStore store = builder.migrate(false).build();
    resources.add(store);
    return store;
  }

  private MariaDbStore store() {
    return store(MariaDbStore.builder(dataSource));
  }

  @Test
  void refusal_namesDatabaseTableSessionAndTheFix() {
    try (EngineLock lock = store().lockForEngine(false)) {
      long holder = ((GetLockEngineLock) lock).sessionId();
      assertThatThrownBy(() -> store().lockForEngine(false))
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("database '" + database + "' table 'persistent_timers'")
          .hasMessageContaining("session " + holder + ", user 'root'")
          .hasMessageContaining("multiNode(...)")
          .hasMessageContaining("KILL " + holder);
      assertThatThrownBy(() -> store().lockForEngine(true))
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("single-node mode");
    }
    try (EngineLock shared = store().lockForEngine(true)) {
      assertThatThrownBy(() -> store().lockForEngine(false))
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("in multi-node mode (session ")
          .hasMessageContaining("run this one with multiNode(...) too");
    }
    store().lockForEngine(false).close();
  }

  @Test
  void otherDatabases_areOtherLocks() {
    String other = MariaDbTestSupport.newDatabase("enginelock_other");
    try (HikariDataSource otherSource =
            MariaDbTestSupport.dataSource(other, MariaDbTestSupport.SESSION_ZONE, 2);
        MariaDbStore otherStore = MariaDbStore.builder(otherSource).build();
        EngineLock here = store().lockForEngine(false);
        EngineLock there = otherStore.lockForEngine(false)) {
      assertThat(here).isNotNull();
      assertThat(there).isNotNull();
    } finally {
      MariaDbTestSupport.dropDatabase(other);
    }
  }

  @Test
  void lockIsHeldOnAConnectionOfItsOwn_notOneOfThePool() {
    MariaDbStore store = store(); // over a pool of one connection
    try (EngineLock lock = store.lockForEngine(false)) {
      assertThat(store.count(TimerQuery.all())).isZero();
      assertThat(((GetLockEngineLock) lock).sessionId()).isPositive();
    }
  }

  @Test
  void callersOtherDataSource_needsEngineLockDataSource_andWorksWithIt() throws SQLException {
    DataSource opaque = new Opaque(dataSource);
    MariaDbStore without = store(MariaDbStore.builder(opaque));
    assertThatThrownBy(() -> without.lockForEngine(false))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("engineLockDataSource");

    org.mariadb.jdbc.MariaDbDataSource direct =
        new org.mariadb.jdbc.MariaDbDataSource(MariaDbTestSupport.url(database));
    direct.setUser(MariaDbTestSupport.USER);
    direct.setPassword(MariaDbTestSupport.PASSWORD);
    MariaDbStore with = store(MariaDbStore.builder(opaque).engineLockDataSource(direct));
    with.lockForEngine(false).close();
  }

  @Test
  void killedLockSession_isTakenAgainOnANewConnection() {
    MariaDbStore store =
        store(MariaDbStore.builder(dataSource).engineLockCheck(Duration.ofMillis(100)));
    try (EngineLock lock = store.lockForEngine(false)) {
      GetLockEngineLock held = (GetLockEngineLock) lock;
      long first = held.sessionId();

      kill(first);

      Poll.until(
          Duration.ofSeconds(30),
          "the lock held again by a new session",
          () -> held.sessionId() > 0 && held.sessionId() != first);
      assertThatThrownBy(() -> store().lockForEngine(false))
          .isInstanceOf(StoreInUseException.class);
    }
    store().lockForEngine(false).close();
  }

  @Test
  void lockTakenByAnotherSessionDuringTheLoss_isTakenBackOnceThatOneLetsGo() throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    MariaDbStore store =
        store(MariaDbStore.builder(dataSource).engineLockCheck(Duration.ofMillis(200)));
    String exclusive = GetLockEngineLock.namePrefix(database, MariaDbStore.TABLE) + ":x";
    try (EngineLock lock = store.lockForEngine(false);
        Connection rival =
            DriverManager.getConnection(
                MariaDbTestSupport.SERVER, MariaDbTestSupport.USER, MariaDbTestSupport.PASSWORD)) {
      GetLockEngineLock held = (GetLockEngineLock) lock;
      long first = held.sessionId();
      long rivalSession;
      try (Statement s = rival.createStatement();
          ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
        rs.next();
        rivalSession = rs.getLong(1);
      }
      // The rival queues for the name first, so the server grants it the moment the engine's
      // session ends, before the watchdog can ask again.
      Future<Integer> granted =
          thread.submit(
              () -> {
                try (PreparedStatement ps = rival.prepareStatement("SELECT GET_LOCK(?, 60)")) {
                  ps.setString(1, exclusive);
                  try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                  }
                }
              });
      Poll.until(
          Duration.ofSeconds(10),
          "the rival waiting for the lock",
          () ->
              "User lock"
                  .equals(
                      MariaDbTestSupport.queryString(
                          "SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = "
                              + rivalSession)));
      kill(first);
      assertThat(granted.get(30, TimeUnit.SECONDS)).isEqualTo(1);
      Poll.until(Duration.ofSeconds(30), "the watchdog finding the rival", held::takenByAnother);

      try (PreparedStatement ps = rival.prepareStatement("SELECT RELEASE_LOCK(?)")) {
        ps.setString(1, exclusive);
        ps.execute();
      }
      Poll.until(
          Duration.ofSeconds(30),
          "the lock taken back by the store",
          () -> !held.takenByAnother() && held.sessionId() > 0 && held.sessionId() != first);
    } finally {
      thread.shutdownNow();
    }
  }

  @Test
  void killedJvmHoldingTheLock_releasesItForARestart() throws Exception {
    Path journal = dir.resolve("journal.txt");
    Files.createFile(journal);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File log = dir.resolve("child.log").toFile();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                MariaDbRestartChild.class.getName(),
                MariaDbTestSupport.url(database),
                database,
                journal.toString(),
                "1",
                "run",
                "1")
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    try {
      // Watch the lock's name without taking it: a probe that took it would refuse the child.
      Poll.until(
          Duration.ofSeconds(60),
          "the child's engine holding the lock",
          () -> exclusiveHolder() != null,
          () -> "alive=" + child.isAlive() + ", log " + read(log));
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    // The server ends a killed client's session when its socket closes: at once, here.
    Poll.until(
        Duration.ofSeconds(10), "the lock free after the kill", () -> exclusiveHolder() == null);
    store().lockForEngine(false).close();
  }

  /** The session holding the single-node engine lock's name, or null. */
  private String exclusiveHolder() {
    return MariaDbTestSupport.queryString(
        "SELECT IS_USED_LOCK('"
            + GetLockEngineLock.namePrefix(database, MariaDbStore.TABLE)
            + ":x')");
  }

  private static String read(File log) {
    try {
      return Files.readString(log.toPath());
    } catch (java.io.IOException e) {
      return "(no log)";
    }
  }

  private static void kill(long session) {
    try (Connection c =
            DriverManager.getConnection(
                MariaDbTestSupport.SERVER, MariaDbTestSupport.USER, MariaDbTestSupport.PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("KILL CONNECTION " + session);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** A caller's DataSource the store cannot derive new connections from. */
  private record Opaque(DataSource delegate) implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return delegate.getConnection(user, password);
    }

    @Override
    public java.io.PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(java.io.PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
