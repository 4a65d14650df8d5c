package io.persistenttimers.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The parameters of one request: the query string, and a posted form. */
final class Request {

  /** A form larger than this is refused: admin forms carry a few short fields. */
  static final int MAX_FORM_BYTES = 16 * 1024;

  private final Map<String, String> params;

  private Request(Map<String, String> params) {
    this.params = params;
  }

  static Request of(HttpExchange exchange) throws IOException {
    Map<String, String> params = new HashMap<>();
    parse(exchange.getRequestURI().getRawQuery(), params);
    if ("POST".equals(exchange.getRequestMethod())) {
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
        if (body.length > MAX_FORM_BYTES) {
          throw new BadRequest("the form is larger than " + MAX_FORM_BYTES + " bytes");
        }
        parse(new String(body, StandardCharsets.UTF_8), params);
      }
    }
    return new Request(params);
  }

  /** The value, or null when absent or blank. */
  String get(String name) {
    String value = params.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  String require(String name) {
    String value = get(name);
    if (value == null) {
      throw new BadRequest("'" + name + "' is required");
    }
    return value;
  }

  private static void parse(String raw, Map<String, String> into) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        into.putIfAbsent(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("a parameter is not URL-encoded properly");
      }
    }
  }

  /** A request the page cannot serve as asked: answered 400 with the message. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }
}
