package io.persistenttimers;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.testkit.FailingStore;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.Records;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PersistentTimerTest {
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  private final FakeStore store = new FakeStore();
  private Harness h;

  private Harness harness(java.util.function.UnaryOperator<PersistentTimer.Builder> extra) {
    h =
        new Harness(
            store,
            START,
            b ->
                extra.apply(
                    b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx)))));
    return h;
  }

  private Harness harness() {
    return harness(b -> b);
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static TimerSpec reminder() {
    return TimerSpec.of("reminder", "participant-1");
  }

  // --- one-shot ------------------------------------------------------------------------------

  @Test
  void oneShot_firesOnceAtItsDueTime() {
    harness().start();
    String id = h.timer.scheduleAfter(ofMinutes(15), reminder()).id();

    h.advance(ofMinutes(15).minusMillis(1));
    assertThat(h.runs).isEmpty();
    h.advance(Duration.ofMillis(1));
    h.advance(Duration.ofDays(1));

    assertThat(h.runs)
        .containsExactly(
            new Harness.Run(id, START.plus(ofMinutes(15)), START.plus(ofMinutes(15)), 1));
    assertThat(store.get(id)).isEmpty();
  }

  @Test
  void oneShot_recordIsDeletedOnlyAfterTheCallbackReturned() {
    List<Boolean> presentDuringCallback = new ArrayList<>();
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "check",
                    CallbackFactory.of(
                        ctx -> presentDuringCallback.add(store.get(ctx.timerId()).isPresent()))));
    h.start();
    String id = h.timer.scheduleAfter(ofSeconds(5), TimerSpec.of("check", "p")).id();

    h.advance(ofSeconds(5));

    assertThat(presentDuringCallback).containsExactly(true);
    assertThat(store.get(id)).isEmpty();
  }

  @Test
  void scheduleAt_pastInstant_isStoredAndFiresAtOnce() {
    harness().start();
    String id = h.timer.scheduleAt(START.minusSeconds(30), reminder()).id();

    assertThat(id).isNotBlank();
    assertThat(store.get(id)).isPresent();
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly(id);
  }

  @Test
  void schedule_returnsOnlyAfterTheStoreHasTheRecord() {
    harness().start();
    String id =
        h.timer
            .scheduleAfter(
                ofMinutes(1), reminder().flowType("intake").params("{\"n\":1}").state("S", "k"))
            .id();

    TimerRecord stored = store.get(id).orElseThrow();
    assertThat(stored.flowType()).isEqualTo("intake");
    assertThat(stored.params()).isEqualTo("{\"n\":1}");
    assertThat(stored.stateType()).isEqualTo("S");
    assertThat(stored.dataKey()).isEqualTo("k");
    assertThat(stored.nextFireAt()).isEqualTo(START.plus(ofMinutes(1)));
    assertThat(stored.version()).as("a fresh random version").isGreaterThanOrEqualTo(1L << 32);
  }

  @Test
  void schedule_whenTheStoreFails_throwsAndArmsNothing() {
    FailingStore failing = new FailingStore(store);
    h =
        new Harness(
            failing,
            START,
            b -> b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    h.start();
    failing.failWrites(true);

    assertThatThrownBy(() -> h.timer.scheduleAfter(ofSeconds(1), reminder()))
        .isInstanceOf(StoreException.class);

    failing.failWrites(false);
    h.advance(ofMinutes(10));
    assertThat(h.runs).isEmpty();
    assertThat(store.list()).isEmpty();
    assertThat(h.timer.stats().armed()).isZero();
  }

  // --- recurring -----------------------------------------------------------------------------

  @Test
  void recurringInterval_followsItsAnchorWithoutDrift() {
    AtomicInteger calls = new AtomicInteger();
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "slow",
                    CallbackFactory.of(
                        ctx -> {
                          calls.incrementAndGet();
                          h.runs.add(
                              new Harness.Run(
                                  ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
                          h.clock.advance(
                              Duration.ofMillis(700)); // a slow callback must not shift later runs
                        })));
    h.start();
    h.timer.scheduleRecurring(Schedule.every(ofMinutes(10)), TimerSpec.of("slow", "p"));

    h.advance(Duration.ofHours(2));

    assertThat(h.runs).hasSize(12);
    for (int i = 0; i < 12; i++) {
      assertThat(h.runs.get(i).dueAt()).isEqualTo(START.plus(ofMinutes(10L * (i + 1))));
    }
  }

  @Test
  void recurringDaily_createdAt0800_firesTodayAt0900() {
    java.time.ZoneId kolkata = java.time.ZoneId.of("Asia/Kolkata");
    Instant eightLocal = java.time.ZonedDateTime.of(2026, 3, 2, 8, 0, 0, 0, kolkata).toInstant();
    h =
        new Harness(
            store,
            eightLocal,
            b -> b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    h.start();

    h.timer.scheduleRecurring(Schedule.daily(java.time.LocalTime.of(9, 0), kolkata), reminder());
    h.advance(Duration.ofDays(30));

    assertThat(h.runs).hasSize(30);
    assertThat(h.runs.get(0).dueAt())
        .isEqualTo(java.time.ZonedDateTime.of(2026, 3, 2, 9, 0, 0, 0, kolkata).toInstant());
    assertThat(h.runs)
        .allSatisfy(
            run -> {
              assertThat(run.firedAt()).isEqualTo(run.dueAt());
              assertThat(run.dueAt().atZone(kolkata).toLocalTime())
                  .isEqualTo(java.time.LocalTime.of(9, 0));
            });
  }

  @Test
  void dst_newYorkSpringForward_nonexistent0230FiresAtTheEndOfTheGap() {
    java.time.ZoneId ny = java.time.ZoneId.of("America/New_York");
    h =
        new Harness(
            store,
            Instant.parse("2026-03-07T12:00:00Z"),
            b -> b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    h.start();
    h.timer.scheduleRecurring(Schedule.daily(java.time.LocalTime.of(2, 30), ny), reminder());

    h.advance(Duration.ofDays(3));

    assertThat(h.runs)
        .extracting(Harness.Run::dueAt)
        .containsExactly(
            Instant.parse(
                "2026-03-08T07:00:00Z"), // 02:30 does not exist; the gap ends at 03:00 EDT
            Instant.parse("2026-03-09T06:30:00Z"), // 02:30 EDT
            Instant.parse("2026-03-10T06:30:00Z"));
  }

  @Test
  void dst_berlinFallBack_repeated0230FiresOnceAtTheEarlierInstant() {
    java.time.ZoneId berlin = java.time.ZoneId.of("Europe/Berlin");
    h =
        new Harness(
            store,
            Instant.parse("2026-10-24T12:00:00Z"),
            b -> b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx))));
    h.start();
    h.timer.scheduleRecurring(Schedule.daily(java.time.LocalTime.of(2, 30), berlin), reminder());

    h.advance(Duration.ofDays(3));

    assertThat(h.runs)
        .extracting(Harness.Run::dueAt)
        .containsExactly(
            Instant.parse("2026-10-25T00:30:00Z"), // 02:30 CEST, the earlier of the two 02:30s
            Instant.parse("2026-10-26T01:30:00Z"), // 02:30 CET
            Instant.parse("2026-10-27T01:30:00Z"));
  }

  @Test
  void cancelWhileTheCallbackRuns_isNotUndoneByTheRecurringAdvance() {
    AtomicInteger calls = new AtomicInteger();
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "self-cancel",
                    CallbackFactory.of(
                        ctx -> {
                          calls.incrementAndGet();
                          assertThat(h.timer.cancel(ctx.timerId())).isTrue();
                        })));
    h.start();
    String id =
        h.timer
            .scheduleRecurring(Schedule.every(ofMinutes(1)), TimerSpec.of("self-cancel", "p"))
            .id();

    h.advance(ofMinutes(30));

    assertThat(calls).hasValue(1);
    assertThat(store.get(id)).isEmpty();
    assertThat(h.timer.stats().armed()).isZero();
  }

  @Test
  void cancel_beforeDue_preventsFiring() {
    harness().start();
    String id = h.timer.scheduleAfter(ofMinutes(1), reminder()).id();

    assertThat(h.timer.cancel(id)).isTrue();
    assertThat(h.timer.cancel(id)).isFalse();
    h.advance(ofMinutes(5));

    assertThat(h.runs).isEmpty();
  }

  @Test
  void timerDeletedBehindTheEnginesBack_doesNotFire() {
    harness().start();
    String id = h.timer.scheduleAfter(ofMinutes(1), reminder()).id();

    store.delete(id); // an operator tool working on the same database
    h.advance(ofMinutes(5));

    assertThat(h.runs).isEmpty();
  }

  @Test
  void cancelByParticipant_stopsOnlyThatParticipantsTimers_optionallyOneFlow() {
    harness().start();
    String a1 =
        h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "a").flowType("coach")).id();
    String a2 =
        h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "a").flowType("intake")).id();
    String b1 =
        h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "b").flowType("coach")).id();

    assertThat(h.timer.cancelByParticipant("a", "intake")).isEqualTo(1);
    h.advance(ofMinutes(2));
    assertThat(h.firedIds()).containsExactlyInAnyOrder(a1, b1);

    String a3 =
        h.timer.scheduleAfter(ofMinutes(1), TimerSpec.of("reminder", "a").flowType("coach")).id();
    assertThat(h.timer.cancelByParticipant("a")).isEqualTo(1);
    h.advance(ofMinutes(2));
    assertThat(h.firedIds()).doesNotContain(a2, a3);
  }

  // --- failures ------------------------------------------------------------------------------

  @Test
  void throwingCallback_retriesWithBackoff_thenIsFailedAndKept() {
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "flaky",
                    CallbackFactory.of(
                        ctx -> {
                          h.runs.add(
                              new Harness.Run(
                                  ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
                          throw new IllegalStateException("downstream unavailable");
                        })));
    h.start();
    String id =
        h.timer
            .scheduleAfter(
                ofSeconds(10),
                TimerSpec.of("flaky", "p")
                    .retryPolicy(RetryPolicy.exponential(3, ofSeconds(10), ofMinutes(5))))
            .id();

    h.advance(Duration.ofHours(1));

    assertThat(h.runs)
        .extracting(Harness.Run::firedAt)
        .containsExactly(START.plusSeconds(10), START.plusSeconds(20), START.plusSeconds(40));
    assertThat(h.runs).extracting(Harness.Run::attempt).containsExactly(1, 2, 3);
    TimerRecord failed = store.get(id).orElseThrow();
    assertThat(failed.status()).isEqualTo(TimerStatus.FAILED);
    assertThat(failed.attempt()).isEqualTo(3);
    assertThat(failed.lastError())
        .isEqualTo("java.lang.IllegalStateException: downstream unavailable");
    assertThat(h.events)
        .containsSubsequence("failed " + id + " retry " + START.plusSeconds(20), "dead " + id);
    assertThat(h.timer.stats().failed()).isEqualTo(1);
  }

  @Test
  void failedTimer_canBeReleasedAndThenFires() {
    AtomicBoolean broken = new AtomicBoolean(true);
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "flaky",
                    CallbackFactory.of(
                        ctx -> {
                          if (broken.get()) {
                            throw new IllegalStateException("broken");
                          }
                          h.runs.add(
                              new Harness.Run(
                                  ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
                        })));
    h.start();
    String id =
        h.timer
            .scheduleAfter(ofSeconds(1), TimerSpec.of("flaky", "p").retryPolicy(RetryPolicy.NONE))
            .id();
    h.advance(ofSeconds(1));
    assertThat(store.get(id).orElseThrow().status()).isEqualTo(TimerStatus.FAILED);

    broken.set(false);
    assertThat(h.timer.release(id)).isTrue();
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly(id);
    assertThat(store.get(id)).isEmpty();
  }

  @Test
  void recurringThatFailsItsLastAttempt_movesOnToTheNextOccurrence() {
    AtomicInteger calls = new AtomicInteger();
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "flaky",
                    CallbackFactory.of(
                        ctx -> {
                          if (calls.incrementAndGet() == 1) {
                            throw new IllegalStateException("first run fails");
                          }
                          h.runs.add(
                              new Harness.Run(
                                  ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
                        })));
    h.start();
    String id =
        h.timer
            .scheduleRecurring(
                Schedule.every(ofMinutes(10)),
                TimerSpec.of("flaky", "p").retryPolicy(RetryPolicy.NONE))
            .id();

    h.advance(ofMinutes(20));

    assertThat(h.runs).extracting(Harness.Run::dueAt).containsExactly(START.plus(ofMinutes(20)));
    TimerRecord record = store.get(id).orElseThrow();
    assertThat(record.status()).isEqualTo(TimerStatus.ACTIVE);
    assertThat(record.nextFireAt()).isEqualTo(START.plus(ofMinutes(30)));
  }

  @Test
  void completionWriteFails_isRetriedWithoutRunningTheCallbackAgain() {
    FailingStore failing = new FailingStore(store);
    h =
        new Harness(
            failing,
            START,
            b ->
                b.register(
                    "reminder",
                    CallbackFactory.of(
                        ctx -> {
                          h.recorder().run(ctx);
                          failing.failWrites(
                              true); // the database goes away right after the callback
                        })));
    h.start();
    String id = h.timer.scheduleAfter(ofSeconds(1), reminder()).id();

    h.advance(ofSeconds(1));
    h.advance(ofSeconds(5));
    assertThat(store.get(id)).isPresent();
    failing.failWrites(false);
    h.advance(ofMinutes(1));

    assertThat(h.firedIds()).containsExactly(id);
    assertThat(store.get(id)).isEmpty();
    assertThat(failing.failures()).isGreaterThan(1);
  }

  @Test
  void factoryRejectingParams_quarantinesTheTimer_releaseRunsItOnceFixed() {
    AtomicBoolean reject = new AtomicBoolean(true);
    h =
        new Harness(
            store,
            START,
            b ->
                b.register(
                    "picky",
                    record -> {
                      if (reject.get()) {
                        throw new IllegalArgumentException(
                            "unknown payload version " + record.payloadVersion());
                      }
                      return ctx ->
                          h.runs.add(
                              new Harness.Run(
                                  ctx.timerId(), ctx.dueAt(), ctx.firedAt(), ctx.attempt()));
                    }));
    h.start();
    String id =
        h.timer.scheduleAfter(ofSeconds(1), TimerSpec.of("picky", "p").payloadVersion(9)).id();

    h.advance(ofSeconds(1));

    TimerRecord quarantined = store.get(id).orElseThrow();
    assertThat(quarantined.status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(quarantined.lastError()).contains("unknown payload version 9");
    assertThat(h.timer.stats().quarantined()).isEqualTo(1);
    assertThat(h.events).contains("quarantined " + id);

    reject.set(false);
    h.timer.release(id);
    h.scheduler.runDue();
    assertThat(h.firedIds()).containsExactly(id);
  }

  @Test
  void unreadableParams_cannotBecomeARecord_soNoStoreEverHoldsThem() {
    // A row whose params were broken by hand is an unreadable row to its store, which reports it
    // for quarantine (see the stores' quarantine tests); a TimerRecord with such params cannot
    // exist, so neither the engine nor a store is ever handed one.
    assertThatThrownBy(
            () ->
                io.persistenttimers.testkit.Records.record("corrupt")
                    .callbackType("reminder")
                    .params("{\"broken\": ")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("params is not valid JSON");
  }

  // --- callback types ------------------------------------------------------------------------

  @Test
  void unknownCallbackTypeAtRecovery_isKept_andFiresOnceTheTypeIsRegistered() {
    store.insert(
        io.persistenttimers.testkit.Records.record("orphan")
            .callbackType("legacy_type")
            .due(START.plusSeconds(30))
            .build());
    harness().start();

    h.advance(ofMinutes(10));
    assertThat(h.runs).isEmpty();
    assertThat(store.get("orphan")).isPresent();
    assertThat(h.timer.stats().waitingForCallbackType()).isEqualTo(1);
    assertThat(h.events).contains("unknown orphan");

    h.timer.register("legacy_type", CallbackFactory.of(h.recorder()));
    h.scheduler.runDue();

    assertThat(h.firedIds()).containsExactly("orphan");
    assertThat(store.get("orphan")).isEmpty();
  }

  @Test
  void registry_refusesDuplicateTypes() {
    harness();
    assertThatThrownBy(() -> h.timer.register("reminder", CallbackFactory.of(ctx -> {})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("callbackType 'reminder' is already registered");
  }

  // --- ids -----------------------------------------------------------------------------------

  @Test
  void schedule_saysWhetherItCreatedReplacedOrKept() {
    harness().start();
    TimerSpec keyed = reminder().id("daily-prompt:p");

    Scheduled first = h.timer.scheduleAfter(ofMinutes(5), keyed);
    Scheduled again = h.timer.scheduleAfter(ofMinutes(9), keyed);
    Scheduled replaced = h.timer.scheduleAfter(ofMinutes(7), keyed.ifExists(IfExists.REPLACE));

    assertThat(first).isEqualTo(new Scheduled("daily-prompt:p", Scheduled.Outcome.CREATED));
    assertThat(again.outcome()).isEqualTo(Scheduled.Outcome.KEPT);
    assertThat(again.stored()).isFalse();
    assertThat(replaced.outcome()).isEqualTo(Scheduled.Outcome.REPLACED);
    assertThat(h.store.get("daily-prompt:p").orElseThrow().nextFireAt())
        .isEqualTo(START.plus(ofMinutes(7)));
  }

  @Test
  void participantQueries_refuseTheEmptyParticipantOfTimersWithoutOne() {
    harness().start();
    h.timer.scheduleAfter(ofMinutes(5), TimerSpec.of("reminder"));

    assertThatThrownBy(() -> h.timer.cancelByParticipant(TimerRecord.NO_PARTICIPANT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("participantId must not be blank");
    assertThatThrownBy(() -> h.timer.listByParticipant(TimerRecord.NO_PARTICIPANT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("participantId must not be blank");
    assertThat(h.timer.list()).hasSize(1);
  }

  @Test
  void generatedIds_areUniqueAcrossRestarts() {
    harness().start();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      ids.add(h.timer.scheduleAfter(Duration.ofDays(1), reminder()).id());
    }
    h.restart();
    for (int i = 0; i < 100; i++) {
      ids.add(h.timer.scheduleAfter(Duration.ofDays(1), reminder()).id());
    }

    assertThat(ids).hasSize(200);
    assertThat(store.list()).hasSize(200);
  }

  @Test
  void sameCallerIdTwice_isOneTimer_keepByDefault() {
    harness().start();
    TimerSpec spec = reminder().id("feedback_initial:participant-42").params("{\"v\":1}");

    String first = h.timer.scheduleAfter(ofMinutes(15), spec).id();
    String second = h.timer.scheduleAfter(ofMinutes(30), spec.params("{\"v\":2}")).id();
    h.advance(Duration.ofHours(1));

    assertThat(second).isEqualTo(first);
    assertThat(h.runs)
        .containsExactly(
            new Harness.Run(first, START.plus(ofMinutes(15)), START.plus(ofMinutes(15)), 1));
  }

  @Test
  void sameCallerIdTwice_replace_firesOnlyTheNewOne() {
    harness().start();
    TimerSpec spec = reminder().id("k").ifExists(IfExists.REPLACE);

    h.timer.scheduleAfter(ofMinutes(15), spec.params("{\"v\":1}"));
    long firstVersion = store.get("k").orElseThrow().version();
    h.timer.scheduleAfter(ofMinutes(30), spec.params("{\"v\":2}"));

    TimerRecord stored = store.get("k").orElseThrow();
    assertThat(stored.params()).isEqualTo("{\"v\":2}");
    assertThat(stored.version()).isEqualTo(firstVersion + 1);
    h.advance(Duration.ofHours(1));
    assertThat(h.runs)
        .containsExactly(
            new Harness.Run("k", START.plus(ofMinutes(30)), START.plus(ofMinutes(30)), 1));
  }

  @Test
  void sameCallerIdTwice_fail_throwsAndKeepsTheFirst() {
    harness().start();
    TimerSpec spec = reminder().id("k").ifExists(IfExists.FAIL);
    h.timer.scheduleAfter(ofMinutes(15), spec);

    assertThatThrownBy(() -> h.timer.scheduleAfter(ofMinutes(30), spec))
        .isInstanceOf(DuplicateTimerException.class)
        .hasMessageContaining("'k'");
    assertThat(store.get("k").orElseThrow().nextFireAt()).isEqualTo(START.plus(ofMinutes(15)));
  }

  // --- horizon, expiry, cleanup, close ---------------------------------------------------------

  @Test
  void horizon_farTimersStayOnlyInTheStore_andStillFireOnTime() {
    harness(b -> b.horizon(ofMinutes(5))).start();
    String far = h.timer.scheduleAfter(Duration.ofDays(2), reminder()).id();
    String near = h.timer.scheduleAfter(ofMinutes(1), reminder()).id();

    assertThat(h.timer.stats().armed()).isEqualTo(1);
    h.advance(Duration.ofDays(3));

    assertThat(h.runs)
        .containsExactly(
            new Harness.Run(near, START.plus(ofMinutes(1)), START.plus(ofMinutes(1)), 1),
            new Harness.Run(
                far, START.plus(Duration.ofDays(2)), START.plus(Duration.ofDays(2)), 1));
  }

  @Test
  void horizon_maxArmedBoundsMemory_everyTimerStillFires() {
    harness(b -> b.maxArmed(10)).start();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(h.timer.scheduleAfter(ofSeconds(400 + i), reminder()).id());
    }
    h.restart();

    assertThat(h.timer.stats().armed()).isLessThanOrEqualTo(10);
    h.advance(ofMinutes(30));

    assertThat(h.firedIds()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(h.firedIds()).doesNotHaveDuplicates();
  }

  @Test
  void expiredTimer_isDroppedInsteadOfFired() {
    harness().start();
    String id =
        h.timer.scheduleAfter(ofMinutes(10), reminder().expiresAt(START.plus(ofMinutes(11)))).id();
    h.timer.close();
    h.clock.advance(ofMinutes(30));
    h.restart();
    h.scheduler.runDue();

    assertThat(h.runs).isEmpty();
    assertThat(store.get(id)).isEmpty();
    assertThat(h.events).contains("dropped " + id);
  }

  @Test
  void cleanup_deletesExpiredAndLongFailed_keepsRecentFailures() {
    harness(b -> b.failedRetention(Duration.ofDays(7))).start();
    store.insert(
        io.persistenttimers.testkit.Records.record("old-failure")
            .status(TimerStatus.FAILED)
            .updatedAt(START.minus(Duration.ofDays(8)))
            .build());
    store.insert(
        io.persistenttimers.testkit.Records.record("new-failure")
            .status(TimerStatus.FAILED)
            .updatedAt(START.minus(Duration.ofDays(1)))
            .build());
    store.insert(
        io.persistenttimers.testkit.Records.record("expired")
            .status(TimerStatus.FAILED)
            .expiresAt(START.minusSeconds(1))
            .build());

    assertThat(h.timer.cleanup()).isEqualTo(2);

    assertThat(store.list()).extracting(TimerRecord::id).containsExactly("new-failure");
  }

  @Test
  void cleanup_runsPeriodically() {
    harness(b -> b.cleanupInterval(Duration.ofHours(1))).start();
    String id =
        h.timer
            .scheduleAfter(Duration.ofDays(5), reminder().expiresAt(START.plus(Duration.ofDays(6))))
            .id();
    TimerRecord r = store.get(id).orElseThrow();
    store.update(Records.withStatus(r, TimerStatus.FAILED, "x", START), r.version());

    h.advance(Duration.ofDays(6).plusHours(1));

    assertThat(store.get(id)).isEmpty();
  }

  @Test
  void close_keepsEveryRecord_andRefusesNewWork() {
    harness().start();
    String once = h.timer.scheduleAfter(ofMinutes(1), reminder()).id();
    String recurring = h.timer.scheduleRecurring(Schedule.every(ofMinutes(1)), reminder()).id();

    h.timer.close();
    h.advance(ofMinutes(10));

    assertThat(h.runs).isEmpty();
    assertThat(store.list()).extracting(TimerRecord::id).containsExactlyInAnyOrder(once, recurring);
    assertThatThrownBy(() -> h.timer.scheduleAfter(ofMinutes(1), reminder()))
        .isInstanceOf(TimerClosedException.class);
    assertThatThrownBy(() -> h.timer.start()).isInstanceOf(TimerClosedException.class);
  }

  @Test
  void scheduleBeforeStart_isStoredAndFiresAfterStart() {
    harness();
    String id = h.timer.scheduleAfter(ofMinutes(1), reminder()).id();
    assertThat(store.get(id)).isPresent();

    h.start();
    h.advance(ofMinutes(1));

    assertThat(h.firedIds()).containsExactly(id);
  }

  @Test
  void listenerThatThrows_doesNotStopTheEngine() {
    h =
        new Harness(
            store,
            START,
            b ->
                b.register("reminder", CallbackFactory.of(ctx -> h.recorder().run(ctx)))
                    .listener(
                        new TimerListener() {
                          @Override
                          public void onFired(TimerRecord timer, Duration lateness) {
                            throw new RuntimeException("listener bug");
                          }
                        }));
    h.start();
    String a = h.timer.scheduleAfter(ofSeconds(1), reminder()).id();
    String b = h.timer.scheduleAfter(ofSeconds(2), reminder()).id();

    h.advance(ofSeconds(5));

    assertThat(h.firedIds()).containsExactly(a, b);
    assertThat(store.list()).isEmpty();
  }

  @Test
  void stats_reportOverdueLagOfArmedTimers() {
    harness(b -> b.overdueFiresPerSecond(1)).start();
    for (int i = 0; i < 5; i++) {
      store.insert(
          io.persistenttimers.testkit.Records.record("late-" + i)
              .callbackType("reminder")
              .due(START.plusSeconds(60))
              .build());
    }
    h.timer.close();
    h.clock.advance(ofMinutes(10));
    h.restart();

    assertThat(h.timer.stats().armed()).isEqualTo(5);
    assertThat(h.timer.stats().overdueLag()).isEqualTo(ofMinutes(9));
  }
}
