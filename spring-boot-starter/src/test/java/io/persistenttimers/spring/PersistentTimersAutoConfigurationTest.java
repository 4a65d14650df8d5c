package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.micrometer.PersistentTimerMetrics;
import io.persistenttimers.store.postgres.PostgresStore;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/** The auto-configuration in small contexts: store choice, callbacks from beans, refusals. */
class PersistentTimersAutoConfigurationTest {

  @TempDir Path dir;

  /** The failure that explains a startup failure: the innermost cause, or the failure itself. */
  private static Throwable cause(Throwable failure) {
    assertThat(failure).as("startup failure").isNotNull();
    return NestedExceptionUtils.getMostSpecificCause(failure);
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(PersistentTimersAutoConfiguration.class));

  private ApplicationContextRunner sqliteFile() {
    return runner.withPropertyValues(
        "persistent-timers.store.sqlite-path=" + dir.resolve("timers.db"),
        "persistent-timers.start-timeout=0s");
  }

  /** What the callbacks of the test beans saw. */
  static final List<String> fired = new CopyOnWriteArrayList<>();

  record Reminder(String text) {}

  /** One callback per style: a factory bean and an annotated method with typed params. */
  @Configuration(proxyBeanMethods = false)
  static class Callbacks {
    @Bean
    @CallbackType("ping")
    CallbackFactory ping() {
      return record -> ctx -> fired.add("ping " + ctx.timerId());
    }

    @Bean
    ReminderHandler reminderHandler() {
      return new ReminderHandler();
    }
  }

  static class ReminderHandler {
    @OnTimer("reminder")
    void remind(Reminder reminder, TimerContext ctx) {
      fired.add("reminder " + ctx.participantId() + " " + reminder.text());
    }
  }

  @Test
  void sqliteFile_withoutDataSource_startsTheEngine_andRunsCallbacksFromBeans() {
    fired.clear();
    sqliteFile()
        .withUserConfiguration(Callbacks.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(PersistentTimersStore.class).store())
                  .isInstanceOf(SqliteStore.class);
              assertThat(context.getBean(PersistentTimersStore.class).dataSource()).isEmpty();
              assertThat(context.getBean(PersistentTimersLifecycle.class).isRunning()).isTrue();
              TimerScheduler scheduler = context.getBean(TimerScheduler.class);
              scheduler.scheduleAfter(Duration.ZERO, TimerSpec.of("ping", "p-1").id("ping-1"));
              scheduler.scheduleAfter(
                  Duration.ZERO,
                  TimerSpec.of("reminder", "p-2").params("{\"text\":\"drink water\"}"));
              await()
                  .atMost(Duration.ofSeconds(20))
                  .untilAsserted(
                      () ->
                          assertThat(fired)
                              .containsExactlyInAnyOrder(
                                  "ping ping-1", "reminder p-2 drink water"));
            });
  }

  @Test
  void typedParamsThatDoNotBind_quarantineTheTimer() {
    sqliteFile()
        .withUserConfiguration(Callbacks.class)
        .run(
            context -> {
              PersistentTimer timer = context.getBean(PersistentTimer.class);
              String id =
                  timer
                      .scheduleAfter(
                          Duration.ZERO, TimerSpec.of("reminder", "p-3").params("{\"text\":[1,2]}"))
                      .id();
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(
                      () ->
                          timer
                              .get(id)
                              .map(r -> r.status() == TimerStatus.QUARANTINED)
                              .orElse(false));
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class TwoForOneType {
    @Bean
    @CallbackType("ping")
    CallbackFactory firstPing() {
      return record -> ctx -> {};
    }

    @Bean
    PingMethod secondPing() {
      return new PingMethod();
    }
  }

  static class PingMethod {
    @OnTimer("ping")
    void ping() {}
  }

  @Test
  void twoBeansForOneType_failStartup_namingBoth() {
    sqliteFile()
        .withUserConfiguration(TwoForOneType.class)
        .run(
            context ->
                assertThat(cause(context.getStartupFailure()))
                    .hasMessageContaining("callback type 'ping' has two callbacks")
                    .hasMessageContaining("bean 'firstPing'")
                    .hasMessageContaining("bean 'secondPing' method ping"));
  }

  @Configuration(proxyBeanMethods = false)
  static class UnnamedFactory {
    @Bean
    CallbackFactory nameless() {
      return record -> ctx -> {};
    }
  }

  @Test
  void aCallbackFactoryWithoutType_failsStartup_sayingHowToFixIt() {
    sqliteFile()
        .withUserConfiguration(UnnamedFactory.class)
        .run(
            context ->
                assertThat(cause(context.getStartupFailure()))
                    .hasMessageContaining(
                        "bean 'nameless' is a CallbackFactory without @CallbackType"));
  }

  @Test
  void noDataSourceAndNoFile_failsStartup_sayingWhatToSet() {
    runner.run(
        context ->
            assertThat(cause(context.getStartupFailure()))
                .hasMessageContaining("Persistent Timers has no store")
                .hasMessageContaining("persistent-timers.store.sqlite-path"));
  }

  @Test
  void multiNodeOnSqlite_isRefused() {
    sqliteFile()
        .withPropertyValues("persistent-timers.multi-node.enabled=true")
        .run(
            context ->
                assertThat(cause(context.getStartupFailure()))
                    .hasMessageContaining(
                        "multi-node mode needs a store that implements ClaimingStore"));
  }

  @Test
  void disabled_buildsNothing() {
    runner
        .withPropertyValues("persistent-timers.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(PersistentTimer.class));
  }

  @Test
  void healthIsUpWhileStarted_withCountsAsDetails() {
    sqliteFile()
        .run(
            context -> {
              PersistentTimersHealthIndicator health =
                  context.getBean(PersistentTimersHealthIndicator.class);
              Health up = health.health(true);
              assertThat(up.getStatus()).isEqualTo(Status.UP);
              assertThat(up.getDetails())
                  .containsEntry("started", true)
                  .containsEntry("active", 0L)
                  .containsKeys("failed", "quarantined", "armed", "overdueLag");
              context.getBean(PersistentTimersLifecycle.class).stop();
              Health stopped = health.health(true);
              assertThat(stopped.getStatus()).isEqualTo(Status.DOWN);
              assertThat(stopped.getDetails()).containsEntry("reason", "the engine is not started");
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class Registry {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Test
  void withMicrometer_theBinderIsRegistered_andCountsRuns() {
    fired.clear();
    sqliteFile()
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
        .withUserConfiguration(Registry.class, Callbacks.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(PersistentTimerMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              context
                  .getBean(TimerScheduler.class)
                  .scheduleAfter(Duration.ZERO, TimerSpec.of("ping", "p-1"));
              await()
                  .atMost(Duration.ofSeconds(20))
                  .untilAsserted(
                      () ->
                          assertThat(
                                  registry
                                      .get(PersistentTimerMetrics.CALLBACKS)
                                      .tag("type", "ping")
                                      .tag("outcome", "succeeded")
                                      .counter()
                                      .count())
                              .isEqualTo(1));
              // Once the run's outcome is written the store counts no pending timer.
              PersistentTimerMetrics metrics = context.getBean(PersistentTimerMetrics.class);
              await()
                  .atMost(Duration.ofSeconds(20))
                  .untilAsserted(
                      () -> {
                        metrics.refresh();
                        assertThat(registry.get(PersistentTimerMetrics.PENDING).gauge().value())
                            .isZero();
                      });
            });
  }

  @Test
  void postgresDataSource_withSqlitePathSet_isRefusedAsAmbiguous() {
    String schema = Pg.newSchema("ambiguous");
    try {
      runner
          .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + Pg.url(schema),
              "persistent-timers.store.sqlite-path=" + dir.resolve("timers.db"))
          .run(
              context ->
                  assertThat(cause(context.getStartupFailure()))
                      .hasMessageContaining("persistent-timers.store.sqlite-path is set")
                      .hasMessageContaining("PostgreSQL"));
    } finally {
      Pg.dropSchema(schema);
    }
  }

  @Test
  void twoInstancesOnOnePostgres_withoutMultiNode_theSecondIsRefused_andExplained() {
    String schema = Pg.newSchema("inuse");
    ApplicationContextRunner pg =
        runner
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
            .withPropertyValues(
                "spring.datasource.url=" + Pg.url(schema),
                "persistent-timers.store.schema=" + schema,
                "persistent-timers.start-timeout=0s");
    try {
      pg.run(
          first -> {
            assertThat(first).hasNotFailed();
            assertThat(first.getBean(PersistentTimersStore.class).store())
                .isInstanceOf(PostgresStore.class);
            pg.run(
                second -> {
                  Throwable failure = second.getStartupFailure();
                  assertThat(failure).hasRootCauseInstanceOf(StoreInUseException.class);
                  FailureAnalysis analysis = new StoreInUseFailureAnalyzer().analyze(failure);
                  assertThat(analysis.getAction())
                      .contains("persistent-timers.multi-node.enabled=true");
                  assertThat(analysis.getDescription()).contains("would fire timers twice");
                });
          });
      // In multi-node mode both run.
      ApplicationContextRunner multi =
          pg.withPropertyValues("persistent-timers.multi-node.enabled=true");
      multi.run(first -> multi.run(second -> assertThat(second).hasNotFailed()));
    } finally {
      Pg.dropSchema(schema);
    }
  }

  /** Order of events around a graceful stop. */
  static final List<String> shutdown = new CopyOnWriteArrayList<>();

  static final java.util.concurrent.CountDownLatch closing =
      new java.util.concurrent.CountDownLatch(1);

  @Configuration(proxyBeanMethods = false)
  static class SlowCallback {
    @Bean
    @CallbackType("slow")
    CallbackFactory slow() {
      return record ->
          ctx -> {
            shutdown.add("callback started");
            // Returns only once the context has begun to close: the stop must wait for it.
            assertThat(closing.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            shutdown.add("callback finished");
          };
    }

    @Bean
    org.springframework.context.ApplicationListener<
            org.springframework.context.event.ContextClosedEvent>
        closingListener() {
      return event -> {
        shutdown.add("context closing");
        closing.countDown();
      };
    }
  }

  @Test
  void closingTheContext_waitsForARunningCallbackToFinish() {
    shutdown.clear();
    sqliteFile()
        .withUserConfiguration(SlowCallback.class)
        .run(
            context -> {
              context
                  .getBean(TimerScheduler.class)
                  .scheduleAfter(Duration.ZERO, TimerSpec.of("slow", "p-1"));
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(() -> shutdown.contains("callback started"));
              context.close();
              shutdown.add("context closed");
              assertThat(shutdown)
                  .containsExactly(
                      "callback started", "context closing", "callback finished", "context closed");
            });
  }

  @Test
  void migrationSwitchedOff_createsNothing_andTheStartFailsOnTheMissingTable() {
    String schema = Pg.newSchema("nomigrate");
    try {
      runner
          .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + Pg.url(schema),
              "persistent-timers.store.schema=" + schema,
              "persistent-timers.store.migrate=false",
              "persistent-timers.start-timeout=0s")
          .run(
              context ->
                  assertThat(context.getStartupFailure())
                      .hasStackTraceContaining("persistent_timers")
                      .hasStackTraceContaining("does not exist"));
      assertThat(Pg.tableCount(schema)).isZero();
    } finally {
      Pg.dropSchema(schema);
    }
  }
}
