package io.persistenttimers.examples;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JVM running {@link Main} with this test's class path. Its output (stdout and stderr merged) is
 * read line by line on a thread of its own; tests wait for a line with a deadline, never sleep.
 */
final class ChildProcess implements AutoCloseable {

  private static final String END = "\u0000end-of-output";

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private ChildProcess(Process process) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("[reader failed: " + e + "]");
              } finally {
                lines.add(END);
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code Main} with {@code args} in {@code workDir}. */
  static ChildProcess start(Path workDir, String... args) throws IOException {
    return startMain(workDir, Main.class, args);
  }

  /** Starts the {@code main} of {@code mainClass} with {@code args} in {@code workDir}. */
  static ChildProcess startMain(Path workDir, Class<?> mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.directory(workDir.toFile());
    return new ChildProcess(builder.start());
  }

  /**
   * Runs {@code Main} to completion (at most {@code timeout}) and returns its exit code and output.
   */
  static Result run(Path workDir, Duration timeout, String... args) throws Exception {
    try (ChildProcess child = start(workDir, args)) {
      return child.awaitExit(timeout);
    }
  }

  /**
   * Waits for the first line matching {@code marker}; fails with the output so far at the deadline.
   */
  String awaitLine(Predicate<String> marker, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        fail("no matching line within " + timeout + "; output so far:\n" + String.join("\n", seen));
      }
      if (line.equals(END)) {
        lines.add(END);
        fail("the process ended without a matching line; output:\n" + String.join("\n", seen));
      }
      seen.add(line);
      if (marker.test(line)) {
        return line;
      }
    }
  }

  /** Reads the rest of the output and waits for the exit, at most {@code timeout}. */
  Result awaitExit(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        process.destroyForcibly();
        fail("the process did not end within " + timeout + "; output:\n" + String.join("\n", seen));
      }
      if (line.equals(END)) {
        break;
      }
      seen.add(line);
    }
    if (!process.waitFor(
        Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("the process closed its output but did not exit; output:\n" + String.join("\n", seen));
    }
    return new Result(process.exitValue(), List.copyOf(seen));
  }

  /** Kills the process as a crash would (SIGKILL: no shutdown hooks run). */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /** Exit code and every output line. */
  record Result(int exitCode, List<String> lines) {
    String output() {
      return String.join("\n", lines);
    }
  }
}
