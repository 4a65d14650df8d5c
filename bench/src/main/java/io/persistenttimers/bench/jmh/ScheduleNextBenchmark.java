package io.persistenttimers.bench.jmh;

import io.persistenttimers.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** {@code Schedule.next} for each kind of schedule: the cost of every recurring advance. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ScheduleNextBenchmark {

  private Schedule weekdays;
  private Schedule calendarSparse;
  private Schedule cron;
  private Schedule interval;
  private Instant from;
  private long step;

  @Setup
  public void setUp() {
    ZoneId zone = ZoneId.of("America/Sao_Paulo");
    weekdays = Schedule.weekdays(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata"));
    // The 31st at 23:59 only in months that have it: the calendar search skips far.
    calendarSparse = Schedule.calendar(zone).daysOfMonth(31).hours(23).minutes(59).build();
    cron = Schedule.cron("*/15 9-17 * * MON-FRI", zone);
    interval = Schedule.every(Duration.ofMinutes(7), Instant.parse("2024-01-01T00:00:00Z"));
    from = Instant.parse("2025-03-01T10:17:00Z");
  }

  /** A moving start instant so no call is answered from a cache of the last one. */
  private Instant next() {
    step = (step + 7_919) % 5_000_000;
    return from.plusSeconds(step);
  }

  @Benchmark
  public Object calendarWeekdays() {
    return weekdays.next(next());
  }

  @Benchmark
  public Object calendarSparse() {
    return calendarSparse.next(next());
  }

  @Benchmark
  public Object cron() {
    return cron.next(next());
  }

  @Benchmark
  public Object interval() {
    return interval.next(next());
  }
}
