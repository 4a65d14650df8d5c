package io.persistenttimers.admin;

/** The frame every admin page shares: head, navigation, and the stylesheet's text. */
final class Layout {

  private Layout() {}

  /**
   * The strict policy every response carries: nothing from outside the page, no inline script or
   * style, no framing, forms post only here.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + Html.text(title)
        + " · Persistent Timers</title><link rel=\"stylesheet\" href=\"/admin.css\"></head>"
        + "<body><nav><a href=\"/\">Overview</a> <a href=\"/timers\">Timers</a>"
        + " <a href=\"/timers?status=failed\">Failed</a>"
        + " <a href=\"/timers?status=quarantined\">Quarantined</a>"
        + " <a href=\"/confirm?action=purge\">Purge…</a></nav><main><h1>"
        + Html.text(title)
        + "</h1>"
        + body
        + "</main></body></html>\n";
  }

  static final String CSS =
      """
      body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
      nav { background: #1d2330; padding: 10px 20px; }
      nav a { color: #fff; margin-right: 18px; text-decoration: none; font-weight: 600; }
      main { padding: 12px 20px 40px; }
      h1 { font-size: 20px; margin: 8px 0 14px; }
      h2 { font-size: 16px; margin: 22px 0 8px; }
      table { border-collapse: collapse; background: #fff; }
      th, td { border: 1px solid #d9dde3; padding: 4px 8px; text-align: left; vertical-align: top; }
      th { background: #eceff3; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; }
      .cards { display: flex; flex-wrap: wrap; gap: 10px; }
      .card { background: #fff; border: 1px solid #d9dde3; padding: 10px 14px; min-width: 120px; }
      .card b { display: block; font-size: 22px; }
      .bad b { color: #b3261e; }
      form.filters input, form.filters select { margin-right: 8px; }
      .notice { background: #fff8e1; border: 1px solid #e0c46c; padding: 8px 12px; margin: 10px 0; }
      .done { background: #e8f5e9; border: 1px solid #81c784; padding: 8px 12px; margin: 10px 0; }
      .refused { background: #fdecea; border: 1px solid #e57373; padding: 8px 12px; margin: 10px 0; }
      pre { background: #fff; border: 1px solid #d9dde3; padding: 8px; white-space: pre-wrap; word-break: break-all; }
      button { padding: 4px 12px; }
      .actions form { display: inline-block; margin-right: 10px; }
      svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
      svg rect { fill: #3b6fd8; }
      svg rect.overdue { fill: #b3261e; }
      """;
}
