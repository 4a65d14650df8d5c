package io.persistenttimers.store.mariadb;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.firstClaim;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node paused inside a transaction of the store's (a claim's {@code SELECT … FOR UPDATE SKIP
 * LOCKED} before its {@code UPDATE}, a renewal, a write) must not keep timers from the other nodes
 * for as long as the pause lasts: their claims skip locked rows. The store's own pool has MariaDB
 * end such a transaction after {@code idleInTransactionTimeout}.
 */
class MariaDbPausedClientTest {
  private static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(30);

  private String database;
  private HikariDataSource pool;
  private MariaDbStore other;

  @BeforeEach
  void createStore() {
    database = MariaDbTestSupport.newDatabase("paused");
    pool = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 4);
    other = MariaDbStore.builder(pool).build();
  }

  @AfterEach
  void dropDatabase() {
    other.close();
    pool.close();
    MariaDbTestSupport.dropDatabase(database);
  }

  @Test
  void idleTransactionOfTheStoresOwnPool_isEndedByTheServer_andItsRowsTakenOver()
      throws SQLException {
    insert(other, record("t").due(T0).build());
    assertThat(other.claimDue("node-a", FAR, 10, Duration.ofMillis(1))).hasSize(1);
    try (MariaDbStore owned =
            MariaDbStore.builder(MariaDbTestSupport.url(database))
                .user(MariaDbTestSupport.USER)
                .password(MariaDbTestSupport.PASSWORD)
                .migrate(false)
                .poolSize(1)
                .idleInTransactionTimeout(Duration.ofSeconds(1))
                .build();
        Connection stalled = owned.dataSource().getConnection();
        Statement statement = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      // What a claim paused between its two statements holds.
      statement.executeQuery("SELECT id FROM " + table() + " WHERE id = 't' FOR UPDATE").close();
      statement.executeUpdate("UPDATE " + table() + " SET last_error = 'stalled' WHERE id = 't'");

      assertThat(takenOverBy("node-b")).containsExactly("t");
      assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
    }
    assertThat(
            MariaDbTestSupport.queryString("SELECT last_error FROM " + table() + " WHERE id = 't'"))
        .isNull();
  }

  @Test
  void idleInTransactionTimeout_refusesFractionsAndNegatives_andNeedsAUrl() {
    MariaDbStore.Builder builder = MariaDbStore.builder(MariaDbTestSupport.url(database));
    assertThatThrownBy(() -> builder.idleInTransactionTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleInTransactionTimeout");
    assertThatThrownBy(() -> builder.idleInTransactionTimeout(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleInTransactionTimeout");
    assertThatThrownBy(
            () -> MariaDbStore.builder(pool).idleInTransactionTimeout(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("idleInTransactionTimeout");
  }

  /** What {@code node} claims once the earlier lease ran out and the rows are free. */
  private List<String> takenOverBy(String node) {
    return firstClaim(other, node, FAR, LEASE, Duration.ofSeconds(10));
  }

  private String table() {
    return MariaDbStore.quoteIdentifier(database) + "." + MariaDbStore.TABLE;
  }
}
