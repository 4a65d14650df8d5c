package io.persistenttimers.store.mariadb;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.testkit.ClaimingStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The multi-node lease SQL of {@link MariaDbStore} ({@code FOR UPDATE SKIP LOCKED}, leases judged
 * by the server's {@code UTC_TIMESTAMP}) against the real server: the {@link
 * ClaimingStoreContract}.
 */
class MariaDbLeaseTest extends ClaimingStoreContract {
  private static String database;
  private static HikariDataSource dataSource;

  @BeforeAll
  static void createDatabase() {
    database = MariaDbTestSupport.newDatabase("lease");
    dataSource = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 6);
    MariaDbStore.builder(dataSource).build().close();
  }

  @AfterAll
  static void dropDatabase() {
    if (dataSource != null) {
      dataSource.close();
    }
    if (database != null) {
      MariaDbTestSupport.dropDatabase(database);
    }
  }

  @Override
  protected ClaimingStore createStore() {
    MariaDbTestSupport.exec("TRUNCATE " + table());
    return MariaDbStore.builder(dataSource).migrate(false).build();
  }

  private static String table() {
    return MariaDbStore.quoteIdentifier(database) + "." + MariaDbStore.TABLE;
  }

  /** Makes a lease run out by the server's clock, as waiting would. */
  @Override
  protected void expireLease(String id) {
    MariaDbTestSupport.exec(
        "UPDATE "
            + table()
            + " SET lease_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = '"
            + id
            + "'");
  }
}
