package io.persistenttimers.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.TimerStatus;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin page at the HTTP level, on a real SQLite file: the refusals a browser test cannot
 * provoke (no token, a wrong one, another origin), the headers, and escaping.
 */
class AdminServerHttpTest {

  @TempDir Path dir;
  private SqliteStore store;
  private AdminServer admin;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeEach
  void start() {
    store = SqliteStore.openOrCreate(dir.resolve("admin.db"));
    AdminFixture.fill(store, now);
    admin = AdminServer.start(store, AdminOptions.defaults().token(AdminFixture.TOKEN).pageSize(5));
  }

  @AfterEach
  void stop() {
    admin.close();
    store.close();
  }

  @Test
  void listensOnLoopbackByDefault_andRefusesOtherAddressesUnlessAllowed() {
    assertThat(admin.uri().getHost()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> AdminOptions.defaults().bindAddress("0.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bindAddress 0.0.0.0 is not a loopback address")
        .hasMessageContaining("allowRemote(true)");
    assertThatThrownBy(() -> AdminOptions.defaults().token("short"))
        .hasMessageContaining("token must be at least 16");
    assertThat(AdminOptions.defaults().token(AdminFixture.TOKEN).toString())
        .doesNotContain(AdminFixture.TOKEN);
  }

  @Test
  void everyActionWithoutTheToken_isRefusedAndChangesNothing() throws Exception {
    for (Map<String, String> form :
        java.util.List.of(
            Map.of("action", "cancel", "id", "overdue-1"),
            Map.of("action", "release", "id", "failed-1"),
            Map.of("action", "cancel-participant", "participant", "participant-ana"),
            Map.of("action", "purge", "expired", "1", "failedOlderThanHours", "1"))) {
      HttpResponse<String> none = post("/action", form, null);
      assertThat(none.statusCode()).as(form.toString()).isEqualTo(403);
      assertThat(none.body()).contains("The token is missing or wrong: nothing was changed.");
      var wrong = new java.util.HashMap<>(form);
      wrong.put("token", AdminFixture.TOKEN + "x");
      assertThat(post("/action", wrong, null).statusCode()).isEqualTo(403);
    }
    assertThat(post("/reveal", Map.of("id", "daily-prompt:participant-ana"), null).body())
        .doesNotContain("5555");
    assertThat(store.count(io.persistenttimers.TimerQuery.all())).isEqualTo(17);
    assertThat(store.get("failed-1").orElseThrow().status()).isEqualTo(TimerStatus.FAILED);
  }

  @Test
  void aPostFromAnotherOrigin_isRefusedEvenWithTheToken() throws Exception {
    HttpResponse<String> response =
        post(
            "/action",
            Map.of("action", "cancel", "id", "overdue-1", "token", AdminFixture.TOKEN),
            "http://evil.example");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("A request from another site is refused.");
    assertThat(store.get("overdue-1")).isPresent();
  }

  @Test
  void aCrossSiteFetchMetadataHeader_isRefusedEvenWithTheToken() throws Exception {
    String body = "action=cancel&id=overdue-1&token=" + AdminFixture.TOKEN;
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(admin.uri() + "action"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(store.get("overdue-1")).isPresent();
  }

  @Test
  void withTheToken_cancelAndReleaseDoWhatTheySay() throws Exception {
    HttpResponse<String> cancel =
        post(
            "/action",
            Map.of("action", "cancel", "id", "overdue-1", "token", AdminFixture.TOKEN),
            null);
    assertThat(cancel.statusCode()).isEqualTo(200);
    assertThat(cancel.body())
        .contains(
            "Cancelled timer <b>overdue-1</b> (feedback_initial for participant-ana, was ACTIVE).");
    assertThat(store.get("overdue-1")).isEmpty();

    HttpResponse<String> release =
        post(
            "/action",
            Map.of("action", "release", "id", "failed-1", "token", AdminFixture.TOKEN),
            null);
    assertThat(release.body())
        .contains("it was FAILED after 3 failed attempts and is ACTIVE again");
    assertThat(store.get("failed-1").orElseThrow().status()).isEqualTo(TimerStatus.ACTIVE);
  }

  @Test
  void getNeverChangesState_andConfirmationPagesSayWhatWillHappen() throws Exception {
    HttpResponse<String> confirm =
        get("/confirm?action=cancel-participant&participant=participant-ana");
    assertThat(confirm.statusCode()).isEqualTo(200);
    assertThat(confirm.body())
        .contains("Cancel all <b>2</b> timers of participant <b>participant-ana</b>");
    assertThat(get("/action?action=cancel&id=overdue-1&token=" + AdminFixture.TOKEN).statusCode())
        .isEqualTo(404);
    assertThat(store.count(io.persistenttimers.TimerQuery.all())).isEqualTo(17);
  }

  @Test
  void everyPageCarriesAStrictPolicy_andHasNoScript() throws Exception {
    for (String path :
        java.util.List.of("/", "/timers", "/timer?id=failed-1", "/confirm?action=purge", "/nope")) {
      HttpResponse<String> page = get(path);
      assertThat(page.headers().firstValue("Content-Security-Policy"))
          .as(path)
          .contains(
              "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
                  + " frame-ancestors 'none'; base-uri 'none'");
      assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
      assertThat(page.body()).doesNotContainIgnoringCase("<script").doesNotContain(" style=");
    }
  }

  @Test
  void aScriptInAParticipantId_isEscapedOnEveryPage() throws Exception {
    String escaped = "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;";
    assertThat(get("/timers").body()).contains(escaped).doesNotContain(AdminFixture.HOSTILE);
    assertThat(get("/timer?id=hostile-1").body())
        .contains(escaped)
        .doesNotContain(AdminFixture.HOSTILE);
    String filtered = get("/timers?participant=" + enc(AdminFixture.HOSTILE)).body();
    assertThat(filtered)
        .contains("1 matching timers")
        .contains(escaped)
        .doesNotContain(AdminFixture.HOSTILE);
    assertThat(get("/timer?id=" + enc(AdminFixture.HOSTILE)).body())
        .contains("No timer with id <b>" + escaped + "</b>");
  }

  @Test
  void theListPagesByPosition_throughEveryMatchOnce() throws Exception {
    java.util.List<String> seen = new java.util.ArrayList<>();
    String path = "/timers?participant=participant-dee";
    for (int page = 0; page < 5 && path != null; page++) {
      String body = get(path).body();
      java.util.regex.Matcher ids =
          java.util.regex.Pattern.compile(">(bulk-\\d\\d)</a>").matcher(body);
      while (ids.find()) {
        seen.add(ids.group(1));
      }
      java.util.regex.Matcher next =
          java.util.regex.Pattern.compile("id=\"next\" href=\"([^\"]+)\"").matcher(body);
      path = next.find() ? next.group(1).replace("&amp;", "&") : null;
    }
    assertThat(seen).hasSize(12).doesNotHaveDuplicates();
    assertThat(seen).isSorted();
  }

  @Test
  void paramsAreHiddenUntilRevealedWithTheToken() throws Exception {
    String page = get("/timer?id=" + enc("daily-prompt:participant-ana")).body();
    assertThat(page).doesNotContain("5555").contains("Reveal params");
    assertThat(page).contains("every day at 09:00 (Asia/Kolkata)");
    String failed = get("/timer?id=failed-1").body();
    assertThat(failed).contains("java.lang.IllegalStateException").doesNotContain("5555");

    HttpResponse<String> revealed =
        post(
            "/reveal",
            Map.of("id", "daily-prompt:participant-ana", "token", AdminFixture.TOKEN),
            null);
    assertThat(revealed.body()).contains("{&quot;phone&quot;:&quot;+55 11 5555-0101&quot;}");
  }

  @Test
  void countsAboveTheCountLimit_showAsMoreThanIt_andExactCountsBelowIt() throws Exception {
    // The fixture holds 17 timers: 15 ACTIVE (12 of participant-dee), 1 FAILED, 1 QUARANTINED.
    try (AdminServer capped =
        AdminServer.start(
            store, AdminOptions.defaults().token(AdminFixture.TOKEN).pageSize(5).countLimit(10))) {
      String overview = get(capped, "/").body();
      assertThat(overview)
          .contains("<b>more than 10</b>Pending")
          .contains("<b>more than 10</b>All timers")
          .contains("<b>1</b>Overdue")
          .contains("<b>1</b>Failed")
          .contains("its column counts the 11 due first");
      assertThat(get(capped, "/timers").body()).contains("More than 10 matching timers");
      assertThat(get(capped, "/timers?participant=participant-dee").body())
          .contains("More than 10 matching timers");
      assertThat(get(capped, "/timers?participant=participant-ana").body())
          .contains("2 matching timers");
    }
    assertThat(get("/").body()).contains("<b>15</b>Pending").contains("<b>17</b>All timers");
    assertThatThrownBy(() -> AdminOptions.defaults().countLimit(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("countLimit must be 1 to");
  }

  @Test
  void cappedOverview_equalsTheExactOne_whenEveryCountIsUnderTheLimit() {
    TimerOverview exact = TimerOverview.of(store, now);
    TimerOverview capped = TimerOverview.of(store, now, 17);
    assertThat(exact.countLimit()).isEqualTo(TimerOverview.EXACT);
    assertThat(capped.countLimit()).isEqualTo(17);
    assertThat(capped).usingRecursiveComparison().ignoringFields("countLimit").isEqualTo(exact);
    assertThat(exact.pending()).isEqualTo(15);
    assertThat(exact.dueWithinHour()).as("overdue included").isEqualTo(2);
    assertThat(TimerOverview.of(store, now, 14).pending()).isEqualTo(15);
    assertThat(TimerOverview.of(store, now, 14).exceedsLimit(15)).isTrue();
  }

  private HttpResponse<String> get(AdminServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(admin.uri().resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, Map<String, String> form, String origin)
      throws Exception {
    String body =
        form.entrySet().stream()
            .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
            .collect(Collectors.joining("&"));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(admin.uri() + path.substring(1)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (origin != null) {
      request.header("Origin", origin);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
