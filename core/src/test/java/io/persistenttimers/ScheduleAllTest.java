package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.Scheduled.Outcome;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.CountingStore;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.Records;
import io.persistenttimers.testkit.Stores;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduleAllTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore fake = new FakeStore();
  private final CountingStore store = new CountingStore(fake);
  private Harness h;

  private Harness harness(Store s) {
    h =
        new Harness(
            s,
            START,
            b -> b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    return h.start();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static TimerSpec spec(String id, IfExists rule) {
    return TimerSpec.of("reminder", "p-" + id).id(id).ifExists(rule);
  }

  @Test
  void everyKind_oneReadlessWrite_resultsInOrder_armedAfterCommit() {
    harness(store);
    List<Scheduled> results =
        h.timer.scheduleAll(
            List.of(
                ScheduleRequest.after(ofMinutes(1), spec("a", IfExists.KEEP)),
                ScheduleRequest.at(START.plus(ofMinutes(2)), spec("b", IfExists.KEEP)),
                ScheduleRequest.at(
                    LocalDateTime.parse("2026-03-01T09:03:00"),
                    ZoneId.of("Europe/Berlin"),
                    spec("c", IfExists.KEEP)),
                ScheduleRequest.recurring(Schedule.every(ofMinutes(4)), spec("d", IfExists.KEEP))));

    assertThat(results)
        .containsExactly(
            new Scheduled("a", Outcome.CREATED),
            new Scheduled("b", Outcome.CREATED),
            new Scheduled("c", Outcome.CREATED),
            new Scheduled("d", Outcome.CREATED));
    assertThat(store.writeAlls()).containsExactly(4);
    assertThat(store.getAlls()).isZero(); // KEEP needs no read: the insert says whether it existed
    h.advance(ofMinutes(4));
    assertThat(h.firedIds()).containsExactly("a", "b", "c", "d");
  }

  @Test
  void idTwiceInOneBatch_refusedNamingTheId_storeUntouched() {
    harness(store);
    assertThatThrownBy(
            () ->
                h.timer.scheduleAll(
                    List.of(
                        ScheduleRequest.after(ofMinutes(1), spec("x", IfExists.KEEP)),
                        ScheduleRequest.after(ofMinutes(1), spec("y", IfExists.KEEP)),
                        ScheduleRequest.after(ofMinutes(2), spec("x", IfExists.REPLACE)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests[2]")
        .hasMessageContaining("'x'");
    assertThat(store.writeAlls()).isEmpty();
    assertThat(fake.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void badInput_namesIndexAndField_nothingStored() {
    harness(store);
    List<ScheduleRequest> requests = new ArrayList<>();
    requests.add(ScheduleRequest.after(ofMinutes(1), spec("ok", IfExists.KEEP)));
    requests.add(ScheduleRequest.after(Duration.ofSeconds(-1), spec("bad", IfExists.KEEP)));
    assertThatThrownBy(() -> h.timer.scheduleAll(requests))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests[1]")
        .hasMessageContaining("delay");

    requests.set(1, ScheduleRequest.after(ofMinutes(1), TimerSpec.of("unknown", "p")));
    assertThatThrownBy(() -> h.timer.scheduleAll(requests))
        .hasMessageContaining("requests[1]")
        .hasMessageContaining("callbackType");

    requests.set(1, null);
    assertThatThrownBy(() -> h.timer.scheduleAll(requests))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests[1]");
    assertThatThrownBy(() -> ScheduleRequest.after(null, spec("n", IfExists.KEEP)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");
    assertThat(store.writeAlls()).isEmpty();
    assertThat(fake.list(TimerQuery.all())).isEmpty();
  }

  @Test
  void tooManyRequests_refusedWithTheLimit() {
    harness(store);
    List<ScheduleRequest> requests = new ArrayList<>();
    for (int i = 0; i <= 10_000; i++) {
      requests.add(ScheduleRequest.after(ofMinutes(1), TimerSpec.of("reminder", "p")));
    }
    assertThatThrownBy(() -> h.timer.scheduleAll(requests))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 10000")
        .hasMessageContaining("10001");
    assertThat(store.writeAlls()).isEmpty();
  }

  @Test
  void keep_leavesTheExistingTimer_andCreatesTheRest() {
    harness(store);
    h.timer.scheduleAfter(ofMinutes(5), spec("old", IfExists.KEEP));
    store.writeAlls().clear();

    List<Scheduled> results =
        h.timer.scheduleAll(
            List.of(
                ScheduleRequest.after(ofMinutes(1), spec("old", IfExists.KEEP)),
                ScheduleRequest.after(ofMinutes(1), spec("new", IfExists.KEEP))));

    assertThat(results)
        .containsExactly(new Scheduled("old", Outcome.KEPT), new Scheduled("new", Outcome.CREATED));
    assertThat(fake.get("old").orElseThrow().nextFireAt()).isEqualTo(START.plus(ofMinutes(5)));
    assertThat(store.writeAlls()).containsExactly(2);
  }

  @Test
  void replace_oneRead_oneWrite_theOldVersionDoesNotFire() {
    harness(store);
    h.timer.scheduleAfter(ofMinutes(1), spec("r", IfExists.KEEP));
    store.writeAlls().clear();

    List<Scheduled> results =
        h.timer.scheduleAll(
            List.of(
                ScheduleRequest.after(ofMinutes(10), spec("r", IfExists.REPLACE)),
                ScheduleRequest.after(ofMinutes(10), spec("s", IfExists.REPLACE))));

    assertThat(results)
        .containsExactly(new Scheduled("r", Outcome.REPLACED), new Scheduled("s", Outcome.CREATED));
    assertThat(store.getAlls()).isEqualTo(1);
    assertThat(store.writeAlls()).containsExactly(2);
    h.advance(ofMinutes(9));
    assertThat(h.runs).isEmpty();
    h.advance(ofMinutes(1));
    assertThat(h.firedIds()).containsExactlyInAnyOrder("r", "s");
  }

  @Test
  void fail_existingId_refusesTheWholeBatchBeforeWriting() {
    harness(store);
    h.timer.scheduleAfter(ofMinutes(5), spec("taken", IfExists.KEEP));
    store.writeAlls().clear();

    assertThatThrownBy(
            () ->
                h.timer.scheduleAll(
                    List.of(
                        ScheduleRequest.after(ofMinutes(1), spec("free", IfExists.KEEP)),
                        ScheduleRequest.after(ofMinutes(1), spec("taken", IfExists.FAIL)))))
        .isInstanceOf(DuplicateTimerException.class)
        .hasMessageContaining("'taken'");
    assertThat(store.writeAlls()).isEmpty();
    assertThat(fake.get("free")).isEmpty();
  }

  @Test
  void fail_idCreatedConcurrently_batchTakenBack_othersWritesKept() {
    harness(store);
    h.timer.scheduleAfter(ofMinutes(5), spec("old", IfExists.KEEP));
    TimerRecord theirs = Records.record("raced").callbackType("reminder").build();
    TimerRecord oldBefore = fake.get("old").orElseThrow();
    store.afterGetAll(s -> Stores.insert(fake, theirs));

    assertThatThrownBy(
            () ->
                h.timer.scheduleAll(
                    List.of(
                        ScheduleRequest.after(ofMinutes(1), spec("mine", IfExists.KEEP)),
                        ScheduleRequest.after(ofMinutes(9), spec("old", IfExists.REPLACE)),
                        ScheduleRequest.after(ofMinutes(1), spec("raced", IfExists.FAIL)))))
        .isInstanceOf(DuplicateTimerException.class)
        .hasMessageContaining("'raced'");

    assertThat(fake.get("mine")).isEmpty();
    assertThat(fake.get("raced")).contains(theirs);
    TimerRecord oldAfter = fake.get("old").orElseThrow();
    assertThat(oldAfter.nextFireAt()).isEqualTo(oldBefore.nextFireAt());
    assertThat(oldAfter.version()).isNotEqualTo(oldBefore.version());
    h.advance(ofMinutes(4));
    assertThat(h.runs).isEmpty();
    h.advance(ofMinutes(1));
    assertThat(h.firedIds()).containsExactly("old");
  }

  @Test
  void replace_lostRace_onlyTheLosersAreRetried() {
    harness(store);
    h.timer.scheduleAfter(ofMinutes(5), spec("contended", IfExists.KEEP));
    store.writeAlls().clear();
    store.afterGetAll(
        s -> {
          store.afterGetAll(null);
          TimerRecord current = fake.get("contended").orElseThrow();
          Stores.update(
              fake,
              Records.from(current).version(current.version() + 1).build(),
              current.version());
        });

    List<Scheduled> results =
        h.timer.scheduleAll(
            List.of(
                ScheduleRequest.after(ofMinutes(1), spec("calm", IfExists.REPLACE)),
                ScheduleRequest.after(ofMinutes(2), spec("contended", IfExists.REPLACE))));

    assertThat(results)
        .containsExactly(
            new Scheduled("calm", Outcome.CREATED), new Scheduled("contended", Outcome.REPLACED));
    assertThat(store.writeAlls()).containsExactly(2, 1);
    assertThat(fake.get("contended").orElseThrow().nextFireAt())
        .isEqualTo(START.plus(ofMinutes(2)));
  }

  @Test
  void storeFailure_throws_nothingStoredOrArmed() {
    FailingStore failing = new FailingStore(fake);
    harness(failing);
    failing.failWrites(true);

    assertThatThrownBy(
            () ->
                h.timer.scheduleAll(
                    List.of(
                        ScheduleRequest.after(ofMinutes(1), spec("a", IfExists.KEEP)),
                        ScheduleRequest.after(ofMinutes(1), spec("b", IfExists.KEEP)))))
        .isInstanceOf(StoreException.class);
    failing.failWrites(false);
    assertThat(fake.list(TimerQuery.all())).isEmpty();
    h.advance(ofMinutes(2));
    assertThat(h.runs).isEmpty();
    assertThat(h.timer.stats().armed()).isZero();
  }

  @Test
  void emptyBatch_writesNothing() {
    harness(store);
    assertThat(h.timer.scheduleAll(List.of())).isEmpty();
    assertThat(store.writeAlls()).isEmpty();
  }

  @Test
  void prepareAll_validatesLikeScheduleAll_andArmCommittedReadsOnce() {
    harness(store);
    assertThatThrownBy(
            () ->
                h.timer.prepareAll(
                    List.of(
                        ScheduleRequest.after(ofMinutes(1), spec("a", IfExists.KEEP)),
                        ScheduleRequest.at(START, TimerSpec.of("", "p")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests[1]")
        .hasMessageContaining("callbackType");
    List<TimerRecord> records =
        h.timer.prepareAll(
            List.of(
                ScheduleRequest.after(ofMinutes(1), spec("a", IfExists.KEEP)),
                ScheduleRequest.after(ofMinutes(2), spec("b", IfExists.KEEP)),
                ScheduleRequest.after(ofMinutes(3), spec("rolledBack", IfExists.KEEP))));
    assertThat(fake.list(TimerQuery.all())).isEmpty();
    Stores.insert(fake, records.get(0)); // what the host's committed transaction wrote
    Stores.insert(fake, records.get(1));
    int readsBefore = store.getAlls();

    h.timer.armCommitted(List.of("a", "b", "rolledBack"));

    assertThat(store.getAlls() - readsBefore).isEqualTo(1);
    h.advance(ofMinutes(3));
    assertThat(h.firedIds()).containsExactly("a", "b");
  }
}
