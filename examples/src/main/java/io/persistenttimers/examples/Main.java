package io.persistenttimers.examples;

import io.persistenttimers.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The entry point of the examples: the demo host ({@code host}). The operator commands are the
 * {@code persistent-timers-cli} artifact ({@code pt}).
 *
 * <p>Exit codes: 0 done; 2 bad arguments (picocli's usage errors, a database that cannot be created
 * there); 3 the store failed.
 */
@Command(
    name = "persistent-timers-examples",
    mixinStandardHelpOptions = true,
    version = "Persistent Timers examples 0.1.0",
    description = {
      "A demo host in the seed's domain.",
      "Operate its timers with the operator CLI: java -jar cli/target/pt.jar --help."
    },
    subcommands = {HostCommand.class},
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done",
      "  2  bad arguments (unknown option or value, a database that cannot be created)",
      "  3  the store failed (unreachable, locked, damaged)"
    })
public final class Main implements Runnable {

  static final int STORE_FAILED = 3;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
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
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: host");
  }
}
