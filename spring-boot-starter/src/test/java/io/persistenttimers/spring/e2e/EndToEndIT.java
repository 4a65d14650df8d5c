package io.persistenttimers.spring.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole host on a real server and database: a REST call schedules, the application context is
 * closed before the timer is due, a new one starts on the same database, and the timer fires there.
 */
class EndToEndIT {
  @TempDir Path dir;

  @Test
  void postgres_scheduleThroughRest_restart_firesInTheNextRun() throws Exception {
    String schema = "pt_boot_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=" + schema;
    exec(
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
        "CREATE SCHEMA " + schema,
        "CREATE TABLE " + schema + ".participant (id text PRIMARY KEY)");
    try {
      scheduleRestartFire(url, "persistent-timers.store.schema=" + schema);
    } finally {
      exec(
          "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
          "DROP SCHEMA " + schema + " CASCADE");
    }
  }

  @Test
  void sqlite_scheduleThroughRest_restart_firesInTheNextRun() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("app.db");
    exec(url, "CREATE TABLE participant (id text PRIMARY KEY)");
    scheduleRestartFire(url, "persistent-timers.enabled=true");
  }

  private void scheduleRestartFire(String url, String storeProperty) throws Exception {
    EnrollmentApp.fired.clear();
    EnrollmentApp.clockShift = Duration.ZERO;
    String participant = "participant-" + UUID.randomUUID();
    EnrollmentApp.generation = 1;
    try (ConfigurableApplicationContext first = start(url, storeProperty)) {
      String port = first.getEnvironment().getProperty("local.server.port");
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + port
                                  + "/enroll?participant="
                                  + participant
                                  + "&delaySeconds=3600"))
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isNotBlank();
    }
    assertThat(EnrollmentApp.fired).isEmpty(); // due in an hour; the first run is gone

    // The next run starts an hour later by its clock: the timer is overdue and fires at once.
    EnrollmentApp.clockShift = Duration.ofMinutes(61);
    EnrollmentApp.generation = 2;
    try (ConfigurableApplicationContext second = start(url, storeProperty)) {
      assertThat(second.isActive()).isTrue();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(EnrollmentApp.fired).containsExactly(participant + "@2"));
    }
  }

  private static ConfigurableApplicationContext start(String url, String storeProperty) {
    return new SpringApplicationBuilder(EnrollmentApp.class)
        .properties(
            "server.port=0",
            "spring.datasource.url=" + url,
            "spring.main.banner-mode=off",
            storeProperty)
        .run();
  }

  private static void exec(String url, String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }
}
