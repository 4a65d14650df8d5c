package io.persistenttimers.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Escaping for the admin pages. Every stored text reaches HTML only through {@link #text}, and a
 * URL only through {@link #param}: ids, participant ids and error texts are written by hosts and
 * may hold anything, {@code <script>} included.
 */
final class Html {

  private Html() {}

  /** Text safe in element content and in double-quoted attribute values. */
  static String text(String value) {
    if (value == null) {
      return "–";
    }
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') {
            out.append("\\u").append(String.format("%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /** A query parameter value, percent-encoded (then safe in an attribute as is). */
  static String param(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
