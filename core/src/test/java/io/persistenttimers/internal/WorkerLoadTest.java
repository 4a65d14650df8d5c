package io.persistenttimers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.ManualExecutor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The counted workers behind multi-node claims, on a manual ticker and a manual executor. */
class WorkerLoadTest {
  private static final long MS = 1_000_000L;
  private static final long WINDOW = Duration.ofMillis(1_333).toNanos();

  /** What a callback is taken to last until one was timed. */
  private static final long UNTIMED = Duration.ofMillis(500).toNanos();

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final ManualExecutor executor = new ManualExecutor();
  private final WorkerLoad load = new WorkerLoad(executor, 4, now::get);

  /** A task that runs a callback taking {@code millis} by the ticker. */
  private Runnable callback(long millis) {
    return () -> {
      load.callbackStarting();
      now.addAndGet(millis * MS);
    };
  }

  @Test
  void nothingTimedYet_callbacksTakeTheAssumedTime_lessTheBacklog() {
    // 4 workers x 1.333 s / 0.5 s = 10.7
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(10);
    load.execute(() -> {});
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(9);
    executor.runAll();
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(10);
  }

  @Test
  void timedCallbacks_asManyAsTheWorkersStartWithinTheWindow_lessTheBacklog() {
    load.execute(callback(200));
    executor.runAll();
    // 4 workers x 1.333 s / 0.2 s = 26.7
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(26);
    load.execute(() -> {});
    load.execute(() -> {});
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(24);
  }

  @Test
  void aTaskRunningLongerThanTheAverage_countsAtOnce_andTheCallersOwnTaskIsNotBacklog() {
    load.execute(callback(500));
    executor.runAll();
    long[] seen = new long[1];
    load.execute(
        () -> {
          now.addAndGet(2_000 * MS); // this task has run 2 s when it asks
          seen[0] = load.startableWithin(WINDOW, UNTIMED);
        });
    executor.runAll();
    // 4 x 1.333 s / 2 s = 2.7
    assertThat(seen[0]).isEqualTo(2);
  }

  @Test
  void instantCallbacks_boundOnlyByTheCaller() {
    load.execute(callback(0));
    executor.runAll();
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void onlyTasksThatRanACallback_shapeTheAverage() {
    load.execute(callback(400));
    load.execute(() -> now.addAndGet(5_000 * MS)); // a slow store call, not a callback
    executor.runAll();
    // 4 x 1.333 s / 0.4 s = 13.3
    assertThat(load.startableWithin(WINDOW, UNTIMED)).isEqualTo(13);
  }

  @Test
  void stalled_whileTasksWaitAndNoneStartedForTheWindow() {
    assertThat(load.stalled(WINDOW)).isFalse();
    load.execute(() -> {});
    now.addAndGet(WINDOW);
    assertThat(load.stalled(WINDOW)).as("exactly the window").isFalse();
    now.addAndGet(1);
    assertThat(load.stalled(WINDOW)).isTrue();
    executor.runAll();
    assertThat(load.stalled(WINDOW)).as("nothing waits").isFalse();
  }
}
