package io.persistenttimers.store.sqlite;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test-source {@code main} run in its own JVM with the test classpath, its stdout collected line
 * by line and its stderr (the logs) kept in a file for failure messages.
 */
final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final Thread reader;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the pipe closes when the child is killed
              }
            },
            "child-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code jvmOptions} (e.g. {@code -Duser.timezone=UTC}). */
  static ChildJvm start(Class<?> mainClass, Path log, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Short-lived JVMs: start fast, stay small.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx128m");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new ChildJvm(process, log);
  }

  Process process() {
    return process;
  }

  /** Stdout lines so far. */
  List<String> lines() {
    return List.copyOf(lines);
  }

  /** Waits, polling, until a stdout line matches; fails if the child exits first. */
  String awaitLine(Predicate<String> line, Duration atMost) {
    await("child stdout line")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(2))
        .until(() -> lines.stream().anyMatch(line) || exitedEarly());
    return lines.stream()
        .filter(line)
        .findFirst()
        .orElseThrow(() -> new AssertionError(describe("exited")));
  }

  long count(Predicate<String> line) {
    return lines.stream().filter(line).count();
  }

  private boolean exitedEarly() {
    if (!process.isAlive()) {
      throw new AssertionError(describe("exited with " + process.exitValue()));
    }
    return false;
  }

  void assertAlive() {
    exitedEarly();
  }

  /** Kills the process (SIGKILL) and collects the rest of its stdout. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("child did not die within 20 s of SIGKILL");
    }
    reader.join(TimeUnit.SECONDS.toMillis(20));
  }

  /** Sends {@code line} to the child's stdin. */
  void send(String line) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a clean exit and returns the exit code. */
  int awaitExit(Duration atMost) throws InterruptedException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(describe("did not exit within " + atMost));
    }
    reader.join(TimeUnit.SECONDS.toMillis(20));
    return process.exitValue();
  }

  String describe(String what) {
    String logText;
    try {
      logText = Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      logText = e.toString();
    }
    if (logText.length() > 6000) {
      logText = "..." + logText.substring(logText.length() - 6000);
    }
    return "child " + what + "\nstdout: " + lines + "\nlog " + log + ":\n" + logText;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
