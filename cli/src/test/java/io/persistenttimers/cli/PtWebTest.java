package io.persistenttimers.cli;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.store.sqlite.SqliteStore;
import io.persistenttimers.testkit.Stores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code pt web}: the admin page served on a SQLite file, and a port already taken. */
class PtWebTest {

  @TempDir Path dir;

  @Test
  void servesTheAdminPage_printsTheToken_andRefusesActionsWithoutIt() throws Exception {
    Path db = dir.resolve("web.db");
    try (SqliteStore store = SqliteStore.openOrCreate(db)) {
      Stores.insert(store, record("t-1").participant("participant-ana").build());
    }
    CommandLine cli = Pt.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    WebCommand web = (WebCommand) cli.getSubcommands().get("web").getCommand();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread run =
        new Thread(() -> exit.set(cli.execute("web", "--port", "0", "--db", db.toString())));
    run.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> web.server != null);
      await().atMost(Duration.ofSeconds(5)).until(() -> out.toString().contains("Token"));
      assertThat(out.toString())
          .contains("Admin page for SQLite " + db + " on http://127.0.0.1:")
          .contains("Token for actions and reveals: " + web.server.token());

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> overview =
          http.send(
              HttpRequest.newBuilder(web.server.uri()).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(overview.statusCode()).isEqualTo(200);
      assertThat(overview.body()).contains("<h1>Overview</h1>");
      HttpResponse<String> cancel =
          http.send(
              HttpRequest.newBuilder(web.server.uri().resolve("/action"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("action=cancel&id=t-1"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(cancel.statusCode()).isEqualTo(403);
    } finally {
      web.stop.countDown();
      run.join(Duration.ofSeconds(30).toMillis());
    }
    assertThat(exit.get()).isZero();
    try (SqliteStore store = SqliteStore.builder(db).createIfMissing(false).build()) {
      assertThat(store.get("t-1")).isPresent();
    }
  }

  @Test
  void aPortInUse_isOneLineAndExitTwo() throws Exception {
    Path db = dir.resolve("web.db");
    SqliteStore.openOrCreate(db).close();
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run run =
          Run.pt("web", "--port", String.valueOf(taken.getLocalPort()), "--db", db.toString());
      assertThat(run.exit()).isEqualTo(2);
      assertThat(run.err()).startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort());
      assertThat(run.err()).contains("(choose another --port)");
    }
  }
}
