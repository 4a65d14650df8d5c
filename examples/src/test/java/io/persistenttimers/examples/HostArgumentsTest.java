package io.persistenttimers.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The host's refusals of bad arguments: one line on stderr and exit 2, never a stack trace. */
class HostArgumentsTest {

  @TempDir Path dir;

  @Test
  void aDatabaseInADirectoryThatDoesNotExist_isOneLineAndExitTwo() {
    CommandLine cli = Main.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    Path db = dir.resolve("nonexistent/dir/x.db");

    int exit = cli.execute("host", "--db", db.toString(), "--run-for", "1s");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: cannot create the demo database " + db + ": the directory ")
        .contains("does not exist")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(Files.exists(dir.resolve("nonexistent"))).isFalse();
  }

  @Test
  void theHostSummaryInTheCommandListIsAWholeSentence() {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.execute("--help");
    assertThat(out.toString()).contains("  host  Run the demo host for three participants.\n");
  }
}
