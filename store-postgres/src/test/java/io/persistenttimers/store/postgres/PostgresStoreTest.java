package io.persistenttimers.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.StoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a real PostgreSQL: one schema for the class, emptied per test. */
class PostgresStoreTest extends StoreContract {
  private static final String SCHEMA = PgTestSupport.newSchemaName("contract");
  private static HikariDataSource dataSource;

  @BeforeAll
  static void createSchema() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 6);
    // Migrate once; PostgresMigrationTest covers migrating at every build.
    PostgresStore.builder(dataSource).schema(SCHEMA).build().close();
  }

  @AfterAll
  static void dropSchema() {
    if (dataSource != null) {
      dataSource.close();
    }
    PgTestSupport.dropSchema(SCHEMA);
  }

  @Override
  protected Store newStore() {
    PostgresStore store = PostgresStore.builder(dataSource).schema(SCHEMA).migrate(false).build();
    PgTestSupport.exec("TRUNCATE " + PostgresStore.quoteIdentifier(SCHEMA) + ".persistent_timers");
    return store;
  }

  /** Another store on the same schema, as another node would build it. */
  @Override
  protected Store openSameStorage() {
    return PostgresStore.builder(dataSource).schema(SCHEMA).migrate(false).build();
  }

  @Override
  protected boolean supportsMultiNode() {
    return true;
  }
}
