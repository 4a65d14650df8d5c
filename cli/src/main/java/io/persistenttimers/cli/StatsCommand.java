package io.persistenttimers.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.admin.TimerOverview;
import io.persistenttimers.admin.TimerOverview.TimerRef;
import io.persistenttimers.spi.ClaimingStore.LeaseHolder;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pt stats}: the store's counts, for a person or a probe. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Count the stored timers, for a person or a probe.",
      "Pending, overdue and the oldest lag, due soon, retrying, failed, quarantined,",
      "per callback type, and the lease holders of a multi-node store.",
      "Every number is counted by the store; 'now' is this machine's clock."
    },
    footer = {
      "With --fail-if-lag, exit code 4 when the oldest overdue timer is later",
      "than the limit: a probe for monitoring (the counts are printed either way)."
    })
final class StatsCommand extends StoreCommand {

  @Option(names = "--json", description = "Print JSON for scripts.")
  boolean json;

  @Option(
      names = "--fail-if-lag",
      paramLabel = "<duration>",
      converter = Durations.class,
      description = "Exit 4 when the oldest overdue timer is later than this: 5m, 1h, PT90S.")
  Duration failIfLag;

  @Override
  public Integer call() {
    TimerOverview overview = withStore(store -> TimerOverview.of(store, now()));
    if (json) {
      printJson(toJson(overview));
    } else {
      print(overview);
    }
    if (failIfLag != null && overview.oldestLag().compareTo(failIfLag) > 0) {
      err()
          .printf(
              "lag %s is over the limit %s%n",
              Durations.human(overview.oldestLag()), Durations.human(failIfLag));
      return Failure.LAG_OVER_LIMIT;
    }
    return 0;
  }

  private void print(TimerOverview o) {
    PrintWriter p = out();
    p.printf("store:          %s%n", storeOptions.describe());
    p.printf("now:            %s%n", Times.format(o.at()));
    p.printf("timers:         %d%n", o.total());
    p.printf("pending:        %d%n", o.pending());
    p.printf("overdue:        %d%n", o.overdue());
    p.printf(
        "oldest lag:     %s%n",
        o.oldestOverdue() == null
            ? "none"
            : Durations.human(o.oldestLag()) + " (" + ref(o.oldestOverdue()) + ")");
    p.printf("due in 1h:      %d (overdue included)%n", o.dueWithinHour());
    p.printf("due in 24h:     %d (overdue included)%n", o.dueWithinDay());
    p.printf("retrying:       %d%n", o.retrying());
    p.printf("failed:         %d%n", o.failed());
    p.printf(
        "oldest failure: %s%n",
        o.oldestFailure() == null
            ? "none"
            : ref(o.oldestFailure()) + ", failed " + Times.format(o.oldestFailure().updatedAt()));
    p.printf("quarantined:    %d%n", o.quarantined());
    if (!o.byCallbackType().isEmpty()) {
      p.println();
      TextTable types = new TextTable("CALLBACK TYPE", "PENDING", "FAILED", "QUARANTINED");
      o.byCallbackType()
          .forEach(
              (type, c) ->
                  types.add(
                      type,
                      String.valueOf(c.pending()),
                      String.valueOf(c.failed()),
                      String.valueOf(c.quarantined())));
      types.print(p);
    }
    if (!o.leaseHolders().isEmpty()) {
      p.println();
      TextTable leases = new TextTable("LEASE OWNER", "HELD", "EXPIRED");
      for (LeaseHolder h : o.leaseHolders()) {
        leases.add(h.owner(), String.valueOf(h.held()), String.valueOf(h.expired()));
      }
      leases.print(p);
    }
  }

  private static String ref(TimerRef r) {
    return TextTable.visible(r.id())
        + ", "
        + r.callbackType()
        + ", due "
        + Times.format(r.nextFireAt());
  }

  private ObjectNode toJson(TimerOverview o) {
    ObjectNode n = JSON.createObjectNode();
    n.put("store", storeOptions.describe());
    n.put("now", o.at().toString());
    n.put("total", o.total());
    n.put("pending", o.pending());
    n.put("overdue", o.overdue());
    n.put("oldestLagSeconds", o.oldestLag().toMillis() / 1000.0);
    n.set("oldestOverdue", refJson(o.oldestOverdue()));
    n.put("dueWithinHour", o.dueWithinHour());
    n.put("dueWithinDay", o.dueWithinDay());
    n.put("retrying", o.retrying());
    n.put("failed", o.failed());
    n.set("oldestFailure", refJson(o.oldestFailure()));
    n.put("quarantined", o.quarantined());
    ObjectNode types = n.putObject("byCallbackType");
    o.byCallbackType()
        .forEach(
            (type, c) ->
                types
                    .putObject(type)
                    .put("pending", c.pending())
                    .put("failed", c.failed())
                    .put("quarantined", c.quarantined()));
    ArrayNode leases = n.putArray("leaseHolders");
    for (LeaseHolder h : o.leaseHolders()) {
      leases.addObject().put("owner", h.owner()).put("held", h.held()).put("expired", h.expired());
    }
    return n;
  }

  private static ObjectNode refJson(TimerRef r) {
    if (r == null) {
      return null;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("id", r.id());
    n.put("callbackType", r.callbackType());
    n.put("dueAt", r.nextFireAt().toString());
    n.put("updatedAt", r.updatedAt().toString());
    return n;
  }
}
