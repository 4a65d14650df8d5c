package io.persistenttimers.admin;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The state-changing actions — cancel, release, cancel-participant, purge — as a confirmation page
 * (GET, changes nothing) and the action itself (POST with the token), which says what it did.
 */
final class ActionPages {

  /** Below this, a purge would delete failures nobody had a chance to look at. */
  static final int MIN_FAILED_AGE_HOURS = 1;

  private final Store store;
  private final AdminOptions options;

  ActionPages(Store store, AdminOptions options) {
    this.store = store;
    this.options = options;
  }

  /** The confirmation page of an action: what it will do, and the form that does it. */
  String confirm(Request r) {
    String action = r.require("action");
    StringBuilder b = new StringBuilder("<form method=\"post\" action=\"/action\">");
    b.append(hidden("action", action));
    switch (action) {
      case "cancel" -> {
        TimerRecord t = existing(r.require("id"));
        b.append(hidden("id", t.id()))
            .append("<p class=\"notice\">Cancel timer <b>")
            .append(Html.text(t.id()))
            .append("</b> (")
            .append(Html.text(t.callbackType()))
            .append(" for ")
            .append(Html.text(t.participantId()))
            .append(", ")
            .append(t.status())
            .append(")? It is deleted and does not fire.</p>");
      }
      case "release" -> {
        TimerRecord t = existing(r.require("id"));
        b.append(hidden("id", t.id()))
            .append("<p class=\"notice\">Release timer <b>")
            .append(Html.text(t.id()))
            .append("</b> (")
            .append(t.status())
            .append(" after ")
            .append(t.attempt())
            .append(" failed attempts)? It becomes ACTIVE with a fresh attempt count and a running")
            .append(" host fires it now.</p>");
      }
      case "cancel-participant" -> {
        String participant = r.require("participant");
        String flowType = r.get("flowType");
        long n =
            store.count(
                TimerQuery.all().participant(participant).flowType(flowType), options.countLimit());
        b.append(hidden("participant", participant));
        if (flowType != null) {
          b.append(hidden("flowType", flowType));
        }
        b.append("<p class=\"notice\">Cancel all <b>")
            .append(atMostLimit(n))
            .append("</b> timers of participant <b>")
            .append(Html.text(participant))
            .append("</b>")
            .append(flowType == null ? "" : " in flow type <b>" + Html.text(flowType) + "</b>")
            .append("? They are deleted and do not fire.</p>");
      }
      case "purge" -> {
        Instant now = options.clock().instant();
        long expired = store.count(TimerQuery.all().expiredBy(now), options.countLimit());
        b.append("<p class=\"notice\">Purge deletes for good. Now: <b>")
            .append(atMostLimit(expired))
            .append("</b> expired timers.</p><p><label><input type=\"checkbox\" name=\"expired\"")
            .append(" value=\"1\" checked> expired timers</label></p><p><label>FAILED timers that")
            .append(" failed more than <input name=\"failedOlderThanHours\" size=\"5\"> hours ago")
            .append(" (at least ")
            .append(MIN_FAILED_AGE_HOURS)
            .append("; empty: none)</label></p>");
      }
      default -> throw new Request.BadRequest("unknown action '" + action + "'");
    }
    b.append(ReadPages.tokenField())
        .append(" <button type=\"submit\" id=\"confirm\">")
        .append(
            switch (action) {
              case "cancel" -> "Cancel the timer";
              case "release" -> "Release the timer";
              case "cancel-participant" -> "Cancel these timers";
              default -> "Purge";
            })
        .append("</button></form>");
    return Layout.page("Confirm: " + action, b.toString());
  }

  /** Performs an action whose token was checked; returns the page that says what it did. */
  String perform(Request r) {
    String action = r.require("action");
    return switch (action) {
      case "cancel" -> {
        String id = r.require("id");
        Optional<TimerRecord> found = store.get(id);
        boolean removed = !store.remove(TimerQuery.all().id(id)).isEmpty();
        yield done(
            "Cancelled",
            found
                .filter(t -> removed)
                .map(
                    t ->
                        "Cancelled timer <b>"
                            + Html.text(t.id())
                            + "</b> ("
                            + Html.text(t.callbackType())
                            + " for "
                            + Html.text(t.participantId())
                            + ", was "
                            + t.status()
                            + ").")
                .orElse("No timer <b>" + Html.text(id) + "</b>: it was gone already."));
      }
      case "release" -> {
        String id = r.require("id");
        TimerRecord before = existing(id);
        boolean released;
        // The library's own release, on a timer that is never started: no engine, no lock.
        try (PersistentTimer timer = PersistentTimer.builder(store).build()) {
          released = timer.release(id);
        }
        yield done(
            "Released",
            released
                ? "Released timer <b>"
                    + Html.text(id)
                    + "</b>: it was "
                    + before.status()
                    + " after "
                    + before.attempt()
                    + " failed attempts and is ACTIVE again, due "
                    + ReadPages.UTC.format(store.get(id).map(TimerRecord::nextFireAt).orElseThrow())
                    + ". "
                    + ReadPages.timerLink(id)
                : "Timer <b>" + Html.text(id) + "</b> is ACTIVE already; nothing released.");
      }
      case "cancel-participant" -> {
        String participant = r.require("participant");
        String flowType = r.get("flowType");
        List<String> ids =
            store.remove(TimerQuery.all().participant(participant).flowType(flowType));
        yield done(
            "Cancelled",
            "Cancelled <b>"
                + ids.size()
                + "</b> timers of participant <b>"
                + Html.text(participant)
                + "</b>"
                + (flowType == null ? "" : " in flow type <b>" + Html.text(flowType) + "</b>")
                + ".");
      }
      case "purge" -> {
        Instant now = options.clock().instant();
        Integer hours = failedHours(r.get("failedOlderThanHours"));
        boolean expired = r.get("expired") != null;
        if (!expired && hours == null) {
          throw new Request.BadRequest("choose expired timers and/or an age of failures to purge");
        }
        StringBuilder said = new StringBuilder();
        if (expired) {
          said.append("Deleted <b>")
              .append(store.purge(now, null).expired())
              .append("</b> expired timers. ");
        }
        if (hours != null) {
          said.append("Deleted <b>")
              .append(store.purge(null, now.minus(Duration.ofHours(hours))).failed())
              .append("</b> timers that failed more than ")
              .append(hours)
              .append(" hours ago.");
        }
        yield done("Purged", said.toString());
      }
      default -> throw new Request.BadRequest("unknown action '" + action + "'");
    };
  }

  private static Integer failedHours(String value) {
    if (value == null) {
      return null;
    }
    int hours;
    try {
      hours = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new Request.BadRequest("failedOlderThanHours must be a whole number of hours");
    }
    if (hours < MIN_FAILED_AGE_HOURS) {
      throw new Request.BadRequest(
          "failedOlderThanHours must be at least "
              + MIN_FAILED_AGE_HOURS
              + ": a shorter age deletes failures before anyone could look at them");
    }
    return hours;
  }

  private TimerRecord existing(String id) {
    return store.get(id).orElseThrow(() -> new Request.BadRequest("no timer with id '" + id + "'"));
  }

  private static String done(String title, String message) {
    return Layout.page(title, "<p class=\"done\" id=\"result\">" + message + "</p>");
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + Html.text(value) + "\">";
  }

  /** A capped count as shown: "more than N" when it stopped at the limit. */
  private String atMostLimit(long count) {
    return count > options.countLimit()
        ? "more than " + options.countLimit()
        : Long.toString(count);
  }
}
