package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import java.time.Duration;
import java.util.List;
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
 * Scheduling inside {@code @Transactional} on the store's DataSource, against the real PostgreSQL:
 * the timer commits or rolls back with the host's row, and a committed one is armed at once.
 */
class TransactionJoinTest {
  static final List<String> fired = new CopyOnWriteArrayList<>();

  private String schema;
  private ApplicationContextRunner runner;

  @BeforeEach
  void freshSchema() {
    fired.clear();
    schema = Pg.newSchema("tx");
    Pg.exec("CREATE TABLE " + schema + ".participant (id text PRIMARY KEY, state text NOT NULL)");
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
                "spring.datasource.url=" + Pg.url(schema),
                "persistent-timers.store.schema=" + schema,
                "persistent-timers.start-timeout=0s");
  }

  @AfterEach
  void dropSchema() {
    Pg.dropSchema(schema);
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

    @Transactional
    public boolean scheduleAndLookFromOutside(String participant, PersistentTimer timer) {
      jdbc.update("INSERT INTO participant (id, state) VALUES (?, 'ENROLLED')", participant);
      String id =
          timers.scheduleAfter(Duration.ofHours(1), TimerSpec.of("welcome", participant)).id();
      // The store reads through its own connection: an uncommitted timer is not there.
      return timer.get(id).isPresent();
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
  void rollback_leavesNeitherTheRowNorTheTimer_andNothingFires() {
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
          assertThat(timer.stats().active()).isZero();
          assertThat(timer.stats().armed()).isZero();

          // A committed twin in the same context fires: had the rolled-back one been armed or
          // stored, it would have fired first (it was due earlier).
          enrollment.enroll("participant-committed", Duration.ofSeconds(1), false);
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(() -> assertThat(fired).contains("participant-committed"));
          assertThat(fired).containsExactly("participant-committed");
          assertThat(jdbc.queryForObject("SELECT count(*) FROM participant", Long.class))
              .isEqualTo(1);
        });
  }

  @Test
  void commit_storesBoth_andArmsTheTimerAtOnce_notAtTheNextLoad() {
    runner.run(
        context -> {
          Enrollment enrollment = context.getBean(Enrollment.class);
          PersistentTimer timer = context.getBean(PersistentTimer.class);

          String id = enrollment.enroll("participant-42", Duration.ofSeconds(5), false);

          assertThat(timer.get(id)).isPresent();
          // The default horizon is 5 minutes (a load every 2.5): armed means armed by the commit.
          assertThat(timer.stats().armed()).isEqualTo(1);
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(() -> assertThat(fired).containsExactly("participant-42"));
          // Deleted once the run's outcome is written, just after the callback returned.
          await().atMost(Duration.ofSeconds(20)).until(() -> timer.get(id).isEmpty());
        });
  }

  @Test
  void insideTheTransaction_theTimerIsNotVisibleToOthersUntilCommit() {
    runner.run(
        context -> {
          PersistentTimer timer = context.getBean(PersistentTimer.class);
          boolean visibleBeforeCommit =
              context.getBean(Enrollment.class).scheduleAndLookFromOutside("participant-7", timer);
          assertThat(visibleBeforeCommit).isFalse();
          assertThat(timer.stats().active()).isEqualTo(1);
        });
  }

  @Test
  void aTransactionOnAnotherDataSource_isRefused_soTheTimerNeverCommitsApartFromItsData() {
    runner.run(
        context -> {
          TimerScheduler scheduler = context.getBean(TimerScheduler.class);
          PersistentTimer timer = context.getBean(PersistentTimer.class);
          org.springframework.jdbc.datasource.DriverManagerDataSource other =
              new org.springframework.jdbc.datasource.DriverManagerDataSource(Pg.url(schema));
          org.springframework.transaction.support.TransactionTemplate onOther =
              new org.springframework.transaction.support.TransactionTemplate(
                  new org.springframework.jdbc.datasource.DataSourceTransactionManager(other));

          assertThatThrownBy(
                  () ->
                      onOther.executeWithoutResult(
                          status ->
                              scheduler.scheduleAfter(
                                  Duration.ofSeconds(1),
                                  TimerSpec.of("welcome", "participant-9").id("welcome:9"))))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("not on the DataSource of the timer store");
          assertThat(timer.get("welcome:9")).isEmpty();
        });
  }
}
