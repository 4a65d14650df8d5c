package io.persistenttimers.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.admin.AdminServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/** The admin web page mounted by the starter: off by default, on with a token, refused without. */
class AdminPageAutoConfigurationTest {

  private static final String TOKEN = "starter-admin-token-0123456789";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private ApplicationContextRunner sqliteFile() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(PersistentTimersAutoConfiguration.class))
        .withPropertyValues(
            "persistent-timers.store.sqlite-path=" + dir.resolve("timers.db"),
            "persistent-timers.start-timeout=0s");
  }

  @Test
  void isOffByDefault() {
    sqliteFile()
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(AdminServer.class);
            });
  }

  @Test
  void enabledWithAToken_servesTheApplicationsTimersOnLoopback_untilTheContextCloses()
      throws Exception {
    URI[] served = new URI[1];
    sqliteFile()
        .withPropertyValues(
            "persistent-timers.admin.enabled=true",
            "persistent-timers.admin.port=0",
            "persistent-timers.admin.token=" + TOKEN)
        .withUserConfiguration(ReminderCallback.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              AdminServer admin = context.getBean(AdminServer.class);
              served[0] = admin.uri();
              assertThat(admin.uri().getHost()).isEqualTo("127.0.0.1");
              assertThat(admin.token()).isEqualTo(TOKEN);
              context
                  .getBean(PersistentTimer.class)
                  .scheduleAfter(
                      Duration.ofHours(2), TimerSpec.of("reminder", "p-admin").id("starter-timer"));
              HttpResponse<String> list = get(admin.uri().resolve("/timers?participant=p-admin"));
              assertThat(list.statusCode()).isEqualTo(200);
              assertThat(list.body()).contains("starter-timer").contains("1 matching timers");
            });
    assertThatThrownBy(() -> get(served[0]))
        .as("the page stops with the context")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void enabledWithoutAToken_failsStartup_namingTheProperty() {
    sqliteFile()
        .withPropertyValues("persistent-timers.admin.enabled=true")
        .run(
            context ->
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                    .hasMessageContaining("persistent-timers.admin.token is required"));
  }

  @Test
  void aBadSetting_failsStartup_namingTheAdminPropertyAndTheRule() {
    sqliteFile()
        .withPropertyValues(
            "persistent-timers.admin.enabled=true",
            "persistent-timers.admin.token=" + TOKEN,
            "persistent-timers.admin.bind-address=0.0.0.0")
        .run(
            context ->
                assertThat(chain(context.getStartupFailure()))
                    .contains("persistent-timers.admin: bindAddress 0.0.0.0 is not a loopback"));
  }

  @Test
  void enabledWithoutTheAdminModule_failsStartup_namingTheDependency() {
    sqliteFile()
        .withClassLoader(new FilteredClassLoader(AdminServer.class))
        .withPropertyValues(
            "persistent-timers.admin.enabled=true", "persistent-timers.admin.token=" + TOKEN)
        .run(
            context ->
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                    .hasMessageContaining("io.persistenttimers:persistent-timers-admin"));
  }

  @Configuration(proxyBeanMethods = false)
  static class ReminderCallback {
    @Bean
    @CallbackType("reminder")
    CallbackFactory reminder() {
      return record -> ctx -> {};
    }
  }

  /** Every message of a failure and its causes, one per line. */
  private static String chain(Throwable failure) {
    assertThat(failure).as("startup failure").isNotNull();
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getMessage()).append('\n');
    }
    return text.toString();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
