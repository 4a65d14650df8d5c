package io.persistenttimers.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example as a user runs it, on an SQLite file: enroll through REST, the reminder fires and is
 * counted on the participant's row, and health and Prometheus show the timers.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "study.reminder-after=PT1S")
class StudyApplicationIT {

  @DynamicPropertySource
  static void sqliteFile(DynamicPropertyRegistry registry) throws IOException {
    Path dir = Files.createTempDirectory("study-app");
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + dir.resolve("study.db"));
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void enroll_reminderFires_healthAndPrometheusShowTheTimers() throws Exception {
    HttpResponse<String> enrolled =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/participants"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"id\":\"participant-ana\",\"zone\":\"America/Sao_Paulo\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(enrolled.statusCode()).isEqualTo(201);
    assertThat(enrolled.body())
        .contains("scheduled_prompt:participant-ana")
        .contains("reminder:participant-ana");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT prompts_sent FROM participant WHERE id = 'participant-ana'",
                        Integer.class)
                    == 1);

    // The one-shot reminder is deleted after its callback returned (at-least-once): wait for that.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !get("/participants/participant-ana").body().contains("\"reminder\""));
    HttpResponse<String> shown = get("/participants/participant-ana");
    assertThat(shown.body()).contains("scheduled_prompt").doesNotContain("\"reminder\"");

    HttpResponse<String> health = get("/actuator/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"persistentTimers\":{").contains("\"status\":\"UP\"");

    String prometheus = get("/actuator/prometheus").body();
    assertThat(prometheus)
        .contains("timers_callbacks_total{outcome=\"succeeded\",type=\"reminder\"} 1.0")
        .contains("timers_callback_duration_seconds")
        .contains("timers_lateness_seconds")
        .contains("timers_pending")
        .contains("timers_overdue_oldest_age_seconds")
        .doesNotContain("participant-ana");
  }
}
