package io.persistenttimers.admin;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore.LeaseHolder;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The pages that only read: the overview, the timer list, and one timer. */
final class ReadPages {

  static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm", Locale.ENGLISH);

  private final Store store;
  private final AdminOptions options;

  ReadPages(Store store, AdminOptions options) {
    this.store = store;
    this.options = options;
  }

  Store store() {
    return store;
  }

  // --- overview -------------------------------------------------------------------------------

  String overview() {
    Instant now = options.clock().instant();
    TimerOverview o = TimerOverview.of(store, now, options.countLimit());
    long within6h =
        store.count(
            TimerQuery.all().status(TimerStatus.ACTIVE).dueBefore(now.plus(Duration.ofHours(6))),
            options.countLimit());
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"cards\">")
        .append(card("Pending", shown(o, o.pending()), false, "/timers?status=pending"))
        .append(card("Overdue", shown(o, o.overdue()), o.overdue() > 0, "/timers?overdue=1"))
        .append(card("Oldest lag", human(o.oldestLag()), o.overdue() > 0, null))
        .append(card("Retrying", shown(o, o.retrying()), o.retrying() > 0, "/timers?retrying=1"))
        .append(card("Failed", shown(o, o.failed()), o.failed() > 0, "/timers?status=failed"))
        .append(
            card(
                "Quarantined",
                shown(o, o.quarantined()),
                o.quarantined() > 0,
                "/timers?status=quarantined"))
        .append(card("All timers", shown(o, o.total()), false, "/timers"))
        .append("</div>");
    if (o.oldestOverdue() != null) {
      b.append("<p>Oldest overdue: ")
          .append(timerLink(o.oldestOverdue().id()))
          .append(" (")
          .append(Html.text(o.oldestOverdue().callbackType()))
          .append("), due ")
          .append(UTC.format(o.oldestOverdue().nextFireAt()))
          .append("</p>");
    }
    if (o.oldestFailure() != null) {
      b.append("<p>Oldest failure: ")
          .append(timerLink(o.oldestFailure().id()))
          .append(" (")
          .append(Html.text(o.oldestFailure().callbackType()))
          .append("), failed ")
          .append(UTC.format(o.oldestFailure().updatedAt()))
          .append("</p>");
    }
    // Cumulative bars: each is one capped count, so none is a difference of two capped counts.
    b.append("<h2>Due soon</h2>")
        .append(
            chart(
                o,
                List.of("overdue", "within 1 h", "within 6 h", "within 24 h", "all pending"),
                List.of(o.overdue(), o.dueWithinHour(), within6h, o.dueWithinDay(), o.pending())));
    b.append("<h2>By callback type</h2>");
    if (o.exceedsLimit(o.pending()) || o.exceedsLimit(o.failed())) {
      b.append("<p class=\"notice\">More than ")
          .append(o.countLimit())
          .append(" timers of a status: its column counts the ")
          .append(o.countLimit() + 1)
          .append(" due first.</p>");
    }
    b.append("<table><tr><th>Callback type</th><th>Pending</th>")
        .append("<th>Failed</th><th>Quarantined</th></tr>");
    o.byCallbackType()
        .forEach(
            (type, c) ->
                b.append("<tr><td><a href=\"/timers?callbackType=")
                    .append(Html.param(type))
                    .append("\">")
                    .append(Html.text(type))
                    .append("</a></td><td class=\"num\">")
                    .append(c.pending())
                    .append("</td><td class=\"num\">")
                    .append(c.failed())
                    .append("</td><td class=\"num\">")
                    .append(c.quarantined())
                    .append("</td></tr>"));
    b.append("</table>");
    if (!o.leaseHolders().isEmpty()) {
      b.append("<h2>Lease owners</h2><table><tr><th>Node</th><th>Held</th><th>Expired</th></tr>");
      for (LeaseHolder h : o.leaseHolders()) {
        b.append("<tr><td>")
            .append(Html.text(h.owner()))
            .append("</td><td class=\"num\">")
            .append(h.held())
            .append("</td><td class=\"num\">")
            .append(h.expired())
            .append("</td></tr>");
      }
      b.append("</table>");
    }
    b.append("<p>Counted at ").append(UTC.format(now)).append(".</p>");
    return Layout.page("Overview", b.toString());
  }

  private static String card(String label, Object value, boolean bad, String href) {
    String inner = "<b>" + Html.text(String.valueOf(value)) + "</b>" + Html.text(label);
    return "<div class=\"card"
        + (bad ? " bad" : "")
        + "\">"
        + (href == null ? inner : "<a href=\"" + href + "\">" + inner + "</a>")
        + "</div>";
  }

  /** A count of {@code o} as shown: "more than N" when it stopped at the limit. */
  private static String shown(TimerOverview o, long count) {
    return o.exceedsLimit(count) ? "more than " + o.countLimit() : String.valueOf(count);
  }

  /** A horizontal bar chart as SVG attributes only: the policy allows no inline style. */
  private static String chart(TimerOverview o, List<String> labels, List<Long> values) {
    long max = Math.max(1, values.stream().mapToLong(Long::longValue).max().orElse(1));
    StringBuilder svg =
        new StringBuilder("<svg width=\"520\" height=\"")
            .append(labels.size() * 26 + 4)
            .append("\" role=\"img\" aria-label=\"Pending timers by due time\">");
    for (int i = 0; i < labels.size(); i++) {
      long v = Math.max(0, values.get(i));
      int y = i * 26 + 2;
      long width = Math.round(300.0 * v / max);
      svg.append("<text x=\"0\" y=\"")
          .append(y + 16)
          .append("\">")
          .append(Html.text(labels.get(i)))
          .append("</text><rect")
          .append(i == 0 ? " class=\"overdue\"" : "")
          .append(" x=\"90\" y=\"")
          .append(y + 3)
          .append("\" height=\"18\" width=\"")
          .append(width)
          .append("\"></rect><text x=\"")
          .append(96 + width)
          .append("\" y=\"")
          .append(y + 16)
          .append("\">")
          .append(shown(o, v))
          .append("</text>");
    }
    return svg.append("</svg>").toString();
  }

  // --- list -----------------------------------------------------------------------------------

  String list(Request r) {
    Instant now = options.clock().instant();
    TimerStatus status = status(r.get("status"));
    boolean overdue = r.get("overdue") != null;
    boolean retrying = r.get("retrying") != null;
    TimerQuery query =
        TimerQuery.all()
            .participant(r.get("participant"))
            .flowType(r.get("flowType"))
            .callbackType(r.get("callbackType"))
            .status(overdue || retrying ? TimerStatus.ACTIVE : status)
            .dueBefore(overdue ? now : null)
            .failedAttemptsOnly(retrying);
    String after = r.get("after");
    TimerQuery.Position position = after == null ? null : parseCursor(after);
    List<TimerRecord> rows = store.list(query.after(position).limit(options.pageSize() + 1));
    boolean more = rows.size() > options.pageSize();
    if (more) {
      rows = rows.subList(0, options.pageSize());
    }
    long total = store.count(query, options.countLimit());

    StringBuilder b = new StringBuilder();
    b.append("<form class=\"filters\" method=\"get\" action=\"/timers\">")
        .append(input("participant", "Participant", r.get("participant")))
        .append(input("flowType", "Flow type", r.get("flowType")))
        .append(input("callbackType", "Callback type", r.get("callbackType")))
        .append("<label>Status <select name=\"status\">")
        .append(option("", "any", status == null))
        .append(option("pending", "pending", status == TimerStatus.ACTIVE))
        .append(option("failed", "failed", status == TimerStatus.FAILED))
        .append(option("quarantined", "quarantined", status == TimerStatus.QUARANTINED))
        .append("</select></label> <label><input type=\"checkbox\" name=\"overdue\" value=\"1\"")
        .append(overdue ? " checked" : "")
        .append("> overdue only</label> <button type=\"submit\" id=\"filter\">Filter</button>")
        .append("</form>");
    b.append("<p id=\"count\">")
        .append(total > options.countLimit() ? "More than " + options.countLimit() : total)
        .append(" matching timers, earliest due first")
        .append(position == null ? "" : " (continued)")
        .append(".</p>");
    b.append("<table id=\"timers\"><tr><th>Id</th><th>Participant</th><th>Flow type</th>")
        .append("<th>Callback type</th><th>Kind</th><th>Status</th><th>Due (UTC)</th>")
        .append("<th>Attempts</th><th>Last error</th></tr>");
    for (TimerRecord t : rows) {
      b.append("<tr><td>")
          .append(timerLink(t.id()))
          .append("</td><td>")
          .append(Html.text(t.participantId()))
          .append("</td><td>")
          .append(Html.text(t.flowType()))
          .append("</td><td>")
          .append(Html.text(t.callbackType()))
          .append("</td><td>")
          .append(t.kind())
          .append("</td><td>")
          .append(t.status())
          .append("</td><td>")
          .append(t.status() == TimerStatus.ACTIVE ? UTC.format(t.nextFireAt()) : "on release")
          .append("</td><td class=\"num\">")
          .append(t.attempt())
          .append("</td><td>")
          .append(Html.text(errorKind(t.lastError())))
          .append("</td></tr>");
    }
    b.append("</table><p>");
    String filters = filterParams(r);
    if (position != null) {
      b.append("<a href=\"/timers?").append(filters).append("\">First page</a> ");
    }
    if (more) {
      b.append("<a id=\"next\" href=\"/timers?")
          .append(filters)
          .append(filters.isEmpty() ? "" : "&amp;")
          .append("after=")
          .append(Html.param(cursor(TimerQuery.Position.of(rows.get(rows.size() - 1)))))
          .append("\">Next page →</a>");
    }
    b.append("</p>");
    if (r.get("participant") != null) {
      b.append("<p><a href=\"/confirm?action=cancel-participant&amp;participant=")
          .append(Html.param(r.get("participant")))
          .append(r.get("flowType") == null ? "" : "&amp;flowType=" + Html.param(r.get("flowType")))
          .append("\">Cancel every timer of this participant")
          .append(r.get("flowType") == null ? "" : " in this flow type")
          .append("…</a></p>");
    }
    return Layout.page("Timers", b.toString());
  }

  private static String filterParams(Request r) {
    StringBuilder q = new StringBuilder();
    for (String name :
        List.of("participant", "flowType", "callbackType", "status", "overdue", "retrying")) {
      String v = r.get(name);
      if (v != null) {
        q.append(q.length() == 0 ? "" : "&amp;").append(name).append('=').append(Html.param(v));
      }
    }
    return q.toString();
  }

  static TimerStatus status(String value) {
    if (value == null) {
      return null;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "pending", "active" -> TimerStatus.ACTIVE;
      case "failed" -> TimerStatus.FAILED;
      case "quarantined" -> TimerStatus.QUARANTINED;
      default ->
          throw new Request.BadRequest(
              "status must be pending, failed or quarantined, not '" + value + "'");
    };
  }

  static String cursor(TimerQuery.Position p) {
    return p.nextFireAt().toEpochMilli() + ":" + p.id();
  }

  static TimerQuery.Position parseCursor(String cursor) {
    int colon = cursor.indexOf(':');
    try {
      return new TimerQuery.Position(
          Instant.ofEpochMilli(Long.parseLong(cursor.substring(0, colon))),
          cursor.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new Request.BadRequest("'after' is not a page position");
    }
  }

  private static String input(String name, String label, String value) {
    return "<label>"
        + label
        + " <input name=\""
        + name
        + "\" id=\""
        + name
        + "\" value=\""
        + Html.text(value == null ? "" : value)
        + "\"></label> ";
  }

  private static String option(String value, String label, boolean selected) {
    return "<option value=\""
        + value
        + "\""
        + (selected ? " selected" : "")
        + ">"
        + label
        + "</option>";
  }

  // --- one timer ------------------------------------------------------------------------------

  String timer(String id, String revealedParams, String notice) {
    TimerRecord t = store.get(id).orElse(null);
    if (t == null) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    if (notice != null) {
      b.append(notice);
    }
    b.append("<table id=\"fields\">");
    row(b, "Id", Html.text(t.id()));
    row(
        b,
        "Participant",
        "<a href=\"/timers?participant="
            + Html.param(t.participantId())
            + "\">"
            + Html.text(t.participantId())
            + "</a>");
    row(b, "Flow type", Html.text(t.flowType()));
    row(b, "Callback type", Html.text(t.callbackType()));
    row(b, "Kind", t.kind().name());
    row(b, "Status", t.status().name());
    row(
        b,
        "Due",
        UTC.format(t.nextFireAt())
            + (t.status() == TimerStatus.ACTIVE ? "" : " (fires only once released)"));
    if (t.schedule() != null) {
      ZoneId zone = t.schedule().zone();
      row(b, "Schedule", Html.text(ScheduleText.describe(t.schedule())));
      StringBuilder next = new StringBuilder("<ul id=\"next-occurrences\">");
      for (Instant at : ScheduleText.next(t.schedule(), t.nextFireAt(), 5)) {
        next.append("<li>")
            .append(LOCAL.format(at.atZone(zone)))
            .append(' ')
            .append(Html.text(zone.getId()))
            .append(" (")
            .append(UTC.format(at))
            .append(")</li>");
      }
      row(b, "Then", next.append("</ul>").toString());
    }
    row(b, "Failed attempts", String.valueOf(t.attempt()));
    row(
        b,
        "Last error",
        revealedParams != null
            ? "<pre>" + Html.text(t.lastError()) + "</pre>"
            : Html.text(errorKind(t.lastError()))
                + (t.lastError() != null && t.lastError().contains(":")
                    ? " (message hidden with the params)"
                    : ""));
    row(b, "Expires", t.expiresAt() == null ? "never" : UTC.format(t.expiresAt()));
    row(b, "Last fired", t.lastFiredAt() == null ? "–" : UTC.format(t.lastFiredAt()));
    row(b, "State type", Html.text(t.stateType()));
    row(b, "Data key", Html.text(t.dataKey()));
    row(
        b,
        "Overdue policy",
        t.overduePolicy() == null ? "engine default" : t.overduePolicy().name());
    row(
        b,
        "Retry policy",
        t.retryPolicy() == null ? "engine default" : Html.text(t.retryPolicy().toJson()));
    row(b, "Payload version", String.valueOf(t.payloadVersion()));
    row(
        b,
        "Params",
        revealedParams != null
            ? "<pre id=\"params\">" + Html.text(revealedParams) + "</pre>"
            : "<form method=\"post\" action=\"/reveal\"><input type=\"hidden\" name=\"id\" value=\""
                + Html.text(t.id())
                + "\">Hidden: they may hold personal data. "
                + tokenField()
                + " <button type=\"submit\" id=\"reveal\">Reveal params</button>"
                + " (the reveal is logged)</form>");
    row(b, "Version", String.valueOf(t.version()));
    row(b, "Created", UTC.format(t.createdAt()));
    row(b, "Updated", UTC.format(t.updatedAt()));
    b.append("</table><h2>Actions</h2><p class=\"actions\">")
        .append("<a id=\"cancel\" href=\"/confirm?action=cancel&amp;id=")
        .append(Html.param(t.id()))
        .append("\">Cancel this timer…</a> ");
    if (t.status() != TimerStatus.ACTIVE) {
      b.append(" <a id=\"release\" href=\"/confirm?action=release&amp;id=")
          .append(Html.param(t.id()))
          .append("\">Release (run it again)…</a>");
    }
    b.append("</p>");
    return Layout.page("Timer " + t.id(), b.toString());
  }

  static String tokenField() {
    return "<label>Token <input type=\"password\" name=\"token\" id=\"token\""
        + " autocomplete=\"off\" required></label>";
  }

  static String timerLink(String id) {
    return "<a href=\"/timer?id=" + Html.param(id) + "\">" + Html.text(id) + "</a>";
  }

  private static void row(StringBuilder b, String name, String html) {
    b.append("<tr><th>").append(name).append("</th><td>").append(html).append("</td></tr>");
  }

  /**
   * The text before the first colon of an error: its kind, without a message that may quote params.
   */
  static String errorKind(String lastError) {
    if (lastError == null) {
      return null;
    }
    int colon = lastError.indexOf(':');
    return colon < 0 ? lastError : lastError.substring(0, colon);
  }

  static String human(Duration d) {
    if (d.isZero()) {
      return "none";
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder out = new StringBuilder();
    long days = d.toDays();
    if (days > 0) {
      out.append(days).append("d ");
    }
    if (d.toHoursPart() > 0) {
      out.append(d.toHoursPart()).append("h ");
    }
    if (d.toMinutesPart() > 0) {
      out.append(d.toMinutesPart()).append("m ");
    }
    if (d.toSecondsPart() > 0) {
      out.append(d.toSecondsPart()).append("s");
    }
    return out.toString().trim();
  }
}
