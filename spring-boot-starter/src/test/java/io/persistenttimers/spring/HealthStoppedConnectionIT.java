package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.testkit.TcpProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The health indicator against a really stopped connection: the application reaches PostgreSQL
 * through a local TCP forwarder, which the test takes down (connections refused, open ones cut) and
 * brings back.
 */
class HealthStoppedConnectionIT {

  @Test
  void downWhileTheDatabaseIsUnreachable_upAgainWhenItIsBack() {
    String schema = Pg.newSchema("health");
    try (TcpProxy proxy = new TcpProxy(Pg.HOST, Pg.PORT)) {
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class, PersistentTimersAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + Pg.url(schema, proxy.port()),
              "spring.datasource.hikari.connection-timeout=1000",
              "persistent-timers.store.schema=" + schema,
              "persistent-timers.start-timeout=0s")
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                PersistentTimersHealthIndicator indicator =
                    context.getBean(PersistentTimersHealthIndicator.class);
                assertThat(indicator.health(true).getStatus()).isEqualTo(Status.UP);

                proxy.goDown();
                Health down = indicator.health(true);
                assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                assertThat(down.getDetails()).containsKey("error");

                proxy.comeUp();
                await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                        () -> assertThat(indicator.health(true).getStatus()).isEqualTo(Status.UP));
              });
    } finally {
      Pg.dropSchema(schema);
    }
  }
}
