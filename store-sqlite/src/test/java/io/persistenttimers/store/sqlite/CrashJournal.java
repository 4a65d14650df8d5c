package io.persistenttimers.store.sqlite;

import io.persistenttimers.TimerContext;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The crash tests' independent witness: an append-only file of callback runs, one line per phase,
 * each forced to disk before the callback goes on. Written by child JVMs, read by the test.
 *
 * <p>Line: {@code phase id dueAtMillis attempt generation firedAtMillis}, phase {@code start} or
 * {@code end}.
 */
final class CrashJournal implements AutoCloseable {

  record Run(String phase, String id, Instant dueAt, int attempt, int generation, Instant firedAt) {
    boolean isStart() {
      return phase.equals("start");
    }

    boolean isEnd() {
      return phase.equals("end");
    }
  }

  private final FileChannel channel;
  private final int generation;

  private CrashJournal(FileChannel channel, int generation) {
    this.channel = channel;
    this.generation = generation;
  }

  /**
   * Opens {@code file} for appending. A line cut short by a kill of the previous writer is ended
   * first, so it stays one malformed line (skipped by {@link #read}) and does not swallow ours.
   */
  static CrashJournal openForAppend(Path file, int generation) throws IOException {
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    long size = channel.size();
    if (size > 0) {
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        raf.seek(size - 1);
        if (raf.read() != '\n') {
          channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
          channel.force(false);
        }
      }
    }
    return new CrashJournal(channel, generation);
  }

  void record(String phase, TimerContext ctx) throws IOException {
    String line =
        phase
            + ' '
            + ctx.timerId()
            + ' '
            + ctx.dueAt().toEpochMilli()
            + ' '
            + ctx.attempt()
            + ' '
            + generation
            + ' '
            + ctx.firedAt().toEpochMilli()
            + '\n';
    ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    synchronized (this) {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Every well-formed line of {@code file}, in file order; a torn line is skipped. */
  static List<Run> read(Path file) throws IOException {
    List<Run> runs = new ArrayList<>();
    if (!Files.exists(file)) {
      return runs;
    }
    byte[] content = Files.readAllBytes(file);
    int lineStart = 0;
    for (int i = 0; i < content.length; i++) {
      if (content[i] == '\n') {
        parse(new String(content, lineStart, i - lineStart, StandardCharsets.UTF_8))
            .ifPresent(runs::add);
        lineStart = i + 1;
      }
    }
    return runs;
  }

  private static Optional<Run> parse(String line) {
    String[] f = line.split(" ");
    if (f.length != 6 || !(f[0].equals("start") || f[0].equals("end"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Run(
              f[0],
              f[1],
              Instant.ofEpochMilli(Long.parseLong(f[2])),
              Integer.parseInt(f[3]),
              Integer.parseInt(f[4]),
              Instant.ofEpochMilli(Long.parseLong(f[5]))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
