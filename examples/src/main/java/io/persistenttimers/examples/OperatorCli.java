package io.persistenttimers.examples;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Store;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operator commands. They use only the {@link Store} API — no engine is started and no callback
 * needs to be registered — so they work on timers of any type, also while a host runs (a host
 * re-reads a timer before it fires, so a timer cancelled here does not fire there).
 *
 * <p>"Now" is the wall clock, or the demo's simulated time when a demo clock file lies beside the
 * database (see {@link SimulatedClock}).
 */
final class OperatorCli {

  private OperatorCli() {}

  /** What every operator command shares: the store options and a way to print. */
  abstract static class StoreCommand implements Callable<Integer> {
    @Mixin StoreOptions storeOptions;
    @Spec CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    Clock clock() {
      Optional<SimulatedClock> demo = SimulatedClock.read(storeOptions.clockFile());
      return demo.<Clock>map(c -> c).orElse(Clock.systemUTC());
    }

    <T> T withStore(Function<Store, T> action) {
      try (Store store = storeOptions.open(true, clock())) {
        return action.apply(store);
      }
    }

    String nowSource() {
      return SimulatedClock.read(storeOptions.clockFile()).isPresent()
          ? "demo clock " + storeOptions.clockFile().getFileName()
          : "wall clock";
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List stored timers, due first. Params are not shown; use 'show <id>'.")
  static final class ListCommand extends StoreCommand {
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
        description = "Only this status: ${COMPLETION-CANDIDATES} (case-insensitive).")
    TimerStatus status;

    @Option(
        names = "--limit",
        paramLabel = "<n>",
        defaultValue = "50",
        description = "At most this many rows (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new Failure(Failure.BAD_ARGUMENTS, "--limit must be >= 1: " + limit);
      }
      TimerQuery query =
          TimerQuery.all()
              .participant(participant)
              .flowType(flowType)
              .callbackType(callbackType)
              .status(status);
      return withStore(
          store -> {
            List<TimerRecord> rows = store.list(query.limit(limit));
            long total = store.count(query);
            String format = "%-40s %-20s %-26s %-18s %-9s %-11s %s%n";
            out()
                .printf(
                    format,
                    "ID",
                    "PARTICIPANT",
                    "FLOW TYPE",
                    "CALLBACK TYPE",
                    "KIND",
                    "STATUS",
                    "NEXT FIRE (UTC)");
            for (TimerRecord r : rows) {
              out()
                  .printf(
                      format,
                      r.id(),
                      r.participantId(),
                      r.flowType(),
                      r.callbackType(),
                      r.kind(),
                      r.status(),
                      r.nextFireAt());
            }
            out().printf("%d of %d matching timers shown%n", rows.size(), total);
            return 0;
          });
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Show every field of one timer.",
        "NOTE: this prints the callback params, which may hold personal data (names, phone",
        "numbers). It is an operator tool; mind where its output goes."
      },
      footer = "Exit code 1 when there is no timer with that id.")
  static final class ShowCommand extends StoreCommand {
    @Parameters(paramLabel = "<id>", description = "The timer id.")
    String id;

    @Override
    public Integer call() {
      return withStore(
          store -> {
            Optional<TimerRecord> found = store.get(id);
            if (found.isEmpty()) {
              throw new Failure(Failure.NOT_FOUND, "no timer with id '" + id + "'");
            }
            TimerRecord r = found.get();
            PrintWriter o = out();
            field(o, "id", r.id());
            field(o, "participantId", r.participantId());
            field(o, "flowType", r.flowType());
            field(o, "callbackType", r.callbackType());
            field(o, "kind", r.kind());
            field(o, "schedule", r.schedule() == null ? null : r.schedule().toJson());
            field(o, "nextFireAt", r.nextFireAt());
            field(o, "expiresAt", r.expiresAt());
            field(o, "status", r.status());
            field(o, "attempt", r.attempt());
            field(o, "lastError", r.lastError());
            field(o, "lastFiredAt", r.lastFiredAt());
            field(o, "stateType", r.stateType());
            field(o, "dataKey", r.dataKey());
            field(o, "retryPolicy", r.retryPolicy() == null ? null : r.retryPolicy().toJson());
            field(o, "overduePolicy", r.overduePolicy());
            field(o, "payloadVersion", r.payloadVersion());
            field(o, "params", r.params());
            field(o, "version", r.version());
            field(o, "createdAt", r.createdAt());
            field(o, "updatedAt", r.updatedAt());
            return 0;
          });
    }

    private static void field(PrintWriter out, String name, Object value) {
      out.printf("%-15s %s%n", name + ":", value == null ? "-" : value);
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Delete one timer, whatever its status. A running host does not fire it.",
      footer = "Exit code 1 when there is no timer with that id.")
  static final class CancelCommand extends StoreCommand {
    @Parameters(paramLabel = "<id>", description = "The timer id.")
    String id;

    @Override
    public Integer call() {
      return withStore(
          store -> {
            // Read first only to say what is cancelled; the removal itself is by id, whatever the
            // timer became meanwhile (or a row that cannot be read as a timer).
            Optional<TimerRecord> found = store.get(id);
            if (store.remove(TimerQuery.all().id(id)).isEmpty()) {
              throw new Failure(Failure.NOT_FOUND, "no timer with id '" + id + "'");
            }
            out()
                .println(
                    found
                        .map(
                            r ->
                                String.format(
                                    "cancelled %s (%s for %s, was due %s)",
                                    r.id(), r.callbackType(), r.participantId(), r.nextFireAt()))
                        .orElse("cancelled " + id + " (a row that could not be read)"));
            return 0;
          });
    }
  }

  @Command(
      name = "cancel-participant",
      mixinStandardHelpOptions = true,
      description = "Delete every timer of a participant (of one flow type with --flow-type).",
      footer = "Exit code 1 when the participant had no such timers.")
  static final class CancelParticipantCommand extends StoreCommand {
    @Parameters(paramLabel = "<participant>", description = "The participant id.")
    String participant;

    @Option(names = "--flow-type", paramLabel = "<type>", description = "Only this flow type.")
    String flowType;

    @Override
    public Integer call() {
      return withStore(
          store -> {
            List<String> ids =
                store.remove(TimerQuery.all().participant(participant).flowType(flowType));
            if (ids.isEmpty()) {
              throw new Failure(
                  Failure.NOT_FOUND,
                  "no timers for participant '"
                      + participant
                      + "'"
                      + (flowType == null ? "" : " in flow type '" + flowType + "'"));
            }
            ids.forEach(id -> out().println("cancelled " + id));
            out().printf("%d timers cancelled for %s%n", ids.size(), participant);
            return 0;
          });
    }
  }

  @Command(
      name = "purge",
      mixinStandardHelpOptions = true,
      description = {
        "Delete expired timers and/or FAILED timers last changed before a cutoff.",
        "Give --expired, --failed-older-than, or both. Deleting nothing is not an error (exit 0)."
      })
  static final class PurgeCommand extends StoreCommand {
    @Option(names = "--expired", description = "Delete timers whose expiresAt has passed.")
    boolean expired;

    @Option(
        names = "--failed-older-than",
        paramLabel = "<duration>",
        converter = Durations.class,
        description =
            "Delete FAILED timers last updated longer ago than this: 7d, 12h, 30m, PT36H...")
    Duration failedOlderThan;

    @Override
    public Integer call() {
      if (!expired && failedOlderThan == null) {
        throw new Failure(
            Failure.BAD_ARGUMENTS, "purge needs --expired and/or --failed-older-than <duration>");
      }
      Instant now = clock().instant();
      return withStore(
          store -> {
            Store.Purged purged =
                store.purge(
                    expired ? now : null,
                    failedOlderThan == null ? null : now.minus(failedOlderThan));
            if (expired) {
              out().printf("%d expired timers deleted%n", purged.expired());
            }
            if (failedOlderThan != null) {
              out()
                  .printf(
                      "%d failed timers older than %s deleted%n", purged.failed(), failedOlderThan);
            }
            return 0;
          });
    }
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description = "Counts from the store: pending, overdue (count and lag), failed, quarantined.")
  static final class StatsCommand extends StoreCommand {
    static final int OVERDUE_COUNT_CAP = 100_000;

    @Override
    public Integer call() {
      Instant now = clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      return withStore(
          store -> {
            long pending = store.count(TimerQuery.all().status(TimerStatus.ACTIVE));
            long failed = store.count(TimerQuery.all().status(TimerStatus.FAILED));
            long quarantined = store.count(TimerQuery.all().status(TimerStatus.QUARANTINED));
            int overdue =
                store
                    .list(
                        TimerQuery.all()
                            .status(TimerStatus.ACTIVE)
                            .dueBefore(now)
                            .limit(OVERDUE_COUNT_CAP))
                    .size();
            Optional<TimerRecord> oldest =
                store.list(TimerQuery.all().status(TimerStatus.ACTIVE).limit(1)).stream()
                    .findFirst();
            Duration lag =
                oldest
                    .map(r -> Duration.between(r.nextFireAt(), now))
                    .filter(d -> !d.isNegative() && !d.isZero())
                    .orElse(Duration.ZERO);
            PrintWriter o = out();
            o.printf("store:        %s%n", storeOptions.describe());
            o.printf("now:          %s (%s)%n", now, nowSource());
            o.printf("pending:      %d%n", pending);
            o.printf(
                "overdue:      %s%s%n", overdue == OVERDUE_COUNT_CAP ? "at least " : "", overdue);
            o.printf(
                "overdue lag:  %s%s%n",
                lag,
                oldest
                    .map(r -> " (oldest pending: " + r.id() + ", due " + r.nextFireAt() + ")")
                    .orElse(""));
            o.printf("failed:       %d%n", failed);
            o.printf("quarantined:  %d%n", quarantined);
            return 0;
          });
    }
  }
}
