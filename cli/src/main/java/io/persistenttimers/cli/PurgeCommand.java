package io.persistenttimers.cli;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerStatus;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pt purge}: deletes expired timers and old failures. */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    description = {
      "Delete expired timers and old failures.",
      "Expired: past their expiry. Old failures: FAILED longer ago than a duration.",
      "Give --expired, --failed-older-than, or both.",
      "Deleting nothing is not an error (exit 0).",
      "With --dry-run, count what would be deleted and delete nothing."
    })
final class PurgeCommand extends StoreCommand {

  /** Below this, a purge would delete failures nobody had a chance to look at. */
  static final Duration MIN_FAILED_AGE = Duration.ofHours(1);

  @Option(names = "--expired", description = "Delete timers whose expiry has passed.")
  boolean expired;

  @Option(
      names = "--failed-older-than",
      paramLabel = "<duration>",
      converter = Durations.class,
      description =
          "Delete FAILED timers last changed longer ago than this (at least 1h): 7d, 36h, P7D.")
  Duration failedOlderThan;

  @Option(names = "--dry-run", description = "Count what would be deleted; delete nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (!expired && failedOlderThan == null) {
      throw new Failure(
          Failure.BAD_ARGUMENTS, "purge needs --expired and/or --failed-older-than <duration>");
    }
    if (failedOlderThan != null && failedOlderThan.compareTo(MIN_FAILED_AGE) < 0) {
      throw new Failure(
          Failure.BAD_ARGUMENTS,
          "--failed-older-than must be at least 1h, not "
              + Durations.human(failedOlderThan)
              + ": a shorter one deletes failures before anyone could look at them"
              + " (use 'cancel <id>' for one timer)");
    }
    Instant now = now();
    String verb = dryRun ? "would be deleted (dry run)" : "deleted";
    return withStore(
        store -> {
          if (expired) {
            long n =
                dryRun
                    ? store.count(TimerQuery.all().expiredBy(now))
                    : store.purge(now, null).expired();
            out().printf("%d expired timers %s%n", n, verb);
          }
          if (failedOlderThan != null) {
            Instant cutoff = now.minus(failedOlderThan);
            long n =
                dryRun
                    ? store.count(TimerQuery.all().status(TimerStatus.FAILED).updatedBefore(cutoff))
                    : store.purge(null, cutoff).failed();
            out()
                .printf(
                    "%d timers failed longer than %s ago %s%n",
                    n, Durations.human(failedOlderThan), verb);
          }
          return 0;
        });
  }
}
