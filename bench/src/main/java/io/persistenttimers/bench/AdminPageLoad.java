package io.persistenttimers.bench;

import io.persistenttimers.admin.AdminOptions;
import io.persistenttimers.admin.AdminServer;
import io.persistenttimers.store.postgres.PostgresStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Page-load times of the admin page on a large PostgreSQL store: bulk-loads N timers (default
 * 1,000,000) into a schema of its own with one server-side {@code INSERT ... SELECT
 * generate_series}, starts an {@link AdminServer} on it, and times each page over HTTP (median and
 * worst of the repetitions, after one warm-up). Not part of the test run:
 *
 * <pre>
 * java -cp bench/target/persistent-timers-bench.jar io.persistenttimers.bench.AdminPageLoad \
 *     [--timers 1000000] [--reps 7] [--pg-url jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 * </pre>
 *
 * <p>The data: 100,000 participants, 5 flow types, 20 callback types; 0.4% FAILED, 0.1%
 * QUARANTINED, 5,000 overdue, 1% retrying, the rest due over the next day. The schema is dropped at
 * the end. The table is vacuumed after the load, as autovacuum would be soon after.
 */
public final class AdminPageLoad {

  private AdminPageLoad() {}

  /**
   * Runs the measurement.
   *
   * @param args {@code --timers N}, {@code --reps N}, {@code --pg-url URL}
   * @throws Exception when loading or a request fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    int timers = Integer.parseInt(opts.getOrDefault("--timers", "1000000"));
    int reps = Integer.parseInt(opts.getOrDefault("--reps", "7"));
    String url =
        opts.getOrDefault(
            "--pg-url",
            System.getenv()
                .getOrDefault(
                    "TIMERS_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"));
    String schema = "bench_admin_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    exec(url, "CREATE SCHEMA " + schema);
    try (PostgresStore store = PostgresStore.builder(url).schema(schema).build()) {
      long start = System.nanoTime();
      load(url, schema, timers);
      System.err.printf(
          Locale.ROOT, "Loaded %,d timers in %.1f s%n", timers, (System.nanoTime() - start) / 1e9);
      try (AdminServer admin = AdminServer.start(store, AdminOptions.defaults())) {
        measure(admin.uri(), timers, reps);
      }
    } finally {
      exec(url, "DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private static void load(String url, String schema, int n) throws SQLException {
    exec(
        url,
        "INSERT INTO "
            + schema
            + ".persistent_timers (id, participant_id, flow_type, callback_type, callback_params,"
            + " payload_version, timer_type, next_fire_at, attempt, last_error, status, version,"
            + " created_at, updated_at)"
            + " SELECT 'load-' || i, 'participant-' || (i % 100000), 'flow-' || (i % 5),"
            + " 'type-' || (i % 20), '{\"n\":' || i || '}', 1, 'ONCE',"
            + " CASE WHEN i <= 5000 THEN now() - i * interval '1 second'"
            + " ELSE now() + i * interval '86 milliseconds' END,"
            + " CASE WHEN i % 250 = 0 THEN 3 WHEN i % 100 = 7 THEN 1 ELSE 0 END,"
            + " CASE WHEN i % 250 = 0 OR i % 100 = 7 THEN 'java.io.IOException: gateway down'"
            + " WHEN i % 1000 = 1 THEN 'unreadable params' END,"
            + " CASE WHEN i % 250 = 0 THEN 'FAILED' WHEN i % 1000 = 1 THEN 'QUARANTINED'"
            + " ELSE 'ACTIVE' END,"
            + " 1, now() - interval '2 days', now() - (i % 72) * interval '1 hour'"
            + " FROM generate_series(1, "
            + n
            + ") AS i");
    // What autovacuum does within a minute of a bulk load (its insert threshold): statistics, and
    // the visibility map that lets a count read the index alone instead of fetching each row.
    exec(url, "VACUUM ANALYZE " + schema + ".persistent_timers");
  }

  private static void measure(URI base, int timers, int reps) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String middle = "/timers?after=" + cursorOfPageAfter(http, base, timers / 2);
    Map<String, String> pages = new LinkedHashMap<>();
    pages.put("overview", "/");
    pages.put("list, first page", "/timers");
    pages.put("list, page in the middle (keyset)", middle);
    pages.put("list by participant", "/timers?participant=participant-4242");
    pages.put("list by flow type", "/timers?flowType=flow-3");
    pages.put("list by callback type", "/timers?callbackType=type-7");
    pages.put("list FAILED", "/timers?status=failed");
    pages.put("list overdue", "/timers?overdue=1");
    pages.put("timer page", "/timer?id=load-777");
    pages.put("confirm purge", "/confirm?action=purge");
    System.out.printf(
        Locale.ROOT,
        "Admin page loads on PostgreSQL with %,d timers (%d runs each)%n",
        timers,
        reps);
    System.out.printf(Locale.ROOT, "%-36s %10s %10s%n", "page", "median ms", "max ms");
    for (Map.Entry<String, String> page : pages.entrySet()) {
      get(http, base, page.getValue());
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < reps; i++) {
        long start = System.nanoTime();
        get(http, base, page.getValue());
        times.add((System.nanoTime() - start) / 1e6);
      }
      Collections.sort(times);
      System.out.printf(
          Locale.ROOT,
          "%-36s %10.1f %10.1f%n",
          page.getKey(),
          times.get(times.size() / 2),
          times.get(times.size() - 1));
    }
  }

  /** A cursor near row {@code row}: the due time of that row, taken from the data's spacing. */
  private static String cursorOfPageAfter(HttpClient http, URI base, int row) throws Exception {
    String body = get(http, base, "/timer?id=load-" + row);
    Matcher due = Pattern.compile("<th>Due</th><td>([^<( ]+) ([^<( ]+)").matcher(body);
    if (!due.find()) {
      throw new IllegalStateException("no due time on the page of load-" + row);
    }
    long millis = java.time.Instant.parse(due.group(1) + "T" + due.group(2)).toEpochMilli();
    return millis + ":load-" + row;
  }

  private static String get(HttpClient http, URI base, String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(base.resolve(path)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(path + " answered " + response.statusCode());
    }
    return response.body();
  }

  private static void exec(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
