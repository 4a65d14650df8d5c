package io.persistenttimers.store.mariadb;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.StoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a real MariaDB: one database for the class, emptied per test. */
class MariaDbStoreTest extends StoreContract {
  private static String database;
  private static HikariDataSource dataSource;

  @BeforeAll
  static void createDatabase() {
    database = MariaDbTestSupport.newDatabase("contract");
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
  protected Store newStore() {
    MariaDbStore store = MariaDbStore.builder(dataSource).migrate(false).build();
    MariaDbTestSupport.exec(
        "TRUNCATE " + MariaDbStore.quoteIdentifier(database) + "." + MariaDbStore.TABLE);
    return store;
  }

  /** Another store on the same database, as another node would build it. */
  @Override
  protected Store openSameStorage() {
    return MariaDbStore.builder(dataSource).migrate(false).build();
  }

  @Override
  protected boolean supportsMultiNode() {
    return true;
  }
}
