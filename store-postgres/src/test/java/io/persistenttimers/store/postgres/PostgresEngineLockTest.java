package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.spi.EngineLock;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The engine lock on a real PostgreSQL, in one JVM: engines on two stores over one schema (as two
 * hosts would build them) — single-node alone, multi-node together, never mixed — on a connection
 * that is not the pool's, and taken again after its session was killed. {@link
 * PostgresEngineLockAcrossJvmsTest} does it across processes.
 */
@Timeout(120)
class PostgresEngineLockTest {
  private String schema;
  private HikariDataSource dataSource;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final Set<String> fired = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void createSchema() {
    schema = PgTestSupport.newSchemaName("enginelock");
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 4);
    PostgresStore.builder(dataSource).schema(schema).build().close();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    dataSource.close();
    PgTestSupport.dropSchema(schema);
  }

  private PostgresStore store(PostgresStore.Builder builder) {
    PostgresStore store = builder.schema(schema).migrate(false).build();
    resources.add(store);
    return store;
  }

  private PostgresStore store() {
    return store(PostgresStore.builder(dataSource));
  }

  private PersistentTimer timer(PostgresStore store, String node) {
    PersistentTimer.Builder builder =
        PersistentTimer.builder(store)
            .register("record", CallbackFactory.of(ctx -> fired.add(ctx.timerId())));
    if (node != null) {
      builder.multiNode(
          MultiNode.of(node).lease(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)));
    }
    PersistentTimer timer = builder.build();
    resources.add(timer);
    return timer;
  }

  @Test
  void secondSingleNodeEngine_isRefusedNamingSchemaAndFix_theFirstFires_thenItStartsAfterClose() {
    PersistentTimer first = timer(store(), null);
    first.start();
    PersistentTimer second = timer(store(), null);

    assertThatThrownBy(second::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining(
            "another Persistent Timers engine is already running on PostgreSQL schema '"
                + schema
                + "' table 'persistent_timers' (single-node mode; session pid ")
        .hasMessageContaining("stop it, or run every node with multiNode(...)")
        .hasMessageContaining("pg_terminate_backend(");

    String id = first.scheduleAfter(Duration.ZERO, TimerSpec.of("record", "p")).id();
    Poll.until(Duration.ofSeconds(30), "the first engine fires", () -> fired.contains(id));

    first.close();
    second.start(); // the moment close() returned: it unlocked, not only disconnected
    String next = second.scheduleAfter(Duration.ZERO, TimerSpec.of("record", "p")).id();
    Poll.until(Duration.ofSeconds(30), "the second engine fires", () -> fired.contains(next));
  }

  @Test
  void multiNodeEngines_runTogether_butNeverBesideASingleNodeOne() {
    PersistentTimer a = timer(store(), "node-a");
    PersistentTimer b = timer(store(), "node-b");
    a.start();
    b.start();

    PersistentTimer single = timer(store(), null);
    assertThatThrownBy(single::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("already running on PostgreSQL schema '" + schema + "'")
        .hasMessageContaining("in multi-node mode")
        .hasMessageContaining("run this one with multiNode(...) too");

    a.close();
    b.close();
    single.start();
    PersistentTimer c = timer(store(), "node-c");
    assertThatThrownBy(c::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("(single-node mode; session pid ");
  }

  @Test
  void otherSchemas_areOtherLocks() {
    PersistentTimer here = timer(store(), null);
    here.start();
    String other = PgTestSupport.newSchemaName("enginelock_other");
    try (PostgresStore elsewhere = PostgresStore.builder(dataSource).schema(other).build()) {
      elsewhere.lockForEngine(false).close();
    } finally {
      PgTestSupport.dropSchema(other);
    }
  }

  @Test
  void lockIsHeldOnAConnectionOfItsOwn_notOneOfThePool() {
    HikariDataSource one = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 1);
    resources.add(one);
    PersistentTimer engine = timer(store(PostgresStore.builder(one)), null);
    engine.start();

    // The pool's only connection is free: the engine does its work through it.
    Poll.until(
        Duration.ofSeconds(10),
        "the single pool connection idle",
        () -> one.getHikariPoolMXBean().getActiveConnections() == 0);
    String id = engine.scheduleAfter(Duration.ZERO, TimerSpec.of("record", "p")).id();
    Poll.until(Duration.ofSeconds(30), "the timer fires", () -> fired.contains(id));
    assertThat(holders()).hasSize(1);
  }

  @Test
  void callersOtherDataSource_needsEngineLockDataSource_andWorksWithIt() {
    DataSource plain = new Delegating(dataSource);
    PostgresStore store = store(PostgresStore.builder(plain));
    assertThatThrownBy(() -> store.lockForEngine(false))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("engineLockDataSource");
    assertThat(store.count(io.persistenttimers.TimerQuery.all())).isZero(); // the store works

    PGSimpleDataSource simple = new PGSimpleDataSource();
    simple.setURL(PgTestSupport.URL);
    PostgresStore withLockSource = store(PostgresStore.builder(plain).engineLockDataSource(simple));
    try (EngineLock lock = withLockSource.lockForEngine(false)) {
      assertThatThrownBy(() -> store().lockForEngine(false))
          .isInstanceOf(StoreInUseException.class);
    }
  }

  @Test
  void killedLockSession_isTakenAgainOnANewConnection() {
    PostgresStore store = store(PostgresStore.builder(dataSource).engineLockCheck(ofMillis(100)));
    try (EngineLock lock = store.lockForEngine(false)) {
      int first = onlyHolder();

      terminate(first);

      Poll.until(
          Duration.ofSeconds(30),
          "the lock held again by a new session",
          () -> {
            List<Integer> now = holders();
            return now.size() == 1 && now.get(0) != first;
          },
          () -> "holders " + holders());
      assertThatThrownBy(() -> store().lockForEngine(false))
          .isInstanceOf(StoreInUseException.class);
    }
    assertThat(holders()).isEmpty();
  }

  @Test
  void lockTakenByAnotherSessionDuringTheLoss_isTakenBackOnceThatOneLetsGo() throws Exception {
    PostgresStore store = store(PostgresStore.builder(dataSource).engineLockCheck(ofMillis(100)));
    int[] key = AdvisoryEngineLock.key(schema, PostgresStore.TABLE);
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try (EngineLock lock = store.lockForEngine(false);
        Connection rival = DriverManager.getConnection(PgTestSupport.URL)) {
      int first = onlyHolder();
      int rivalPid = pid(rival);
      // The rival queues for the lock (blocking), so it is granted the moment the session dies,
      // before the watchdog can ask again.
      CountDownLatch asking = new CountDownLatch(1);
      Future<?> granted =
          thread.submit(
              () -> {
                asking.countDown();
                try (PreparedStatement ps =
                    rival.prepareStatement("SELECT pg_advisory_lock(?, ?)")) {
                  ps.setInt(1, key[0]);
                  ps.setInt(2, key[1]);
                  ps.execute();
                }
                return null;
              });
      asking.await();
      Poll.until(Duration.ofSeconds(10), "the rival waiting", () -> waiting(rivalPid));

      terminate(first);
      granted.get(30, TimeUnit.SECONDS);
      assertThat(holders()).containsExactly(rivalPid);
      AdvisoryEngineLock watched = (AdvisoryEngineLock) lock;
      Poll.until(Duration.ofSeconds(30), "the watchdog finding the rival", watched::takenByAnother);

      try (PreparedStatement ps = rival.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
        ps.setInt(1, key[0]);
        ps.setInt(2, key[1]);
        ps.execute();
      }
      Poll.until(
          Duration.ofSeconds(30),
          "the lock taken back by the store",
          () -> {
            List<Integer> now = holders();
            return now.size() == 1 && now.get(0) != first && now.get(0) != rivalPid;
          },
          () -> "holders " + holders());
      assertThat(watched.takenByAnother()).isFalse();
    } finally {
      thread.shutdownNow();
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private static Duration ofMillis(long millis) {
    return Duration.ofMillis(millis);
  }

  /** Pids of the sessions holding this schema's engine lock (granted). */
  private List<Integer> holders() {
    return lockSessions(true);
  }

  private int onlyHolder() {
    List<Integer> holders = holders();
    assertThat(holders).hasSize(1);
    return holders.get(0);
  }

  private boolean waiting(int pid) {
    return lockSessions(false).contains(pid);
  }

  private List<Integer> lockSessions(boolean granted) {
    int[] key = AdvisoryEngineLock.key(schema, PostgresStore.TABLE);
    try (Connection c = DriverManager.getConnection(PgTestSupport.URL);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
                    + " AND classid::int8 = ? AND objid::int8 = ? AND granted = ?"
                    + " ORDER BY pid")) {
      ps.setLong(1, Integer.toUnsignedLong(key[0]));
      ps.setLong(2, Integer.toUnsignedLong(key[1]));
      ps.setBoolean(3, granted);
      List<Integer> pids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
      }
      return pids;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private static int pid(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void terminate(int pid) {
    assertThat(PgTestSupport.queryString("SELECT pg_terminate_backend(" + pid + ")"))
        .isEqualTo("t");
  }

  /** A caller's DataSource the store cannot see through (neither Hikari nor PGSimpleDataSource). */
  private static final class Delegating implements DataSource {
    private final DataSource delegate;

    Delegating(DataSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return delegate.getConnection(user, password);
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

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
