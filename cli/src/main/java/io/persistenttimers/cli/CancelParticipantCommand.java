package io.persistenttimers.cli;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pt cancel-participant}: deletes every timer of a participant. */
@Command(
    name = "cancel-participant",
    mixinStandardHelpOptions = true,
    description = {
      "Delete every timer of a participant.",
      "With --flow-type, only that flow type's timers.",
      "With --dry-run, list what would be deleted and delete nothing."
    },
    footer = "Exit code 1 when the participant has no such timers.")
final class CancelParticipantCommand extends StoreCommand {

  static final int DRY_RUN_SHOWN = 100;

  @Parameters(paramLabel = "<participant>", description = "The participant id.")
  String participant;

  @Option(names = "--flow-type", paramLabel = "<type>", description = "Only this flow type.")
  String flowType;

  @Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (participant.isBlank()) {
      throw new Failure(Failure.BAD_ARGUMENTS, "<participant> must not be blank");
    }
    String who =
        "participant '"
            + TextTable.visible(participant)
            + "'"
            + (flowType == null ? "" : " in flow type '" + TextTable.visible(flowType) + "'");
    return withStore(
        store -> {
          if (dryRun) {
            TimerQuery query = TimerQuery.all().participant(participant).flowType(flowType);
            long count = store.count(query);
            if (count == 0) {
              throw new Failure(Failure.NOT_FOUND, "no timers for " + who);
            }
            List<TimerRecord> shown = store.list(query.limit(DRY_RUN_SHOWN));
            shown.forEach(r -> out().println("would cancel " + TextTable.visible(r.id())));
            if (count > shown.size()) {
              out().printf("... and %d more%n", count - shown.size());
            }
            out().printf("dry run: %d timers would be cancelled for %s%n", count, who);
            return 0;
          }
          List<String> ids =
              store.remove(TimerQuery.all().participant(participant).flowType(flowType));
          if (ids.isEmpty()) {
            throw new Failure(Failure.NOT_FOUND, "no timers for " + who);
          }
          ids.forEach(id -> out().println("cancelled " + TextTable.visible(id)));
          out().printf("%d timers cancelled for %s%n", ids.size(), who);
          return 0;
        });
  }
}
