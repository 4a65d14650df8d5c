package io.persistenttimers.examples;

import io.persistenttimers.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The one entry point of the examples: the demo host ({@code host}) and the operator CLI ({@code
 * list}, {@code show}, {@code cancel}, {@code cancel-participant}, {@code purge}, {@code stats}).
 *
 * <p>Exit codes: 0 done; 1 nothing found or nothing done (an unknown id, a participant without
 * timers); 2 bad arguments (picocli's usage errors, a missing database file); 3 the store failed.
 */
@Command(
    name = "persistent-timers-examples",
    mixinStandardHelpOptions = true,
    version = "Persistent Timers examples 0.1.0",
    description = "A demo host in the seed's domain and an operator CLI over any timer store.",
    subcommands = {
      HostCommand.class,
      OperatorCli.ListCommand.class,
      OperatorCli.ShowCommand.class,
      OperatorCli.CancelCommand.class,
      OperatorCli.CancelParticipantCommand.class,
      OperatorCli.PurgeCommand.class,
      OperatorCli.StatsCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done",
      "  1  nothing found or nothing done (unknown id, no timers for that participant)",
      "  2  bad arguments (unknown option or value, unreadable duration, missing database)",
      "  3  the store failed (unreachable, locked, damaged)"
    })
public final class Main implements Runnable {

  static final int STORE_FAILED = 3;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    if (args.length == 0 || !args[0].equals("host")) {
      // Operator commands print their own results; keep the library's INFO lines out of them.
      // Read by logback.xml, so it must be set before the first logger is created.
      System.setProperty("persistenttimers.examples.libraryLevel", "WARN");
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests may call {@code execute} on it. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
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
            commandLine.getErr().println("error: the store failed: " + e.getMessage());
            return STORE_FAILED;
          }
          if (e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return Failure.BAD_ARGUMENTS;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing a command (host, list, show, ...)");
  }
}
