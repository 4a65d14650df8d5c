package io.persistenttimers.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.persistenttimers.StoreException;
import io.persistenttimers.spi.Store;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin web page over a timer store, on the JDK's own HTTP server (no dependency): an overview,
 * the timer list with the indexed filters and keyset paging, a page per timer, and the actions
 * cancel, release, cancel-participant and purge, each confirmed and reported. A host embeds it in
 * two lines:
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.start(store, AdminOptions.defaults().port(8081));
 * log.info("Timer admin on {} (token {})", admin.uri(), admin.token());
 * }</pre>
 *
 * <p>Safe by default (see {@link AdminOptions}): loopback only; every state-changing request and
 * every reveal of params needs the token, posted in the form, and a POST from another origin is
 * refused, so another site cannot make the operator's browser act (there is no cookie to ride on
 * either); params are hidden until revealed per timer, and each reveal is logged; every response
 * carries a strict Content-Security-Policy (no script at all, styles only from this server); every
 * stored text is HTML-escaped.
 *
 * <p>It uses only the {@link Store} API and never starts an engine, so it runs beside the hosts
 * that fire the timers. {@link #close()} stops the server; the store stays open (it is the
 * caller's).
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final Logger reveals = LoggerFactory.getLogger("io.persistenttimers.admin.reveal");

  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final HttpServer server;
  private final ExecutorService executor;
  private final AdminOptions options;
  private final ReadPages pages;
  private final ActionPages actions;

  private AdminServer(Store store, AdminOptions options) throws IOException {
    this.options = options;
    this.pages = new ReadPages(store, options);
    this.actions = new ActionPages(store, options);
    disableNagleUnlessConfigured();
    this.server =
        HttpServer.create(new InetSocketAddress(options.bindAddress(), options.port()), 0);
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "timer-admin-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * The JDK server writes a response's headers and body as two segments; with Nagle's algorithm on,
   * the body waits for the client's delayed ACK of the headers, so every request on a kept-alive
   * connection (a browser's) took 40 ms more. The setting is read once per JVM, when the first JDK
   * HTTP server starts, and only when the host has not chosen it.
   */
  private static void disableNagleUnlessConfigured() {
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
  }

  /**
   * Starts the admin page on {@code store}.
   *
   * @param store the store whose timers it shows; not closed by the server
   * @param options where to listen and the token
   * @return the running server
   * @throws UncheckedIOException when the address cannot be bound (port in use)
   */
  public static AdminServer start(Store store, AdminOptions options) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(options, "options");
    try {
      AdminServer admin = new AdminServer(store, options);
      admin.server.start();
      log.info("Timer admin page on {}", admin.uri());
      return admin;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on "
              + options.bindAddress()
              + ":"
              + options.port()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Where the page is: {@code http://127.0.0.1:<port>/}.
   *
   * @return the page's address
   */
  public URI uri() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
  }

  /**
   * The token state-changing requests must carry: give it to the operators.
   *
   * @return the token
   */
  public String token() {
    return options.token();
  }

  /** Stops the server at once; the store stays open. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      try {
        if (method.equals("GET") || method.equals("HEAD")) {
          get(exchange, path);
        } else if (method.equals("POST")) {
          post(exchange, path);
        } else {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST");
          send(exchange, 405, Layout.page("Not allowed", "<p>Use GET or POST.</p>"));
        }
      } catch (Request.BadRequest e) {
        send(exchange, 400, Layout.page("Bad request", refused(e.getMessage())));
      } catch (IllegalArgumentException e) {
        send(exchange, 400, Layout.page("Bad request", refused(e.getMessage())));
      } catch (StoreException e) {
        log.warn("The admin page could not reach the store: {}", e.getMessage());
        send(
            exchange,
            503,
            Layout.page("Store unavailable", refused("The store failed: " + e.getMessage())));
      } catch (RuntimeException e) {
        log.error("Admin page request {} {} failed", method, path, e);
        send(exchange, 500, Layout.page("Error", refused("Internal error; see the host's log.")));
      }
    }
  }

  private void get(HttpExchange exchange, String path) throws IOException {
    switch (path) {
      case "/" -> send(exchange, 200, pages.overview());
      case "/timers" -> send(exchange, 200, pages.list(Request.of(exchange)));
      case "/timer" -> {
        String id = Request.of(exchange).require("id");
        String page = pages.timer(id, null, null);
        send(exchange, page == null ? 404 : 200, page == null ? notFound(id) : page);
      }
      case "/confirm" -> send(exchange, 200, actions.confirm(Request.of(exchange)));
      case "/admin.css" -> sendCss(exchange);
      default -> send(exchange, 404, Layout.page("Not found", "<p>No such page.</p>"));
    }
  }

  private void post(HttpExchange exchange, String path) throws IOException {
    if (!sameOrigin(exchange)) {
      send(
          exchange,
          403,
          Layout.page("Refused", refused("A request from another site is refused.")));
      return;
    }
    Request request = Request.of(exchange);
    if (!tokenMatches(request.get("token"))) {
      log.warn(
          "Admin page refused {} from {}: missing or wrong token",
          path,
          exchange.getRemoteAddress().getAddress().getHostAddress());
      send(
          exchange,
          403,
          Layout.page(
              "Refused",
              refused(
                  "The token is missing or wrong: nothing was changed. The token is printed"
                      + " where the admin page was started.")));
      return;
    }
    switch (path) {
      case "/action" -> send(exchange, 200, actions.perform(request));
      case "/reveal" -> {
        String id = request.require("id");
        var timer = pages.store().get(id);
        if (timer.isEmpty()) {
          send(exchange, 404, notFound(id));
          return;
        }
        reveals.info(
            "Params of timer '{}' revealed on the admin page to {}",
            id,
            exchange.getRemoteAddress().getAddress().getHostAddress());
        send(
            exchange,
            200,
            pages.timer(
                id,
                timer.get().params(),
                "<p class=\"notice\">Params revealed; this reveal was logged.</p>"));
      }
      default -> send(exchange, 404, Layout.page("Not found", "<p>No such action.</p>"));
    }
  }

  /**
   * A browser names the page a form was posted from in Origin (and Sec-Fetch-Site): a post from
   * another site is refused even before the token is checked. A client that sends neither (curl, a
   * script) is judged by the token alone.
   */
  private static boolean sameOrigin(HttpExchange exchange) {
    String fetchSite = exchange.getRequestHeaders().getFirst("Sec-Fetch-Site");
    if (fetchSite != null) {
      return fetchSite.equals("same-origin") || fetchSite.equals("none");
    }
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (origin == null) {
      return true;
    }
    String host = exchange.getRequestHeaders().getFirst("Host");
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }

  private boolean tokenMatches(String given) {
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8),
            options.token().getBytes(StandardCharsets.UTF_8));
  }

  private static String notFound(String id) {
    return Layout.page("Not found", "<p>No timer with id <b>" + Html.text(id) + "</b>.</p>");
  }

  private static String refused(String message) {
    return "<p class=\"refused\" id=\"refused\">" + Html.text(message) + "</p>";
  }

  private static void sendCss(HttpExchange exchange) throws IOException {
    byte[] body = Layout.CSS.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/css; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "max-age=300");
    securityHeaders(exchange);
    write(exchange, 200, body);
  }

  private static void send(HttpExchange exchange, int status, String html) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    // Pages show live state and, once revealed, params: never cached.
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    securityHeaders(exchange);
    write(exchange, status, html.getBytes(StandardCharsets.UTF_8));
  }

  private static void securityHeaders(HttpExchange exchange) {
    var h = exchange.getResponseHeaders();
    h.set("Content-Security-Policy", Layout.CONTENT_SECURITY_POLICY);
    h.set("X-Content-Type-Options", "nosniff");
    // Not no-referrer: under it a browser posts forms with "Origin: null", which the origin check
    // above would have to accept. same-origin still sends nothing to other sites.
    h.set("Referrer-Policy", "same-origin");
    h.set("X-Frame-Options", "DENY");
  }

  private static void write(HttpExchange exchange, int status, byte[] body) throws IOException {
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
