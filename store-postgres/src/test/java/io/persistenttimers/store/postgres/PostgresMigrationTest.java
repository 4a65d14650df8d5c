package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Flyway migrations: idempotent, in their own history table, beside a host's own Flyway. */
class PostgresMigrationTest {
  private static final String BASE = PgTestSupport.newSchemaName("mig");
  private static HikariDataSource dataSource;

  @BeforeAll
  static void open() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 3);
  }

  @AfterAll
  static void drop() {
    if (dataSource != null) {
      dataSource.close();
    }
    for (String suffix : new String[] {"_twice", "_host", "_host2", "_dflt", "_Mixed"}) {
      PgTestSupport.dropSchema(BASE + suffix);
    }
  }

  private static String historyCount(String schema, String table) {
    return PgTestSupport.queryString(
        "SELECT count(*) FROM "
            + PostgresStore.quoteIdentifier(schema)
            + "."
            + table
            + " WHERE success AND type = 'SQL'");
  }

  @Test
  void migrationsTwice_secondIsNoOp_andDataSurvives() {
    String schema = BASE + "_twice";
    TimerRecord r = record("kept").build();
    try (PostgresStore first = PostgresStore.builder(dataSource).schema(schema).build()) {
      insert(first, r);
      assertThat(first.migrate()).isZero();
    }
    String rows = historyCount(schema, PostgresStore.HISTORY_TABLE);
    try (PostgresStore second = PostgresStore.builder(dataSource).schema(schema).build()) {
      assertThat(second.migrate()).isZero();
      assertThat(second.get("kept")).contains(r);
    }
    assertThat(historyCount(schema, PostgresStore.HISTORY_TABLE)).isEqualTo(rows);
    assertThat(
            PgTestSupport.queryString(
                "SELECT count(*) FROM "
                    + PostgresStore.quoteIdentifier(schema)
                    + "."
                    + PostgresStore.HISTORY_TABLE
                    + " WHERE version = '1' AND success"))
        .isEqualTo("1");
  }

  private static Flyway hostFlyway(String schema) {
    return Flyway.configure(PostgresMigrationTest.class.getClassLoader())
        .dataSource(dataSource)
        .schemas(schema)
        .createSchemas(true)
        .locations("classpath:hostdb/migration")
        .load();
  }

  @Test
  void coexistsWithHostFlywayHistory_inTheSameSchema() {
    String schema = BASE + "_host";
    // The host migrated first: its own history table and the seed's active_timers exist.
    assertThat(hostFlyway(schema).migrate().migrationsExecuted).isEqualTo(2);

    TimerRecord r = record("beside-host").build();
    try (PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build()) {
      assertThat(insert(store, r)).isTrue();
      assertThat(store.get("beside-host")).contains(r);
    }

    // Both histories are intact and neither tool sees anything to do or to complain about.
    Flyway host = hostFlyway(schema);
    host.validate();
    assertThat(host.migrate().migrationsExecuted).isZero();
    assertThat(historyCount(schema, "flyway_schema_history")).isEqualTo("2");
    try (PostgresStore again = PostgresStore.builder(dataSource).schema(schema).build()) {
      assertThat(again.migrate()).isZero();
      assertThat(again.list(TimerQuery.all())).containsExactly(r);
    }
    // The host's own timer table is untouched.
    assertThat(
            PgTestSupport.queryString(
                "SELECT count(*) FROM " + PostgresStore.quoteIdentifier(schema) + ".active_timers"))
        .isEqualTo("0");
  }

  @Test
  void hostFlywayAfterTheStore_findsOnlyItsOwnHistory() {
    String schema = BASE + "_host2";
    try (PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build()) {
      store.list(TimerQuery.all());
    }
    Flyway host =
        Flyway.configure(PostgresMigrationTest.class.getClassLoader())
            .dataSource(dataSource)
            .schemas(schema)
            .locations("classpath:hostdb/migration")
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .load();
    assertThat(host.migrate().migrationsExecuted).isEqualTo(2);
    host.validate();
    try (PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build()) {
      assertThat(store.migrate()).isZero();
    }
  }

  @Test
  void schemaDefaultsToTheConnectionsCurrentSchema() {
    String schema = BASE + "_dflt";
    PgTestSupport.exec("CREATE SCHEMA " + schema);
    String url =
        PgTestSupport.URL
            + (PgTestSupport.URL.contains("?") ? "&" : "?")
            + "currentSchema="
            + schema;
    try (PostgresStore store = PostgresStore.builder(url).poolSize(1).build()) {
      assertThat(store.schema()).isEqualTo(schema);
      TimerRecord r = record("in-default").build();
      insert(store, r);
      assertThat(store.get("in-default")).contains(r);
    }
    assertThat(PgTestSupport.queryString("SELECT count(*) FROM " + schema + ".persistent_timers"))
        .isEqualTo("1");
  }

  @Test
  void mixedCaseSchemaName_isUsedExactly() {
    String schema = BASE + "_Mixed";
    try (PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build()) {
      assertThat(store.schema()).isEqualTo(schema);
      insert(store, record("mixed").build());
      assertThat(store.get("mixed")).isPresent();
    }
    assertThat(historyCount(schema, PostgresStore.HISTORY_TABLE)).isNotEqualTo("0");
  }
}
