package io.persistenttimers.cli;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.admin.ScheduleText;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pt show}: every field of one timer. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = {
      "Show every field of one timer.",
      "A recurring timer's next three occurrences follow its due time.",
      "Params and the last error's message may hold personal data:",
      "they are shown only with --reveal."
    },
    footer = "Exit code 1 when there is no timer with that id.")
final class ShowCommand extends StoreCommand {

  @Parameters(paramLabel = "<id>", description = "The timer id.")
  String id;

  @Option(
      names = "--reveal",
      description = "Also print the params and the last error's message (may be personal data).")
  boolean reveal;

  @Option(names = "--json", description = "Print JSON for scripts.")
  boolean json;

  @Override
  public Integer call() {
    return withStore(
        store -> {
          TimerRecord r = existing(store, id);
          if (json) {
            printJson(TimerJson.of(r, reveal));
          } else {
            print(r);
          }
          return 0;
        });
  }

  private void print(TimerRecord r) {
    PrintWriter o = out();
    field(o, "id", r.id());
    field(o, "participant", r.participantId());
    field(o, "flow type", r.flowType());
    field(o, "callback type", r.callbackType());
    field(o, "kind", r.kind().name());
    field(o, "status", r.status().name());
    field(
        o,
        "due",
        Times.format(r.nextFireAt())
            + (r.status() == TimerStatus.ACTIVE ? "" : " (fires only once released)"));
    if (r.schedule() != null) {
      ZoneId zone = r.schedule().zone();
      field(o, "schedule", ScheduleText.describe(r.schedule()));
      List<Instant> next = ScheduleText.next(r.schedule(), r.nextFireAt(), 3);
      for (Instant at : next) {
        field(
            o,
            "then",
            Times.format(at) + " (" + at.atZone(zone).toLocalDateTime() + " " + zone + ")");
      }
    }
    field(o, "attempts failed", String.valueOf(r.attempt()));
    field(
        o,
        "last error",
        reveal || r.lastError() == null
            ? r.lastError()
            : TimerJson.errorType(r.lastError()) + hidden(r.lastError()));
    field(o, "expires", Times.format(r.expiresAt()));
    field(o, "last fired", Times.format(r.lastFiredAt()));
    field(o, "state type", r.stateType());
    field(o, "data key", r.dataKey());
    field(
        o,
        "overdue policy",
        r.overduePolicy() == null ? "engine default" : r.overduePolicy().name());
    field(o, "retry policy", r.retryPolicy() == null ? "engine default" : r.retryPolicy().toJson());
    field(o, "payload version", String.valueOf(r.payloadVersion()));
    field(o, "params", reveal ? r.params() : "(hidden; --reveal shows them)");
    field(o, "version", String.valueOf(r.version()));
    field(o, "created", Times.format(r.createdAt()));
    field(o, "updated", Times.format(r.updatedAt()));
  }

  private static String hidden(String lastError) {
    return lastError == null || lastError.indexOf(':') < 0 ? "" : ": (message hidden; --reveal)";
  }

  private static void field(PrintWriter out, String name, String value) {
    out.printf("%-16s %s%n", name + ":", TextTable.visible(value));
  }
}
