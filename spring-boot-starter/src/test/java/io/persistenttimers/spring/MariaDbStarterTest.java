package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.store.mariadb.MariaDbStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * The starter on the application's MariaDB DataSource, against the real server: the store is picked
 * from the database product, and a schedule call inside {@code @Transactional} commits or rolls
 * back with the host's row.
 */
class MariaDbStarterTest {
  private static final String SERVER = "jdbc:mariadb://127.0.0.1:3306/test?user=root";
  static final List<String> fired = new CopyOnWriteArrayList<>();

  private String database;
  private ApplicationContextRunner runner;

  @BeforeEach
  void freshDatabase() {
    fired.clear();
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
            .withUserConfiguration(App.class)
            .withPropertyValues(
                "spring.datasource.url=jdbc:mariadb://127.0.0.1:3306/" + database + "?user=root",
                "persistent-timers.start-timeout=0s");
  }

  @AfterEach
  void dropDatabase() {
    exec("DROP DATABASE IF EXISTS " + database);
  }

  /** The host's service: its row and the timer in one transaction. */
  static class Enrollment {
    private final JdbcTemplate jdbc;
    private final TimerScheduler timers;

    Enrollment(JdbcTemplate jdbc, TimerScheduler timers) {
      this.jdbc = jdbc;
      this.timers = timers;
    }

    @Transactional
    public String enroll(String participant, Duration delay, boolean failAfterScheduling) {
      jdbc.update("INSERT INTO participant (id, state) VALUES (?, 'ENROLLED')", participant);
      String id =
          timers
              .scheduleAfter(
                  delay, TimerSpec.of("welcome", participant).id("welcome:" + participant))
              .id();
      if (failAfterScheduling) {
        throw new IllegalStateException("the host's own step failed after scheduling");
      }
      return id;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class App {
    @Bean
    Enrollment enrollment(JdbcTemplate jdbc, TimerScheduler timers) {
      return new Enrollment(jdbc, timers);
    }

    @Bean
    @CallbackType("welcome")
    CallbackFactory welcome() {
      return record -> ctx -> fired.add(ctx.participantId());
    }
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
          Enrollment enrollment = context.getBean(Enrollment.class);
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
              .untilAsserted(() -> assertThat(fired).contains("participant-committed"));
          assertThat(fired).containsExactly("participant-committed");
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
