package io.persistenttimers.cli;

import io.persistenttimers.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code pt}, the operator CLI: look at, cancel, release and purge stored timers on any store, and
 * serve the admin page. Errors are one line on stderr, never a stack trace; the exit code says what
 * happened (see the footer).
 */
@Command(
    name = "pt",
    mixinStandardHelpOptions = true,
    versionProvider = Pt.Version.class,
    description = {
      "Operate Persistent Timers: inspect, cancel, release and purge stored timers.",
      "'pt web' serves the same on an admin web page."
    },
    subcommands = {
      ListCommand.class,
      ShowCommand.class,
      StatsCommand.class,
      CancelCommand.class,
      CancelParticipantCommand.class,
      ReleaseCommand.class,
      PurgeCommand.class,
      WebCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done",
      "  1  nothing found or nothing to do (unknown id, no timers, already active)",
      "  2  bad arguments (unknown option or value, bad duration, no database file)",
      "  3  the store failed (unreachable, locked, damaged)",
      "  4  stats --fail-if-lag: the oldest overdue timer is later than the limit"
    })
public final class Pt implements Runnable {

  @Spec CommandSpec spec;

  private Pt() {}

  /**
   * Runs {@code pt} and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The configured command line, on which tests call {@code execute} in-process.
   *
   * @return a new command line
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Pt());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof Failure f) {
            commandLine.getErr().println("error: " + f.getMessage());
            if (f.exitCode == Failure.BAD_ARGUMENTS) {
              commandLine
                  .getErr()
                  .println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
            }
            return f.exitCode;
          }
          if (e instanceof StoreException) {
            commandLine.getErr().println("error: the store failed: " + oneLine(e.getMessage()));
            return Failure.STORE_FAILED;
          }
          if (e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + oneLine(e.getMessage()));
            return Failure.BAD_ARGUMENTS;
          }
          throw e;
        });
    return cli;
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replace('\n', ' ').replace('\r', ' ');
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing a command: list, show, stats, cancel, release, ...");
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Pt.class.getPackage().getImplementationVersion();
      return new String[] {"pt (Persistent Timers) " + (version == null ? "dev" : version)};
    }
  }
}
