package io.persistenttimers.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pt list}: a page of stored timers, due first, with the filters the store indexes. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "List stored timers, earliest due first.",
      "A page at a time: the line below a full page gives the --after of the next.",
      "Params and error messages may hold personal data: 'show --reveal' shows them."
    })
final class ListCommand extends StoreCommand {

  static final int MAX_LIMIT = 1000;

  @Option(names = "--participant", paramLabel = "<id>", description = "Only this participant.")
  String participant;

  @Option(names = "--flow-type", paramLabel = "<type>", description = "Only this flow type.")
  String flowType;

  @Option(
      names = "--callback-type",
      paramLabel = "<type>",
      description = "Only this callback type.")
  String callbackType;

  @Option(
      names = "--status",
      paramLabel = "<status>",
      converter = StatusFilter.class,
      description = "Only this status: " + StatusFilter.VALUES + ".")
  TimerStatus status;

  @Option(names = "--overdue", description = "Only pending timers whose due time has passed.")
  boolean overdue;

  @Option(
      names = "--retrying",
      description = "Only pending timers with a failed attempt (waiting for a retry).")
  boolean retrying;

  @Option(
      names = "--limit",
      paramLabel = "<n>",
      defaultValue = "50",
      description = "Rows per page, 1 to " + MAX_LIMIT + " (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--after",
      paramLabel = "<cursor>",
      description = "Continue after this row: the cursor printed below the previous page.")
  String after;

  @Option(names = "--json", description = "Print JSON for scripts instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new Failure(
          Failure.BAD_ARGUMENTS, "--limit must be 1 to " + MAX_LIMIT + ", not " + limit);
    }
    if ((overdue || retrying) && status != null && status != TimerStatus.ACTIVE) {
      throw new Failure(
          Failure.BAD_ARGUMENTS,
          "--overdue and --retrying select pending timers; they cannot be combined with --status "
              + status.name().toLowerCase(java.util.Locale.ROOT));
    }
    Instant now = now();
    TimerQuery query =
        TimerQuery.all()
            .participant(participant)
            .flowType(flowType)
            .callbackType(callbackType)
            .status(overdue || retrying ? TimerStatus.ACTIVE : status)
            .dueBefore(overdue ? now : null)
            .failedAttemptsOnly(retrying);
    TimerQuery.Position position = after == null ? null : Cursor.parse(after);
    return withStore(
        store -> {
          List<TimerRecord> rows = store.list(query.after(position).limit(limit));
          long total = store.count(query);
          String next = rows.size() == limit ? nextCursor(store, query, rows) : null;
          if (json) {
            ObjectNode page = JSON.createObjectNode();
            page.put("total", total);
            ArrayNode timers = page.putArray("timers");
            rows.forEach(r -> timers.add(TimerJson.of(r, false)));
            page.put("next", next);
            printJson(page);
          } else {
            printTable(rows);
            out()
                .printf(
                    "%d of %d matching timers shown%s%n",
                    rows.size(), total, position == null ? "" : " (after " + after + ")");
            if (next != null) {
              out().println("next page: --after " + next);
            }
          }
          return 0;
        });
  }

  /** The cursor of the next page, or null when the last row shown is the last match. */
  private static String nextCursor(
      io.persistenttimers.spi.Store store, TimerQuery query, List<TimerRecord> rows) {
    TimerQuery.Position last = TimerQuery.Position.of(rows.get(rows.size() - 1));
    return store.list(query.after(last).limit(1)).isEmpty() ? null : Cursor.format(last);
  }

  private void printTable(List<TimerRecord> rows) {
    TextTable table =
        new TextTable(
            "ID",
            "PARTICIPANT",
            "FLOW TYPE",
            "CALLBACK TYPE",
            "KIND",
            "STATUS",
            "DUE (UTC)",
            "ATTEMPTS",
            "LAST ERROR");
    for (TimerRecord r : rows) {
      table.add(
          r.id(),
          r.participantId(),
          r.flowType(),
          r.callbackType(),
          r.kind().name(),
          r.status().name(),
          // A FAILED or QUARANTINED timer does not fire until released.
          r.status() == TimerStatus.ACTIVE ? Times.format(r.nextFireAt()) : "on release",
          String.valueOf(r.attempt()),
          TimerJson.errorType(r.lastError()));
    }
    table.print(out());
  }
}
