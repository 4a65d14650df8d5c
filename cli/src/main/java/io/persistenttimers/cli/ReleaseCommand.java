package io.persistenttimers.cli;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pt release}: runs a FAILED or QUARANTINED timer again, through the library's own {@code
 * release(id)} on a timer that is never started (so it takes no engine lock and fires nothing here:
 * the host that owns the store fires it).
 */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description = {
      "Run a FAILED or QUARANTINED timer again.",
      "It becomes ACTIVE with a fresh attempt count.",
      "It is due at once (or at its due time, if that is still ahead),",
      "and a running host fires it."
    },
    footer = "Exit code 1 when there is no such timer or it is already active.")
final class ReleaseCommand extends StoreCommand {

  @Parameters(paramLabel = "<id>", description = "The timer id.")
  String id;

  @Override
  public Integer call() {
    return withStore(
        store -> {
          TimerRecord before = existing(store, id);
          if (before.status() == TimerStatus.ACTIVE) {
            throw new Failure(
                Failure.NOT_FOUND,
                "timer '" + TextTable.visible(id) + "' is ACTIVE already; nothing to release");
          }
          boolean released;
          try (PersistentTimer timer = PersistentTimer.builder(store).build()) {
            released = timer.release(id);
          }
          if (!released) {
            throw new Failure(
                Failure.NOT_FOUND,
                "timer '" + TextTable.visible(id) + "' was cancelled or released meanwhile");
          }
          TimerRecord after = store.get(id).orElseThrow();
          out()
              .println(
                  TextTable.visible(
                      "released "
                          + id
                          + " (was "
                          + before.status()
                          + " after "
                          + before.attempt()
                          + " failed attempts); due "
                          + Times.format(after.nextFireAt())));
          return 0;
        });
  }
}
