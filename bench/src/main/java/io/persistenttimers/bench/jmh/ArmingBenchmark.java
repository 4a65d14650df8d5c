package io.persistenttimers.bench.jmh;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.DelayScheduler;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.store.memory.MemoryStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process part of scheduling: validating a spec into a {@code TimerRecord}, and a whole
 * {@code scheduleAfter} on a {@link MemoryStore} with a scheduler that never runs anything (so the
 * cost is validation, group commit, the store insert and arming, without I/O or threads).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Thread)
public class ArmingBenchmark {
  private static final String PARAMS = "{\"text\":\"How did it go?\",\"step\":3}";

  private PersistentTimer timer;
  private long n;

  /** A fresh store and engine each iteration, so the store does not grow across the run. */
  @Setup(Level.Iteration)
  public void setUp() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    DelayScheduler never = (task, delay) -> () -> {};
    timer =
        PersistentTimer.builder(new MemoryStore())
            .scheduler(never)
            .workers(Runnable::run)
            .register("reminder", CallbackFactory.of(ctx -> {}))
            .build();
    timer.start();
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    timer.close();
  }

  private TimerSpec spec() {
    return TimerSpec.of("reminder", "participant-" + (n++ % 1000))
        .flowType("bench_flow")
        .params(PARAMS);
  }

  /** Spec validation and record creation only (what {@code prepareAfter} does). */
  @Benchmark
  public Object prepareAfter() {
    return timer.prepareAfter(Duration.ofMinutes(1), spec());
  }

  /** Stored and armed: due in a minute, inside the default five-minute horizon. */
  @Benchmark
  public Object scheduleAfterArmed() {
    return timer.scheduleAfter(Duration.ofMinutes(1), spec());
  }

  /** Stored, not armed: due in an hour, beyond the horizon. */
  @Benchmark
  public Object scheduleAfterBeyondHorizon() {
    return timer.scheduleAfter(Duration.ofHours(1), spec());
  }
}
