package io.persistenttimers.store.mariadb;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * One node of {@link MariaDbMultiNodeIT}, run in a JVM of its own:
 *
 * <pre>MariaDbNodeMain &lt;database&gt; &lt;nodeId&gt; &lt;journal&gt; [clock offset ms]</pre>
 *
 * <p>Runs a {@link PersistentTimer} in multi-node mode over a {@link MariaDbStore} (own small pool;
 * no notifications, so nodes find new timers by polling) with one callback type, {@value #TYPE},
 * that appends {@code <nodeId> <timerId> <dueAt ms> <firedAt ms> start|end <version>} to the
 * journal and forces it to disk before and after the "run": the test's independent witness of what
 * fired where. {@code firedAt} is the real wall clock (not the node's possibly skewed one). Prints
 * {@code READY} once started; closes cleanly when a line {@code stop} (or end of input) arrives on
 * stdin; answers a line {@code stats} with {@code STATS armed=N running=M}. Settings come from
 * system properties {@code pt.lease}, {@code pt.poll}, {@code pt.claimAhead} (milliseconds), {@code
 * pt.claimBatch}, {@code pt.workers} (worker threads, default 16) and {@code pt.callbackMillis}
 * (how long each run lasts between its start and end lines, default 0); {@code
 * -Dpt.singleNode=true} runs the timer in single-node mode instead.
 */
public final class MariaDbNodeMain {
  static final String TYPE = "journal";

  private MariaDbNodeMain() {}

  public static void main(String[] args) throws Exception {
    String database = args[0];
    String nodeId = args[1];
    Path journalPath = Path.of(args[2]);
    long offsetMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
    Duration lease = Duration.ofMillis(Long.getLong("pt.lease", 5000));
    Duration poll = Duration.ofMillis(Long.getLong("pt.poll", 500));
    Duration claimAhead = Duration.ofMillis(Long.getLong("pt.claimAhead", 2000));
    int claimBatch = Integer.getInteger("pt.claimBatch", 100);
    int workers = Integer.getInteger("pt.workers", 16);
    long callbackMillis = Long.getLong("pt.callbackMillis", 0);

    InstantSource system = InstantSource.system();
    InstantSource clock =
        offsetMillis == 0 ? system : () -> system.instant().plusMillis(offsetMillis);

    try (FileChannel journal =
            FileChannel.open(
                journalPath,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        MariaDbStore store =
            MariaDbStore.builder(MariaDbTestSupport.url(database))
                .user(MariaDbTestSupport.USER)
                .password(MariaDbTestSupport.PASSWORD)
                .poolSize(4)
                .migrate(false)
                .build()) {
      PersistentTimer.Builder builder =
          PersistentTimer.builder(store).clock(clock).workerThreads(workers);
      if (!Boolean.getBoolean("pt.singleNode")) {
        builder.multiNode(
            MultiNode.of(nodeId)
                .lease(lease)
                .pollInterval(poll)
                .claimAhead(claimAhead)
                .claimBatch(claimBatch)
                .notifications(false));
      }
      PersistentTimer timer =
          builder
              .register(
                  TYPE,
                  CallbackFactory.of(
                      ctx -> {
                        append(journal, line(nodeId, ctx, "start"));
                        if (callbackMillis > 0) {
                          Thread.sleep(callbackMillis);
                        }
                        append(journal, line(nodeId, ctx, "end"));
                      }))
              .build();
      timer.start();
      System.out.println("READY");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String command;
      while ((command = in.readLine()) != null && !command.trim().equals("stop")) {
        if (command.trim().equals("stats")) {
          TimerStats stats = timer.stats();
          System.out.println("STATS armed=" + stats.armed() + " running=" + stats.running());
          System.out.flush();
        }
      }
      timer.close();
      System.out.println("CLOSED");
      System.out.flush();
    }
  }

  private static String line(String nodeId, TimerContext ctx, String what) {
    return nodeId
        + " "
        + ctx.timerId()
        + " "
        + ctx.dueAt().toEpochMilli()
        + " "
        + Instant.now().toEpochMilli()
        + " "
        + what
        + " "
        + ctx.timer().version()
        + "\n";
  }

  /** One line, on disk before the callback goes on (per-node file: no interleaving). */
  private static synchronized void append(FileChannel journal, String line) {
    try {
      ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        journal.write(bytes);
      }
      journal.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
