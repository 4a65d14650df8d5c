package io.persistenttimers.cli;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.store.postgres.PostgresStore;
import io.persistenttimers.testkit.Stores;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code pt} on PostgreSQL ({@code --store postgres:<jdbc-url>}), in a schema of its own per test:
 * what differs from SQLite — the store option, and the lease holders of a multi-node schema.
 */
class PtPostgresTest {

  static final String URL =
      System.getenv()
          .getOrDefault("TIMERS_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private final String schema = "pt_cli_" + UUID.randomUUID().toString().replace("-", "");
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private PostgresStore store;

  @BeforeEach
  void createSchema() {
    exec("CREATE SCHEMA " + schema);
    store = PostgresStore.builder(URL).schema(schema).build();
  }

  @AfterEach
  void dropSchema() {
    if (store != null) {
      store.close();
    }
    exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private String storeArg() {
    return "postgres:" + URL + "&currentSchema=" + schema;
  }

  @Test
  void stats_showsLeaseHoldersAndExpiredLeases_ofAMultiNodeSchema() {
    Stores.insert(store, record("a").due(now.minusSeconds(10)).build());
    Stores.insert(store, record("b").due(now.minusSeconds(5)).build());
    Stores.insert(store, record("c").due(now.plus(Duration.ofHours(2))).build());
    store.claimDue("node-1", now, 10, Duration.ofSeconds(30));
    exec(
        "UPDATE "
            + schema
            + ".persistent_timers SET lease_until = now() - interval '1 second' WHERE id = 'b'");

    Run run = Run.pt("stats", "--store", storeArg());
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("store:          PostgreSQL")
        .contains("pending:        3")
        .contains("overdue:        2")
        .containsPattern("LEASE OWNER\\s+HELD\\s+EXPIRED")
        .containsPattern("node-1\\s+2\\s+1");
    assertThat(run.out()).doesNotContain("user=postgres");

    JsonNode json = Run.pt("stats", "--store", storeArg(), "--json").json();
    assertThat(json.get("leaseHolders").get(0).get("owner").asText()).isEqualTo("node-1");
    assertThat(json.get("leaseHolders").get(0).get("expired").asLong()).isEqualTo(1);
  }

  @Test
  void listAndRelease_workOnPostgres() {
    Stores.insert(
        store,
        record("failed-pg")
            .participant("参加者-1")
            .status(TimerStatus.FAILED)
            .attempt(3, "java.lang.RuntimeException: boom")
            .build());
    Stores.insert(store, record("active-pg").due(now).build());

    JsonNode page = Run.pt("list", "--store", storeArg(), "--status", "failed", "--json").json();
    assertThat(page.get("total").asLong()).isEqualTo(1);
    assertThat(page.get("timers").get(0).get("participantId").asText()).isEqualTo("参加者-1");

    Run release = Run.pt("release", "failed-pg", "--store", storeArg());
    assertThat(release.exit()).as(release.toString()).isZero();
    assertThat(store.get("failed-pg").orElseThrow().status()).isEqualTo(TimerStatus.ACTIVE);
  }

  @Test
  void anUnreachableServer_isOneLineAndExitThree() {
    Run run =
        Run.pt(
            "stats",
            "--store",
            "postgres:jdbc:postgresql://127.0.0.1:1/none?user=x&connectTimeout=1");
    assertThat(run.exit()).as(run.toString()).isEqualTo(3);
    assertThat(run.err()).startsWith("error: the store failed: ");
    assertThat(run.err().lines()).hasSize(1);
  }

  private static void exec(String sql) {
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(
          "PostgreSQL at "
              + URL
              + " failed ("
              + e.getMessage()
              + "); start it with .ci/run's"
              + " pg_ctlcluster line or set TIMERS_PG_URL",
          e);
    }
  }
}
