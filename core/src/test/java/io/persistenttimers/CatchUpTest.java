package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import io.persistenttimers.testkit.FakeStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery and catch-up cost: what the engine read or wrote moments ago fires without being read
 * once more, while every run still fires in order, once, and a cancel stays final.
 */
class CatchUpTest {
  static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  /** The fake store, counting the reads that fetch timers by id (the re-read before a run). */
  static final class CountingStore implements Store {
    final FakeStore delegate = new FakeStore();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writeCalls = new AtomicInteger();

    /** Runs once inside the next list, after its rows were read: what happens meanwhile. */
    volatile Runnable duringNextList;

    @Override
    public Map<String, TimerRecord> getAll(Collection<String> ids) {
      reads.incrementAndGet();
      return delegate.getAll(ids);
    }

    @Override
    public List<TimerRecord> list(TimerQuery query) {
      List<TimerRecord> rows = delegate.list(query);
      Runnable meanwhile = duringNextList;
      if (meanwhile != null) {
        duringNextList = null;
        meanwhile.run();
      }
      return rows;
    }

    @Override
    public long count(TimerQuery query) {
      return delegate.count(query);
    }

    @Override
    public List<Boolean> writeAll(List<Write> writes) {
      writeCalls.incrementAndGet();
      return delegate.writeAll(writes);
    }

    @Override
    public List<String> remove(TimerQuery query) {
      return delegate.remove(query);
    }

    @Override
    public Purged purge(Instant expiredAt, Instant failedBefore) {
      return delegate.purge(expiredAt, failedBefore);
    }

    @Override
    public EngineLock lockForEngine(boolean multiNode) {
      return delegate.lockForEngine(multiNode);
    }
  }

  private final CountingStore store = new CountingStore();
  private Harness h;

  private Harness start() {
    h =
        new Harness(
            store,
            START,
            b ->
                b.overdueFiresPerSecond(0)
                    .register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    return h.start();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private void down(java.time.Duration downtime) {
    h.timer.close();
    h.clock.advance(downtime);
    h.restart();
  }

  @Test
  void recoveredOverdueTimers_fireWithoutReadingThemAgain() {
    start();
    List<String> ids = new ArrayList<>();
    // More than the first pages of a load hold: the pages follow one another, none is lost.
    for (int i = 0; i < 700; i++) {
      ids.add(h.timer.scheduleAfter(ofSeconds(1 + i), TimerSpec.of("reminder", "p" + i)).id());
    }
    String later = h.timer.scheduleAfter(ofMinutes(92), TimerSpec.of("reminder", "l")).id();
    down(ofMinutes(90));
    int readsAfterLoad = store.reads.get();

    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(store.reads.get()).isEqualTo(readsAfterLoad);
    assertThat(store.delegate.list(TimerQuery.all()))
        .extracting(TimerRecord::id)
        .containsExactly(later);
    h.advance(ofMinutes(3));
    assertThat(h.firedIds()).hasSize(701).endsWith(later);
  }

  @Test
  void recoveredTimerCancelledBeforeItsWakeUp_doesNotFire() {
    start();
    String kept = h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "a")).id();
    String cancelled = h.timer.scheduleAfter(ofMinutes(2), TimerSpec.of("reminder", "b")).id();
    down(ofMinutes(90));

    assertThat(h.timer.cancel(cancelled)).isTrue();
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly(kept);
  }

  @Test
  void fireNowRecurring_catchesUpEveryMissedRunInOrderOnce_withoutAReReadEach() {
    start();
    h.timer.scheduleRecurring(
        Schedule.every(ofMinutes(1)),
        TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.FIRE_NOW));
    int missed = 500;
    down(ofMinutes(missed).plusSeconds(30));
    int readsAfterLoad = store.reads.get();
    int writesAfterLoad = store.writeCalls.get();

    h.scheduler.runDue();

    List<Instant> expected = new ArrayList<>();
    for (int i = 1; i <= missed; i++) {
      expected.add(START.plus(ofMinutes(i)));
    }
    assertThat(h.runs).extracting(Harness.Run::dueAt).containsExactlyElementsOf(expected);
    // One outcome write per occurrence (what makes each durable) and no re-read between them.
    assertThat(store.reads.get()).isEqualTo(readsAfterLoad);
    assertThat(store.writeCalls.get() - writesAfterLoad).isEqualTo(missed);
    assertThat(store.delegate.list(TimerQuery.all()))
        .singleElement()
        .satisfies(r -> assertThat(r.nextFireAt()).isEqualTo(START.plus(ofMinutes(missed + 1))));
  }

  @Test
  void timerThatFiresWhileALoadReadsIt_doesNotFireAgainFromThatRead() {
    start();
    // Due just after the periodic load at half the horizon (2.5 minutes): it fires while that
    // load's rows are on their way, so the load brings back a record whose run already ended.
    String id =
        h.timer
            .scheduleAfter(ofMinutes(5).dividedBy(2).plusMillis(100), TimerSpec.of("reminder", "p"))
            .id();
    store.duringNextList =
        () -> {
          h.clock.advance(java.time.Duration.ofMillis(100));
          h.scheduler.runDue();
        };
    h.advance(ofMinutes(5).dividedBy(2));
    assertThat(store.duringNextList).isNull();
    assertThat(h.firedIds()).containsExactly(id);
    h.advance(ofSeconds(10));

    assertThat(h.firedIds()).containsExactly(id);
  }
}
