package io.persistenttimers.store.mariadb;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The host process of {@link MariaDbRestartIT}, run in its own JVM and killed by the test.
 *
 * <p>Arguments: {@code jdbcUrl database journal cycle mode seed} where mode is {@code schedule:N}
 * (schedule N timers, then run), {@code run} (run until killed) or {@code final} (run until the
 * store is empty, then exit 0). The journal is the independent witness: {@code ack}, {@code start}
 * and {@code end} lines, each forced to disk before the code goes on.
 */
public final class MariaDbRestartChild {
  private static FileChannel journal;

  private MariaDbRestartChild() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String database = args[1];
    Path journalPath = Path.of(args[2]);
    int cycle = Integer.parseInt(args[3]);
    String mode = args[4];
    long seed = Long.parseLong(args[5]);
    journal =
        FileChannel.open(
            journalPath,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);

    try (MariaDbStore store =
            MariaDbStore.builder(url)
                .database(database)
                .user(MariaDbTestSupport.USER)
                .password(MariaDbTestSupport.PASSWORD)
                .poolSize(3)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .register(
                    "work",
                    record -> {
                      // 50-200 ms of "work", fixed per timer by the seed.
                      long millis = 50 + new Random(seed ^ record.id().hashCode()).nextInt(151);
                      return ctx -> {
                        journal("start", cycle, ctx.timerId());
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
                        journal("end", cycle, ctx.timerId());
                      };
                    })
                .workerThreads(2)
                .build()) {
      timer.start();
      if (mode.startsWith("schedule:")) {
        int n = Integer.parseInt(mode.substring("schedule:".length()));
        Instant base = Instant.now();
        for (int i = 0; i < n; i++) {
          String id = String.format("w-%03d", i);
          timer.scheduleAt(
              base.plusMillis(500 + 20L * i), TimerSpec.of("work", "p-" + (i % 5)).id(id));
          journal("ack", cycle, id);
        }
        journal("scheduled", cycle, Integer.toString(n));
      }
      if (mode.equals("final")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (store.count(TimerQuery.all()) > 0) {
          if (System.nanoTime() > deadline) {
            journal("final-timeout", cycle, Long.toString(store.count(TimerQuery.all())));
            System.exit(2);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        journal("final-done", cycle, "-");
        return;
      }
      new CountDownLatch(1).await(); // until killed
    }
  }

  private static synchronized void journal(String event, int cycle, String id) {
    byte[] line = (event + " " + cycle + " " + id + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        journal.write(buffer);
      }
      journal.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
