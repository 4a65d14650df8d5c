package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.store.mariadb.MariaDbStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The starter on the application's MariaDB DataSource, against the real server: the store is picked
 * from the database product, and a schedule call inside {@code @Transactional} commits or rolls
 * back with the host's row.
 */
class MariaDbStarterTest {
  private static final String SERVER = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

  private String database;
  private ApplicationContextRunner runner;

  @BeforeEach
  void freshDatabase() {
    TransactionJoinTest.fired.clear();
    database = "pt_boot_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    exec("CREATE DATABASE " + database);
    exec(
        "CREATE TABLE "
            + database
            + ".participant (id VARCHAR(64) PRIMARY KEY, state VARCHAR(32) NOT NULL)");
    runner =
        new ApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    JdbcTemplateAutoConfiguration.class,
                    TransactionAutoConfiguration.class,
                    PersistentTimersAutoConfiguration.class))
            // The same host service and callback as on PostgreSQL.
            .withUserConfiguration(TransactionJoinTest.App.class)
            .withPropertyValues(
                "spring.datasource.url=jdbc:mariadb://127.0.0.1:3306/" + database + "?user=root",
                "persistent-timers.start-timeout=0s");
  }

  @AfterEach
  void dropDatabase() {
    exec("DROP DATABASE IF EXISTS " + database);
  }

  @Test
  void theMariaDbDataSource_getsTheMariaDbStore_inItsDatabase() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          PersistentTimersStore store = context.getBean(PersistentTimersStore.class);
          assertThat(store.store()).isInstanceOf(MariaDbStore.class);
          assertThat(((MariaDbStore) store.store()).database()).isEqualTo(database);
          assertThat(context.getBean(PersistentTimersLifecycle.class).isRunning()).isTrue();
        });
  }

  @Test
  void rollback_leavesNeitherTheRowNorTheTimer_andACommittedTwinFires() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          TransactionJoinTest.Enrollment enrollment =
              context.getBean(TransactionJoinTest.Enrollment.class);
          PersistentTimer timer = context.getBean(PersistentTimer.class);
          JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);

          assertThatThrownBy(
                  () -> enrollment.enroll("participant-rolled-back", Duration.ZERO, true))
              .hasMessageContaining("the host's own step failed");
          assertThat(jdbc.queryForObject("SELECT count(*) FROM participant", Long.class)).isZero();
          assertThat(timer.get("welcome:participant-rolled-back")).isEmpty();
          assertThat(timer.stats().armed()).isZero();

          enrollment.enroll("participant-committed", Duration.ofSeconds(1), false);
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(
                  () -> assertThat(TransactionJoinTest.fired).contains("participant-committed"));
          assertThat(TransactionJoinTest.fired).containsExactly("participant-committed");
        });
  }

  private static void exec(String sql) {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(
          "MariaDB must run on 127.0.0.1:3306 (user root, no password) for this test: "
              + e.getMessage(),
          e);
    }
  }
}
