package io.persistenttimers;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Restart cycles: PersistentTimer instances one after another over the same store. */
class RecoveryTest {
  static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  private final FakeStore store = new FakeStore();
  private Harness h;

  private Harness harness(UnaryOperator<PersistentTimer.Builder> extra) {
    h =
        new Harness(
            store,
            START,
            b ->
                extra.apply(
                    b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx)))));
    return h.start();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /** Stops the engine for {@code downtime}: no timer fires while it is down. */
  private void down(Duration downtime) {
    h.timer.close();
    h.clock.advance(downtime);
    h.restart();
  }

  @Test
  void restartCycles_loseNothing_andFireEachOneShotOnce() {
    harness(b -> b.overdueFiresPerSecond(0));
    List<String> ids = new ArrayList<>();
    Map<String, Instant> due = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      Duration delay = ofMinutes(7L * i + 1);
      String id = h.timer.scheduleAfter(delay, TimerSpec.of("reminder", "p" + (i % 5))).id();
      ids.add(id);
      due.put(id, START.plus(delay));
    }

    for (int cycle = 0; cycle < 10; cycle++) {
      h.advance(ofMinutes(13));
      h.restart();
      h.advance(ofMinutes(7));
      down(ofMinutes(9)); // timers due while down fire right after the restart
      h.scheduler.runDue();
    }
    h.advance(ofHours(6));

    assertThat(h.firedIds()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(store.list()).isEmpty();
    for (Harness.Run run : h.runs) {
      assertThat(run.dueAt()).isEqualTo(due.get(run.id()));
      assertThat(run.firedAt()).isAfterOrEqualTo(run.dueAt());
    }
  }

  @Test
  void overdueOneShot_firesOnceAfterRestart_byDefault() {
    harness(b -> b);
    String id = h.timer.scheduleAfter(ofMinutes(5), TimerSpec.of("reminder", "p")).id();

    down(ofHours(2));
    h.scheduler.runDue();
    h.advance(ofHours(1));

    assertThat(h.runs)
        .containsExactly(new Harness.Run(id, START.plus(ofMinutes(5)), START.plus(ofHours(2)), 1));
    assertThat(h.events).contains("recovered " + id + " overdue");
  }

  @Test
  void overdueRecurring_coalescesByDefault_thenResumesOnItsGrid() {
    harness(b -> b);
    String id =
        h.timer
            .scheduleRecurring(Schedule.every(ofMinutes(10)), TimerSpec.of("reminder", "p"))
            .id();
    h.advance(ofMinutes(10));
    assertThat(h.runs).hasSize(1);

    down(ofMinutes(65)); // missed 10:20 .. 11:10
    h.advance(ofMinutes(20));

    assertThat(h.runs)
        .extracting(Harness.Run::dueAt)
        .containsExactly(
            START.plus(ofMinutes(10)),
            START.plus(ofMinutes(20)), // the one coalesced run for all missed, fired at 11:15
            START.plus(ofMinutes(80)), // back on the grid
            START.plus(ofMinutes(90)));
    assertThat(h.runs.get(1).firedAt()).isEqualTo(START.plus(ofMinutes(75)));
    assertThat(store.get(id).orElseThrow().lastFiredAt()).isEqualTo(START.plus(ofMinutes(90)));
  }

  @Test
  void overdueRecurring_fireNow_catchesUpEveryMissedOccurrenceInOrder() {
    harness(b -> b.overdueFiresPerSecond(0));
    h.timer.scheduleRecurring(
        Schedule.every(ofMinutes(10)),
        TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.FIRE_NOW));

    down(ofMinutes(45));
    h.scheduler.runDue();

    assertThat(h.runs)
        .extracting(Harness.Run::dueAt)
        .containsExactly(
            START.plus(ofMinutes(10)),
            START.plus(ofMinutes(20)),
            START.plus(ofMinutes(30)),
            START.plus(ofMinutes(40)));
    assertThat(h.runs)
        .allSatisfy(run -> assertThat(run.firedAt()).isEqualTo(START.plus(ofMinutes(45))));
  }

  @Test
  void overdueRecurring_skip_firesNoMissedRun_andResumesAtTheNextOccurrence() {
    harness(b -> b);
    String id =
        h.timer
            .scheduleRecurring(
                Schedule.every(ofMinutes(10)),
                TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.SKIP))
            .id();

    down(ofMinutes(45));
    h.advance(ofMinutes(10));

    assertThat(h.runs).extracting(Harness.Run::dueAt).containsExactly(START.plus(ofMinutes(50)));
    assertThat(h.events).contains("dropped " + id);
  }

  @Test
  void overdueOneShot_skipOrDrop_isDeletedAndReported() {
    harness(b -> b);
    String skip =
        h.timer
            .scheduleAfter(
                ofMinutes(1), TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.SKIP))
            .id();
    String drop =
        h.timer
            .scheduleAfter(
                ofMinutes(1), TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.DROP))
            .id();
    String fire = h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p")).id();

    down(ofHours(1));
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly(fire);
    assertThat(store.list()).isEmpty();
    assertThat(h.events).contains("dropped " + skip, "dropped " + drop);
  }

  @Test
  void lateWithinTheThreshold_isNotOverdue_skipTimerStillFires() {
    harness(b -> b.overdueThreshold(ofMinutes(1)));
    String id =
        h.timer
            .scheduleAfter(
                ofMinutes(1), TimerSpec.of("reminder", "p").overduePolicy(OverduePolicy.SKIP))
            .id();

    down(ofSeconds(90)); // 30 s late: within the threshold
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly(id);
  }

  @Test
  void overdueFiring_isSpreadAtTheConfiguredRate() {
    harness(b -> b.overdueFiresPerSecond(2));
    for (int i = 0; i < 6; i++) {
      h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p" + i));
    }

    down(ofHours(1));
    h.advance(ofSeconds(10));

    Instant restart = START.plus(ofHours(1));
    assertThat(h.runs)
        .extracting(Harness.Run::firedAt)
        .containsExactly(
            restart,
            restart.plusMillis(500),
            restart.plusMillis(1000),
            restart.plusMillis(1500),
            restart.plusMillis(2000),
            restart.plusMillis(2500));
  }

  @Test
  void crashDuringTheCallback_firesAgainAfterRestart() {
    FailingStore failing = new FailingStore(store);
    List<Integer> attempts = new ArrayList<>();
    h =
        new Harness(
            failing,
            START,
            b ->
                b.register(
                    "reminder",
                    CallbackFactory.of(
                        ctx -> {
                          attempts.add(ctx.attempt());
                          h.recorder().run(ctx);
                          if (attempts.size() == 1) {
                            failing.failWrites(
                                true); // the process "dies": its outcome never reaches the store
                          }
                        })));
    h.start();
    String id = h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "p")).id();
    h.advance(ofMinutes(1));
    assertThat(store.get(id)).isPresent();

    failing.failWrites(false);
    h.restart();
    h.advance(ofMinutes(2));

    assertThat(h.firedIds()).containsExactly(id, id);
    assertThat(attempts)
        .containsExactly(1, 1); // the lost run left no trace: same occurrence, same attempt
    assertThat(store.get(id)).isEmpty();
  }

  @Test
  void recurringResumesAtTheRightRun_acrossManyQuickRestarts() {
    harness(b -> b);
    h.timer.scheduleRecurring(Schedule.every(ofMinutes(15)), TimerSpec.of("reminder", "p"));

    for (int i = 0; i < 24; i++) {
      h.advance(ofMinutes(5));
      h.restart();
    }
    h.advance(ofMinutes(1));

    // 121 minutes: runs at 15, 30, ..., 120, each exactly once, none skipped.
    assertThat(h.runs)
        .extracting(Harness.Run::dueAt)
        .containsExactly(
            START.plus(ofMinutes(15)),
            START.plus(ofMinutes(30)),
            START.plus(ofMinutes(45)),
            START.plus(ofMinutes(60)),
            START.plus(ofMinutes(75)),
            START.plus(ofMinutes(90)),
            START.plus(ofMinutes(105)),
            START.plus(ofMinutes(120)));
  }
}
