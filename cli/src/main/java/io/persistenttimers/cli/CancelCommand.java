package io.persistenttimers.cli;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pt cancel}: deletes one timer. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = {
      "Delete one timer, whatever its status.",
      "A running host re-reads a timer before it fires, so it does not fire this one."
    },
    footer = "Exit code 1 when there is no timer with that id.")
final class CancelCommand extends StoreCommand {

  @Parameters(paramLabel = "<id>", description = "The timer id.")
  String id;

  @Override
  public Integer call() {
    return withStore(
        store -> {
          // Read first for the message, then remove by id (the store's one removal).
          TimerRecord r =
              store
                  .get(id)
                  .filter(found -> !store.remove(TimerQuery.all().id(id)).isEmpty())
                  .orElseThrow(
                      () ->
                          new Failure(
                              Failure.NOT_FOUND,
                              "no timer with id '" + TextTable.visible(id) + "'"));
          out()
              .println(
                  TextTable.visible(
                      "cancelled "
                          + r.id()
                          + " ("
                          + r.callbackType()
                          + " for "
                          + r.participantId()
                          + ", "
                          + r.status()
                          + ", due "
                          + Times.format(r.nextFireAt())
                          + ")"));
          return 0;
        });
  }
}
