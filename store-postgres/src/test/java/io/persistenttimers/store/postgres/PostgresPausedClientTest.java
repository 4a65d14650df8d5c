package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.firstClaim;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerRecord;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node paused between a statement and its {@code COMMIT} (a long GC pause, {@code SIGSTOP}, a
 * partition) must not keep timers from the other nodes for as long as the pause lasts: their claims
 * skip locked rows. Lease statements therefore run in auto-commit, and the store's own pool bounds
 * any idle transaction on the server.
 */
class PostgresPausedClientTest {
  private static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration TINY_LEASE = Duration.ofMillis(1);

  private String schema;
  private HikariDataSource pool;
  private PausingDataSource pausing;
  private PostgresStore paused;
  private PostgresStore other;

  @BeforeEach
  void createStores() {
    schema = PgTestSupport.newSchemaName("paused");
    pool = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 4);
    other = PostgresStore.builder(pool).schema(schema).build();
    pausing = new PausingDataSource(pool);
    paused = PostgresStore.builder(pausing).schema(schema).migrate(false).build();
  }

  @AfterEach
  void dropSchema() {
    pausing.resume.countDown();
    paused.close();
    other.close();
    pool.close();
    PgTestSupport.dropSchema(schema);
  }

  @Test
  void claimOfANodePausedBeforeItCouldCommit_leavesTheRowsToOtherNodes() throws Exception {
    insert(other, record("t").due(T0).build());
    pausing.pauseCommits = true;

    CompletableFuture<List<TimerRecord>> claim =
        CompletableFuture.supplyAsync(() -> paused.claimDue("node-a", FAR, 10, TINY_LEASE));

    assertThat(claim.get(10, TimeUnit.SECONDS)).extracting(TimerRecord::id).containsExactly("t");
    assertThat(takenOverBy("node-b")).containsExactly("t");
  }

  @Test
  void renewalOfANodePausedBeforeItCouldCommit_leavesTheRowsToOtherNodes() throws Exception {
    insert(other, record("t").due(T0).build());
    assertThat(paused.claimDue("node-a", FAR, 10, LEASE)).hasSize(1);
    pausing.pauseCommits = true;

    CompletableFuture<Set<String>> renewal =
        CompletableFuture.supplyAsync(() -> paused.renewLeases("node-a", List.of("t"), TINY_LEASE));

    assertThat(renewal.get(10, TimeUnit.SECONDS)).containsExactly("t");
    assertThat(takenOverBy("node-b")).containsExactly("t");
  }

  @Test
  void releaseOfANodePausedBeforeItCouldCommit_leavesTheRowsToOtherNodes() throws Exception {
    insert(other, record("t").due(T0).build());
    assertThat(paused.claimDue("node-a", FAR, 10, LEASE)).hasSize(1);
    pausing.pauseCommits = true;

    CompletableFuture<Integer> release =
        CompletableFuture.supplyAsync(() -> paused.releaseLeases("node-a", List.of("t")));

    assertThat(release.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(takenOverBy("node-b")).containsExactly("t");
  }

  /**
   * A transaction of the store's own pool left idle (its client paused) is ended by the server
   * after {@code idleInTransactionTimeout}: its row locks go, another node takes the timer, and the
   * paused client's commit fails instead of overwriting the takeover.
   */
  @Test
  void idleTransactionOfTheStoresOwnPool_isEndedByTheServer_andItsRowsTakenOver()
      throws SQLException {
    insert(other, record("t").due(T0).build());
    assertThat(other.claimDue("node-a", FAR, 10, TINY_LEASE)).hasSize(1);
    try (PostgresStore owned =
            PostgresStore.builder(PgTestSupport.URL)
                .schema(schema)
                .migrate(false)
                .poolSize(1)
                .idleInTransactionTimeout(Duration.ofSeconds(1))
                .build();
        Connection stalled = owned.dataSource().getConnection();
        Statement statement = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      statement.executeUpdate("UPDATE " + table() + " SET last_error = 'stalled' WHERE id = 't'");

      assertThat(takenOverBy("node-b")).containsExactly("t");
      assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
    }
    assertThat(PgTestSupport.queryString("SELECT last_error FROM " + table() + " WHERE id = 't'"))
        .isNull();
  }

  @Test
  void idleInTransactionTimeout_refusesNegative_andNeedsAUrl() {
    assertThatThrownBy(
            () ->
                PostgresStore.builder(PgTestSupport.URL)
                    .idleInTransactionTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleInTransactionTimeout");
    assertThatThrownBy(
            () -> PostgresStore.builder(pool).idleInTransactionTimeout(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("idleInTransactionTimeout");
  }

  /** What {@code node} claims once the earlier lease ran out and the rows are free. */
  private List<String> takenOverBy(String node) {
    return firstClaim(other, node, FAR, LEASE, Duration.ofSeconds(10));
  }

  private String table() {
    return PostgresStore.quoteIdentifier(schema) + ".persistent_timers";
  }

  /**
   * Real connections whose {@code commit()} blocks, once {@link #pauseCommits} is set, until the
   * test ends: the client stopped right before it could send {@code COMMIT}.
   */
  private static final class PausingDataSource implements DataSource {
    private final DataSource target;
    final CountDownLatch resume = new CountDownLatch(1);
    volatile boolean pauseCommits;

    PausingDataSource(DataSource target) {
      this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return pausing(target.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return pausing(target.getConnection(user, password));
    }

    private Connection pausing(Connection connection) {
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                if (pauseCommits && method.getName().equals("commit")) {
                  resume.await();
                }
                try {
                  return method.invoke(connection, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
