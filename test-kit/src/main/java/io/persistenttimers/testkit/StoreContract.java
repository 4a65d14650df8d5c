package io.persistenttimers.testkit;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.delete;
import static io.persistenttimers.testkit.Stores.due;
import static io.persistenttimers.testkit.Stores.insert;
import static io.persistenttimers.testkit.Stores.remove;
import static io.persistenttimers.testkit.Stores.removeParticipant;
import static io.persistenttimers.testkit.Stores.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.OverduePolicy;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} must show. A backend's test extends this class and provides
 * {@link #newStore()}; each test gets a fresh, empty store.
 */
public abstract class StoreContract {

  protected Store store;

  /** A new, empty store. Called before every test; the store is closed after it. */
  protected abstract Store newStore() throws Exception;

  /**
   * Another instance over the same storage as the last {@link #newStore()}, as a second process
   * would open it (same file, same schema); the test closes it. Null, the default, for a store
   * whose every instance is its own storage (an in-memory store).
   */
  protected Store openSameStorage() throws Exception {
    return null;
  }

  /**
   * Whether the store offers multi-node mode (shared engine locks). A {@link ClaimingStore} must
   * say true; the multi-node lock test checks that it does.
   */
  protected boolean supportsMultiNode() {
    return false;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  // --- insert / get -------------------------------------------------------------------------

  @Test
  public void insert_everyField_getReturnsEqualRecord() {
    TimerRecord full =
        record("feedback_initial:participant-42")
            .participant("participant-42")
            .flowType("micro_health_intervention")
            .callbackType("feedback_initial")
            .params("{\"phone\":\"+15550100\",\"nested\":{\"a\":[1,2,3]},\"name\":\"Zoë ✓\"}")
            .payloadVersion(3)
            .recurring(Schedule.every(Duration.ofMinutes(15), T0.minusSeconds(60)))
            .due(T0.plusMillis(1234))
            .expiresAt(T0.plus(Duration.ofDays(2)))
            .state("FEEDBACK_PENDING", "feedback_timer")
            .attempt(2, "java.io.IOException: connection reset")
            .version(7)
            .policies(
                RetryPolicy.exponential(5, Duration.ofSeconds(2), Duration.ofMinutes(1)),
                OverduePolicy.SKIP)
            .lastFiredAt(T0.minusSeconds(900))
            .updatedAt(T0.minusSeconds(30))
            .build();

    assertThat(insert(store, full)).isTrue();

    assertThat(store.get(full.id())).contains(full);
  }

  @Test
  public void insert_paramsComeBackByteForByte() {
    String params = "{\"b\": 1,  \"a\":[true, null],\n \"z\":\"\\u00e9\\n\"}";
    insert(store, record("text").params(params).build());

    assertThat(store.get("text").orElseThrow().params()).isEqualTo(params);
  }

  @Test
  public void insert_optionalFieldsNull_roundTripAsNull() {
    TimerRecord minimal = record("minimal").build();

    insert(store, minimal);

    TimerRecord read = store.get("minimal").orElseThrow();
    assertThat(read).isEqualTo(minimal);
    assertThat(read.schedule()).isNull();
    assertThat(read.expiresAt()).isNull();
    assertThat(read.stateType()).isNull();
    assertThat(read.dataKey()).isNull();
    assertThat(read.lastError()).isNull();
    assertThat(read.retryPolicy()).isNull();
    assertThat(read.overduePolicy()).isNull();
    assertThat(read.lastFiredAt()).isNull();
  }

  @Test
  public void insert_instantsKeepMillisecondsAndNothingFiner() {
    TimerRecord r = record("precise").due(Instant.parse("2026-03-01T12:00:00.123456789Z")).build();

    insert(store, r);

    assertThat(store.get("precise").orElseThrow().nextFireAt())
        .isEqualTo(Instant.parse("2026-03-01T12:00:00.123Z"));
  }

  @Test
  public void insert_farPastAndFarFutureInstants_roundTrip() {
    TimerRecord past = record("past").due(Instant.parse("1970-01-01T00:00:00.001Z")).build();
    TimerRecord future = record("future").due(Instant.parse("2199-12-31T23:59:59.999Z")).build();

    insert(store, past);
    insert(store, future);

    assertThat(store.get("past")).contains(past);
    assertThat(store.get("future")).contains(future);
  }

  @Test
  public void insert_duplicateId_returnsFalseAndKeepsTheOriginal() {
    TimerRecord original = record("same").callbackType("reminder").build();
    TimerRecord second =
        record("same").callbackType("auto_feedback").due(T0.plusSeconds(5)).build();

    assertThat(insert(store, original)).isTrue();
    assertThat(insert(store, second)).isFalse();

    assertThat(store.get("same")).contains(original);
  }

  @Test
  public void getAll_returnsThoseThatExist_keyedById_inAnyStatus() {
    TimerRecord a = record("a").build();
    TimerRecord b = record("b").status(TimerStatus.FAILED).build();
    insert(store, a);
    insert(store, b);
    insert(store, record("c").build());

    assertThat(store.getAll(List.of("a", "b", "missing")))
        .containsOnly(
            org.assertj.core.api.Assertions.entry("a", a),
            org.assertj.core.api.Assertions.entry("b", b));
    assertThat(store.getAll(List.of())).isEmpty();
  }

  @Test
  public void getAll_manyIds_oneCall() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      insert(store, record("m" + i).build());
      ids.add("m" + i);
    }
    ids.add("absent");

    assertThat(store.getAll(ids)).hasSize(1200);
  }

  @Test
  public void get_unknownId_isEmpty() {
    assertThat(store.get("nope")).isEmpty();
  }

  // --- list / count ---------------------------------------------------------------------------

  @Test
  public void list_isOrderedByDueTimeThenId() {
    insert(store, record("c").due(T0.plusSeconds(10)).build());
    insert(store, record("b").due(T0).build());
    insert(store, record("a").due(T0).build());
    insert(store, record("d").due(T0.minusSeconds(10)).build());

    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("d", "a", "b", "c");
  }

  @Test
  public void list_filtersByEachCriterionAndHonoursTheLimit() {
    insert(
        store,
        record("p1-coach").participant("p1").flowType("coach").callbackType("reminder").build());
    insert(
        store,
        record("p1-intake")
            .participant("p1")
            .flowType("intake")
            .callbackType("reminder")
            .due(T0.plusSeconds(1))
            .build());
    insert(
        store,
        record("p2-coach")
            .participant("p2")
            .flowType("coach")
            .callbackType("auto_feedback")
            .status(TimerStatus.FAILED)
            .build());
    insert(
        store,
        record("p3-coach")
            .participant("p3")
            .flowType("coach")
            .callbackType("reminder")
            .status(TimerStatus.QUARANTINED)
            .build());

    assertThat(ids(store.list(TimerQuery.all().participant("p1"))))
        .containsExactly("p1-coach", "p1-intake");
    assertThat(ids(store.list(TimerQuery.all().flowType("coach"))))
        .containsExactly("p1-coach", "p2-coach", "p3-coach");
    assertThat(ids(store.list(TimerQuery.all().callbackType("auto_feedback"))))
        .containsExactly("p2-coach");
    assertThat(ids(store.list(TimerQuery.all().status(TimerStatus.QUARANTINED))))
        .containsExactly("p3-coach");
    assertThat(ids(store.list(TimerQuery.all().participant("p1").flowType("intake"))))
        .containsExactly("p1-intake");
    assertThat(ids(store.list(TimerQuery.all().flowType("coach").limit(2))))
        .containsExactly("p1-coach", "p2-coach");
    assertThat(store.list(TimerQuery.all().participant("nobody"))).isEmpty();
  }

  @Test
  public void count_countsMatchesIgnoringTheLimit() {
    insert(store, record("a").participant("p1").build());
    insert(store, record("b").participant("p1").status(TimerStatus.FAILED).build());
    insert(store, record("c").participant("p2").build());

    assertThat(store.count(TimerQuery.all())).isEqualTo(3);
    assertThat(store.count(TimerQuery.all().participant("p1").limit(1))).isEqualTo(2);
    assertThat(store.count(TimerQuery.all().status(TimerStatus.ACTIVE))).isEqualTo(2);
    assertThat(store.count(TimerQuery.all().participant("p3"))).isZero();
  }

  @Test
  public void cappedCount_isExactUpToTheCap_andCapPlusOneBeyondIt() {
    for (int i = 0; i < 5; i++) {
      insert(store, record("t" + i).participant(i < 3 ? "p1" : "p2").build());
    }
    insert(store, record("dead").participant("p1").status(TimerStatus.FAILED).build());

    assertThat(store.count(TimerQuery.all(), 6)).isEqualTo(6);
    assertThat(store.count(TimerQuery.all(), 100)).isEqualTo(6);
    assertThat(store.count(TimerQuery.all(), 4)).isEqualTo(5);
    assertThat(store.count(TimerQuery.all(), 0)).isEqualTo(1);
    // The query's own limit is ignored, as by count(query): p1 has three ACTIVE and one FAILED.
    assertThat(store.count(TimerQuery.all().participant("p1").limit(1), 4)).isEqualTo(4);
    assertThat(store.count(TimerQuery.all().participant("p1").status(TimerStatus.ACTIVE), 2))
        .isEqualTo(3);
    assertThat(store.count(TimerQuery.all().participant("nobody"), 10)).isZero();
  }

  @Test
  public void cappedCount_refusesANegativeCap_naming_atMost() {
    assertThatThrownBy(() -> store.count(TimerQuery.all(), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("atMost");
    assertThatThrownBy(() -> store.countByCallbackType(TimerQuery.all(), Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("atMost");
  }

  @Test
  public void cappedCountByCallbackType_countsTheFirstDue_andIsExactUnderTheCap() {
    insert(store, record("r1").callbackType("reminder").due(T0.plusSeconds(1)).build());
    insert(store, record("p1").callbackType("prompt").due(T0.plusSeconds(2)).build());
    insert(store, record("r2").callbackType("reminder").due(T0.plusSeconds(3)).build());
    insert(store, record("x1").callbackType("export").due(T0.plusSeconds(4)).build());

    assertThat(store.countByCallbackType(TimerQuery.all(), 10))
        .isEqualTo(store.countByCallbackType(TimerQuery.all()));
    // The first three due (cap 2, plus one): r1, p1, r2; the later export is not reached.
    assertThat(store.countByCallbackType(TimerQuery.all(), 2))
        .containsExactly(java.util.Map.entry("prompt", 1L), java.util.Map.entry("reminder", 2L));
  }

  @Test
  public void dueBefore_countsAndListsOnlyTimersDueStrictlyEarlier() {
    insert(store, record("early").due(T0.minusSeconds(60)).build());
    insert(store, record("at").due(T0).build());
    insert(store, record("late").due(T0.plusSeconds(60)).build());
    insert(store, record("failed").due(T0.minusSeconds(30)).status(TimerStatus.FAILED).build());

    TimerQuery overdue = TimerQuery.all().status(TimerStatus.ACTIVE).dueBefore(T0);
    assertThat(store.count(overdue)).isEqualTo(1);
    assertThat(ids(store.list(overdue))).containsExactly("early");
    // A bound between two milliseconds keeps the row of the earlier one.
    assertThat(store.count(TimerQuery.all().dueBefore(T0.plusNanos(1)))).isEqualTo(3);
  }

  @Test
  public void failedAttemptsOnly_keepsTimersWithAFailedAttempt() {
    insert(store, record("fresh").build());
    insert(store, record("retrying").attempt(2, "boom").build());
    insert(store, record("dead").attempt(3, "boom").status(TimerStatus.FAILED).build());

    TimerQuery retrying = TimerQuery.all().status(TimerStatus.ACTIVE).failedAttemptsOnly(true);
    assertThat(store.count(retrying)).isEqualTo(1);
    assertThat(ids(store.list(retrying))).containsExactly("retrying");
    assertThat(store.count(TimerQuery.all().failedAttemptsOnly(true))).isEqualTo(2);
  }

  @Test
  public void after_pagesThroughEveryMatchOnceInDueOrder_andCountIgnoresIt() {
    for (int i = 0; i < 7; i++) {
      // Pairs share a due time, so the id breaks ties across page boundaries.
      insert(store, record("t" + i).due(T0.plusSeconds(i / 2)).build());
    }
    insert(store, record("other").callbackType("other_type").due(T0).build());

    TimerQuery query = TimerQuery.all().callbackType(Records.record("x").build().callbackType());
    List<String> seen = new ArrayList<>();
    TimerQuery page = query.limit(3);
    while (true) {
      List<TimerRecord> rows = store.list(page);
      rows.forEach(r -> seen.add(r.id()));
      if (rows.size() < 3) {
        break;
      }
      page = page.after(TimerQuery.Position.of(rows.get(rows.size() - 1)));
      assertThat(store.count(page)).isEqualTo(7);
    }
    assertThat(seen).containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6");
  }

  @Test
  public void expiredByAndUpdatedBefore_selectWhatAPurgeWouldDelete() {
    insert(store, record("expired").expiresAt(T0).build());
    insert(store, record("expires-later").expiresAt(T0.plusSeconds(1)).build());
    insert(
        store,
        record("old-failure")
            .status(TimerStatus.FAILED)
            .updatedAt(T0.minus(Duration.ofDays(8)))
            .build());
    insert(
        store,
        record("new-failure")
            .status(TimerStatus.FAILED)
            .updatedAt(T0.minus(Duration.ofDays(1)))
            .build());

    assertThat(ids(store.list(TimerQuery.all().expiredBy(T0)))).containsExactly("expired");
    TimerQuery oldFailures =
        TimerQuery.all().status(TimerStatus.FAILED).updatedBefore(T0.minus(Duration.ofDays(7)));
    assertThat(store.count(oldFailures)).isEqualTo(1);
    long expired = store.count(TimerQuery.all().expiredBy(T0));
    long failed = store.count(oldFailures);
    Store.Purged purged = store.purge(T0, T0.minus(Duration.ofDays(7)));
    assertThat(purged.expired()).isEqualTo(expired);
    assertThat(purged.failed()).isEqualTo(failed);
  }

  @Test
  public void countByCallbackType_groupsTheMatchesByType() {
    insert(store, record("a").callbackType("reminder").build());
    insert(store, record("b").callbackType("reminder").build());
    insert(store, record("c").callbackType("prompt").build());
    insert(store, record("d").callbackType("prompt").status(TimerStatus.FAILED).build());

    assertThat(store.countByCallbackType(TimerQuery.all()))
        .containsExactly(java.util.Map.entry("prompt", 2L), java.util.Map.entry("reminder", 2L));
    assertThat(store.countByCallbackType(TimerQuery.all().status(TimerStatus.FAILED)))
        .containsExactly(java.util.Map.entry("prompt", 1L));
    assertThat(store.countByCallbackType(TimerQuery.all().participant("nobody"))).isEmpty();
  }

  // --- findDue --------------------------------------------------------------------------------

  @Test
  public void findDue_returnsActiveRecordsStrictlyBeforeTheInstantInDueOrder() {
    insert(store, record("late").due(T0.plusSeconds(60)).build());
    insert(store, record("exactly-at").due(T0).build());
    insert(store, record("early-b").due(T0.minusSeconds(5)).build());
    insert(store, record("early-a").due(T0.minusSeconds(5)).build());
    insert(store, record("earliest").due(T0.minusSeconds(50)).build());
    insert(store, record("failed").due(T0.minusSeconds(60)).status(TimerStatus.FAILED).build());
    insert(
        store,
        record("quarantined").due(T0.minusSeconds(60)).status(TimerStatus.QUARANTINED).build());

    assertThat(ids(due(store, T0, 100))).containsExactly("earliest", "early-a", "early-b");
    assertThat(ids(due(store, T0.plusMillis(1), 100)))
        .containsExactly("earliest", "early-a", "early-b", "exactly-at");
  }

  @Test
  public void findDue_honoursTheLimitFromTheEarliest() {
    for (int i = 0; i < 20; i++) {
      insert(store, record(String.format("t%02d", i)).due(T0.plusSeconds(20 - i)).build());
    }

    assertThat(ids(due(store, T0.plusSeconds(100), 3))).containsExactly("t19", "t18", "t17");
  }

  @Test
  public void findDue_emptyStore_isEmpty() {
    assertThat(due(store, T0, 10)).isEmpty();
  }

  // --- update / delete (compare-and-set) ------------------------------------------------------

  @Test
  public void update_matchingVersion_replacesTheRecord() {
    TimerRecord v1 = record("x").build();
    insert(store, v1);
    TimerRecord v2 = Records.rescheduled(v1, T0.plusSeconds(30), 1, "boom", null, T0);

    assertThat(update(store, v2, 1)).isTrue();

    assertThat(store.get("x")).contains(v2);
    assertThat(store.get("x").orElseThrow().version()).isEqualTo(2);
  }

  @Test
  public void update_staleVersion_changesNothing() {
    TimerRecord v1 = record("x").build();
    insert(store, v1);
    TimerRecord v2 = Records.rescheduled(v1, T0.plusSeconds(30), 0, null, null, T0);
    update(store, v2, 1);

    TimerRecord conflicting = Records.rescheduled(v1, T0.plusSeconds(99), 0, null, null, T0);
    assertThat(update(store, conflicting, 1)).isFalse();

    assertThat(store.get("x")).contains(v2);
  }

  @Test
  public void update_missingRecord_returnsFalseAndCreatesNothing() {
    TimerRecord ghost = record("ghost").version(2).build();

    assertThat(update(store, ghost, 1)).isFalse();

    assertThat(store.get("ghost")).isEmpty();
  }

  @Test
  public void update_toFailed_removesFromDueButKeepsTheRecord() {
    TimerRecord v1 = record("x").due(T0.minusSeconds(1)).build();
    insert(store, v1);

    update(store, Records.withStatus(v1, TimerStatus.FAILED, "gave up", T0), 1);

    assertThat(due(store, T0, 10)).isEmpty();
    assertThat(store.get("x").orElseThrow().status()).isEqualTo(TimerStatus.FAILED);
    assertThat(store.get("x").orElseThrow().lastError()).isEqualTo("gave up");
  }

  @Test
  public void deleteWithVersion_matching_deletes_stale_keeps() {
    insert(store, record("x").version(3).build());

    assertThat(delete(store, "x", 2)).isFalse();
    assertThat(store.get("x")).isPresent();
    assertThat(delete(store, "x", 3)).isTrue();
    assertThat(store.get("x")).isEmpty();
    assertThat(delete(store, "x", 3)).isFalse();
  }

  @Test
  public void removeById_returnsTheRemovedIdOrNothing() {
    TimerRecord r = record("x").status(TimerStatus.FAILED).build();
    insert(store, r);

    assertThat(store.remove(TimerQuery.all().id("x"))).containsExactly("x");
    assertThat(store.remove(TimerQuery.all().id("x"))).isEmpty();
    assertThat(store.get("x")).isEmpty();
  }

  @Test
  public void deleteByParticipant_deletesAllOfThemAndReturnsTheIds() {
    insert(store, record("p1-a").participant("p1").flowType("coach").build());
    insert(
        store,
        record("p1-b").participant("p1").flowType("intake").status(TimerStatus.FAILED).build());
    insert(store, record("p2-a").participant("p2").flowType("coach").build());

    assertThat(removeParticipant(store, "p1", null)).containsExactlyInAnyOrder("p1-a", "p1-b");

    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("p2-a");
    assertThat(removeParticipant(store, "p1", null)).isEmpty();
  }

  @Test
  public void remove_withoutIdOrParticipant_orWithALimit_isRefusedAndChangesNothing() {
    insert(store, record("a").participant("p1").build());

    assertThatThrownBy(() -> store.remove(TimerQuery.all().status(TimerStatus.ACTIVE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must name an id or a participant");
    assertThatThrownBy(() -> store.remove(TimerQuery.all().participant("p1").limit(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must have no limit");

    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("a");
  }

  @Test
  public void remove_honoursEveryCriterion_andReturnsIdsInDueOrder() {
    insert(store, record("late").participant("p1").due(T0.plusSeconds(9)).build());
    insert(store, record("early").participant("p1").due(T0.plusSeconds(1)).build());
    insert(
        store,
        record("failed")
            .participant("p1")
            .due(T0.plusSeconds(5))
            .status(TimerStatus.FAILED)
            .build());
    insert(store, record("other").participant("p2").due(T0).build());

    assertThat(store.remove(TimerQuery.all().participant("p1").status(TimerStatus.ACTIVE)))
        .containsExactly("early", "late");
    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("other", "failed");
  }

  @Test
  public void list_byIdAndDueBefore_combineWithTheOtherCriteria() {
    insert(store, record("a").participant("p1").due(T0).build());
    insert(store, record("b").participant("p1").due(T0.plusSeconds(10)).build());
    insert(store, record("c").participant("p2").due(T0).build());

    assertThat(ids(store.list(TimerQuery.all().participant("p1").dueBefore(T0.plusSeconds(10)))))
        .containsExactly("a");
    assertThat(ids(store.list(TimerQuery.all().id("b")))).containsExactly("b");
    assertThat(store.count(TimerQuery.all().dueBefore(T0.plusMillis(1)))).isEqualTo(2);
    assertThat(store.count(TimerQuery.all().id("b").participant("p2"))).isZero();
  }

  @Test
  public void purge_withANullBound_keepsThatKind() {
    insert(store, record("expired").expiresAt(T0).build());
    insert(
        store, record("failed").status(TimerStatus.FAILED).updatedAt(T0.minusSeconds(60)).build());

    assertThat(store.purge(null, null)).isEqualTo(new Store.Purged(0, 0));
    assertThat(store.purge(T0, null)).isEqualTo(new Store.Purged(1, 0));
    assertThat(store.purge(null, T0)).isEqualTo(new Store.Purged(0, 1));
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  public void deleteByParticipant_withFlowType_deletesOnlyThatFlow() {
    insert(store, record("p1-a").participant("p1").flowType("coach").build());
    insert(store, record("p1-b").participant("p1").flowType("intake").build());

    assertThat(removeParticipant(store, "p1", "intake")).containsExactly("p1-b");

    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("p1-a");
  }

  @Test
  public void deleteExpired_deletesAtOrBeforeNowInAnyStatus_keepsTheRest() {
    insert(store, record("expired-before").expiresAt(T0.minusMillis(1)).build());
    insert(store, record("expired-exactly").expiresAt(T0).build());
    insert(
        store,
        record("expired-failed").expiresAt(T0.minusSeconds(10)).status(TimerStatus.FAILED).build());
    insert(store, record("not-yet").expiresAt(T0.plusMillis(1)).build());
    insert(store, record("never").build());

    assertThat(store.purge(T0, null).expired()).isEqualTo(3);

    assertThat(ids(store.list(TimerQuery.all()))).containsExactlyInAnyOrder("not-yet", "never");
  }

  @Test
  public void deleteFailedBefore_deletesOnlyOldFailures() {
    insert(
        store,
        record("old-failed").status(TimerStatus.FAILED).updatedAt(T0.minusSeconds(100)).build());
    insert(
        store,
        record("new-failed").status(TimerStatus.FAILED).updatedAt(T0.plusSeconds(1)).build());
    insert(store, record("old-active").updatedAt(T0.minusSeconds(100)).build());
    insert(
        store,
        record("old-quarantined")
            .status(TimerStatus.QUARANTINED)
            .updatedAt(T0.minusSeconds(100))
            .build());

    assertThat(store.purge(null, T0).failed()).isEqualTo(1);

    assertThat(ids(store.list(TimerQuery.all())))
        .containsExactlyInAnyOrder("new-failed", "old-active", "old-quarantined");
  }

  // --- writeAll (group commit) ----------------------------------------------------------------

  @Test
  public void writeAll_reportsEachWritesOutcomeInOrder() {
    TimerRecord existing = record("existing").build();
    TimerRecord stale = record("stale").version(5).build();
    TimerRecord doomed = record("doomed").version(2).build();
    insert(store, existing);
    insert(store, stale);
    insert(store, doomed);
    TimerRecord fresh = record("fresh").build();
    TimerRecord existingV2 = Records.rescheduled(existing, T0.plusSeconds(9), 0, null, null, T0);

    List<Boolean> results =
        store.writeAll(
            List.of(
                new Write.Insert(fresh),
                new Write.Insert(record("existing").callbackType("other").build()),
                new Write.Update(existingV2, 1),
                new Write.Update(Records.rescheduled(stale, T0, 0, null, null, T0), 4),
                new Write.Delete("doomed", 2),
                new Write.Delete("missing", 1)));

    assertThat(results).containsExactly(true, false, true, false, true, false);
    assertThat(store.get("fresh")).contains(fresh);
    assertThat(store.get("existing")).contains(existingV2);
    assertThat(store.get("stale")).contains(stale);
    assertThat(store.get("doomed")).isEmpty();
  }

  @Test
  public void writeAll_laterWritesSeeEarlierOnesInTheSameBatch() {
    TimerRecord v1 = record("x").build();
    TimerRecord v2 = Records.rescheduled(v1, T0.plusSeconds(1), 0, null, null, T0);

    List<Boolean> results =
        store.writeAll(
            List.of(
                new Write.Insert(v1),
                new Write.Update(v2, 1),
                new Write.Delete("x", 2),
                new Write.Insert(v1)));

    assertThat(results).containsExactly(true, true, true, true);
    assertThat(store.get("x")).contains(v1);
  }

  @Test
  public void writeAll_manyDeletes_eachComparesItsOwnVersion() {
    List<Write> deletes = new ArrayList<>();
    for (int i = 0; i < 450; i++) {
      insert(store, record("d" + i).version(3).build());
      // Every third delete carries a stale version and must leave its timer alone.
      deletes.add(new Write.Delete("d" + i, i % 3 == 0 ? 2 : 3));
    }
    deletes.add(new Write.Delete("never-stored", 1));

    List<Boolean> results = store.writeAll(deletes);

    for (int i = 0; i < 450; i++) {
      assertThat(results.get(i)).as("delete of d%d", i).isEqualTo(i % 3 != 0);
    }
    assertThat(results.get(450)).isFalse();
    assertThat(store.count(TimerQuery.all())).isEqualTo(150);
  }

  @Test
  public void writeAll_emptyBatch_changesNothing() {
    assertThat(store.writeAll(List.of())).isEmpty();
    assertThat(store.list(TimerQuery.all())).isEmpty();
  }

  @Test
  public void writeAll_largeBatch_allStored() {
    List<Write> writes = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      writes.add(new Write.Insert(record(String.format("b%04d", i)).due(T0.plusMillis(i)).build()));
    }

    assertThat(store.writeAll(writes)).hasSize(600).containsOnly(true);

    assertThat(store.count(TimerQuery.all())).isEqualTo(600);
  }

  @Test
  public void concurrentBatches_loseNoWrite() throws Exception {
    int threads = 4;
    AtomicInteger next = new AtomicInteger();
    runConcurrently(
        threads,
        () -> {
          for (int round = 0; round < 10; round++) {
            List<Write> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
              batch.add(new Write.Insert(record("c" + next.getAndIncrement()).build()));
            }
            assertThat(store.writeAll(batch)).containsOnly(true);
          }
          return null;
        });

    assertThat(store.count(TimerQuery.all())).isEqualTo(threads * 10 * 20);
  }

  // --- concurrency ----------------------------------------------------------------------------

  @Test
  public void concurrentCompareAndSet_loseNoUpdate() throws Exception {
    insert(store, record("counter").build());
    int threads = 4;
    int perThread = 25;
    AtomicInteger successes = new AtomicInteger();

    runConcurrently(
        threads,
        () -> {
          int mine = 0;
          while (mine < perThread) {
            TimerRecord current = store.get("counter").orElseThrow();
            TimerRecord next =
                Records.rescheduled(current, current.nextFireAt().plusMillis(1), 0, null, null, T0);
            if (update(store, next, current.version())) {
              mine++;
              successes.incrementAndGet();
            }
          }
          return null;
        });

    TimerRecord end = store.get("counter").orElseThrow();
    assertThat(successes.get()).isEqualTo(threads * perThread);
    assertThat(end.version()).isEqualTo(1 + threads * perThread);
    assertThat(end.nextFireAt()).isEqualTo(T0.plusMillis(threads * perThread));
  }

  @Test
  public void concurrentInsertsOfOneId_exactlyOneWins() throws Exception {
    int threads = 4;
    List<Boolean> results =
        runConcurrently(threads, () -> insert(store, record("contested").build()));

    assertThat(results).containsOnlyOnce(true);
    assertThat(store.count(TimerQuery.all())).isEqualTo(1);
  }

  @Test
  public void concurrentInsertsOfDistinctIds_allStored() throws Exception {
    int threads = 4;
    int perThread = 50;
    AtomicInteger next = new AtomicInteger();

    runConcurrently(
        threads,
        () -> {
          for (int i = 0; i < perThread; i++) {
            int n = next.getAndIncrement();
            insert(store, record("t" + n).due(T0.plusMillis(n)).build());
          }
          return null;
        });

    Set<String> stored = new HashSet<>(ids(store.list(TimerQuery.all())));
    assertThat(stored).hasSize(threads * perThread);
    assertThat(due(store, T0.plusSeconds(1), threads * perThread)).hasSize(threads * perThread);
  }

  @Test
  public void concurrentDeleteAndUpdate_exactlyOneSucceeds() throws Exception {
    for (int round = 0; round < 20; round++) {
      String id = "race-" + round;
      TimerRecord v1 = record(id).build();
      insert(store, v1);
      TimerRecord v2 = Records.rescheduled(v1, T0.plusSeconds(1), 0, null, null, T0);

      List<Boolean> results =
          runConcurrently(2, List.of(() -> update(store, v2, 1), () -> delete(store, id, 1)));

      assertThat(results).containsOnlyOnce(true);
      if (results.get(0)) {
        assertThat(store.get(id)).contains(v2);
      } else {
        assertThat(store.get(id)).isEmpty();
      }
    }
  }

  // --- engine lock --------------------------------------------------------------------------

  @Test
  public void lockForEngine_secondSingleNodeEngine_isRefusedWhileTheFirstHoldsIt()
      throws Exception {
    try (EngineLock first = store.lockForEngine(false)) {
      assertThatThrownBy(() -> store.lockForEngine(false))
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("already running");
      try (Store other = openSameStorage()) {
        if (other != null) {
          assertThatThrownBy(() -> other.lockForEngine(false))
              .as("from another instance over the same storage")
              .isInstanceOf(StoreInUseException.class)
              .hasMessageContaining("already running");
        }
      }
    }
  }

  @Test
  public void lockForEngine_released_canBeTakenAgain_andAStaleCloseReleasesNothing() {
    EngineLock first = store.lockForEngine(false);
    assertThatThrownBy(() -> store.lockForEngine(false)).isInstanceOf(StoreInUseException.class);
    first.close();

    try (EngineLock second = store.lockForEngine(false)) {
      first.close(); // idempotent: must not release the second holder's lock
      assertThatThrownBy(() -> store.lockForEngine(false)).isInstanceOf(StoreInUseException.class);
    }
    store.lockForEngine(false).close();
  }

  @Test
  public void lockForEngine_releasedByOneInstance_isFreeForAnother() throws Exception {
    try (Store other = openSameStorage()) {
      if (other == null) {
        store.lockForEngine(false).close();
        store.lockForEngine(false).close();
        return;
      }
      EngineLock mine = store.lockForEngine(false);
      assertThatThrownBy(() -> other.lockForEngine(false)).isInstanceOf(StoreInUseException.class);
      mine.close();
      try (EngineLock theirs = other.lockForEngine(false)) {
        assertThatThrownBy(() -> store.lockForEngine(false))
            .isInstanceOf(StoreInUseException.class);
      }
    }
  }

  @Test
  public void lockForEngine_manyThreadsAtOnce_exactlyOneGetsIt() throws Exception {
    int threads = 8;
    List<EngineLock> taken = new ArrayList<>();
    try {
      List<Object> results =
          runConcurrently(
              threads,
              () -> {
                try {
                  return store.lockForEngine(false);
                } catch (StoreInUseException refused) {
                  return refused;
                }
              });
      results.stream()
          .filter(EngineLock.class::isInstance)
          .map(EngineLock.class::cast)
          .forEach(taken::add);
      assertThat(taken).hasSize(1);
      assertThat(results).filteredOn(StoreInUseException.class::isInstance).hasSize(threads - 1);
    } finally {
      taken.forEach(EngineLock::close);
    }
  }

  @Test
  public void lockForEngine_multiNode_sharedLocksCoexist_butNeverBesideASingleNodeOne()
      throws Exception {
    if (!supportsMultiNode()) {
      assertThat(store)
          .as("a ClaimingStore offers multi-node mode: override supportsMultiNode()")
          .isNotInstanceOf(ClaimingStore.class);
      return;
    }
    try (Store other = openSameStorage()) {
      Store second = other != null ? other : store;
      EngineLock a = store.lockForEngine(true);
      EngineLock b = second.lockForEngine(true);
      assertThatThrownBy(() -> store.lockForEngine(false))
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("already running")
          .hasMessageContaining("multi-node");
      a.close();
      assertThatThrownBy(() -> second.lockForEngine(false))
          .as("one multi-node engine left")
          .isInstanceOf(StoreInUseException.class);
      b.close();

      try (EngineLock single = second.lockForEngine(false)) {
        assertThatThrownBy(() -> store.lockForEngine(true))
            .isInstanceOf(StoreInUseException.class)
            .hasMessageContaining("already running")
            .hasMessageContaining("single-node");
      }
      store.lockForEngine(true).close();
    }
  }

  @Test
  public void lockForEngine_whileHeld_readsAndWritesWorkFromEveryInstance() throws Exception {
    try (EngineLock lock = store.lockForEngine(false);
        Store other = openSameStorage()) {
      List<Store> handles = other == null ? List.of(store) : List.of(store, other);
      for (int n = 0; n < handles.size(); n++) {
        Store handle = handles.get(n);
        String id = "while-locked-" + n;
        TimerRecord r = record(id).build();
        assertThat(insert(handle, r)).isTrue();
        assertThat(handle.get(id)).contains(r);
        assertThat(ids(handle.list(TimerQuery.all()))).contains(id);
        assertThat(handle.count(TimerQuery.all())).isEqualTo(1);
        assertThat(ids(due(handle, T0.plusSeconds(1), 10))).containsExactly(id);
        TimerRecord v2 = Records.rescheduled(r, T0.plusSeconds(5), 0, null, null, T0);
        assertThat(update(handle, v2, 1)).isTrue();
        assertThat(handle.writeAll(List.of(new Write.Insert(record(id + "-b").build()))))
            .containsExactly(true);
        assertThat(remove(handle, id + "-b")).isTrue();
        assertThat(delete(handle, id, v2.version())).isTrue();
      }
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  protected static List<String> ids(List<TimerRecord> records) {
    return records.stream().map(TimerRecord::id).toList();
  }

  private static <T> List<T> runConcurrently(int threads, Callable<T> task) throws Exception {
    List<Callable<T>> tasks = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      tasks.add(task);
    }
    return runConcurrently(threads, tasks);
  }

  // --- same id, new incarnation -------------------------------------------------------------
  // A timer created under an id that existed before is a new timer. Its version starts fresh and
  // random, so every compare-and-set of the old timer (its run's outcome, its advance) misses it.

  @Test
  public void sameIdNewIncarnation_compareAndSetOfTheOldVersionMissesTheNewRecord() {
    TimerRecord old = record("reused").version(7).build();
    insert(store, old);
    assertThat(remove(store, "reused")).isTrue();
    TimerRecord fresh =
        record("reused").version(4_611_686_018_427_387_000L).params("{\"v\":2}").build();
    assertThat(insert(store, fresh)).isTrue();

    assertThat(update(store, Records.rescheduled(old, T0.plusSeconds(60), 0, null, T0, T0), 7))
        .isFalse();
    assertThat(delete(store, "reused", 7)).isFalse();
    assertThat(store.writeAll(List.of(new Write.Delete("reused", 7), new Write.Update(old, 7))))
        .containsExactly(false, false);

    assertThat(store.get("reused")).contains(fresh);
  }

  @Test
  public void versionsUpToTwoToTheSixtyTwo_roundTripAndCompare() {
    long big = (1L << 62) - 2;
    TimerRecord v = record("big").version(big).build();
    insert(store, v);
    TimerRecord next = Records.rescheduled(v, T0.plusSeconds(5), 0, null, T0, T0);

    assertThat(update(store, next, big)).isTrue();
    assertThat(store.get("big").orElseThrow().version()).isEqualTo(big + 1);
    assertThat(delete(store, "big", big)).isFalse();
    assertThat(delete(store, "big", big + 1)).isTrue();
  }

  @Test
  public void scheduleAll_500Timers_areOneWriteAll_andReplacingThemAnother() {
    CountingStore counting = new CountingStore(store);
    try (TimerHarness h =
        TimerHarness.on(counting, T0, b -> b.register("reminder", CallbackFactory.of(ctx -> {})))
            .start()) {
      List<io.persistenttimers.ScheduleRequest> requests = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        requests.add(
            io.persistenttimers.ScheduleRequest.after(
                Duration.ofMillis(i + 1),
                TimerSpec.of("reminder", "p-" + i)
                    .id("batch-" + i)
                    .ifExists(io.persistenttimers.IfExists.REPLACE)));
      }
      counting.writeAlls().clear();
      int readsBefore = counting.getAlls();

      List<io.persistenttimers.Scheduled> created = h.timer().scheduleAll(requests);

      assertThat(created).hasSize(500).allMatch(s -> s.outcome().name().equals("CREATED"));
      assertThat(created.get(499).id()).isEqualTo("batch-499");
      assertThat(counting.writeAlls()).containsExactly(500);
      assertThat(counting.getAlls() - readsBefore).isEqualTo(1);
      assertThat(store.count(TimerQuery.all())).isEqualTo(500);
      assertThat(h.timer().stats().armed()).isEqualTo(500);

      List<io.persistenttimers.Scheduled> replaced = h.timer().scheduleAll(requests);

      assertThat(replaced).allMatch(s -> s.outcome().name().equals("REPLACED"));
      assertThat(counting.writeAlls()).containsExactly(500, 500);
      assertThat(store.count(TimerQuery.all())).isEqualTo(500);
      assertThat(h.timer().stats().armed()).isEqualTo(500);
    }
  }

  /** An engine over this contract's store on a manual clock, callbacks on the calling thread. */
  private final class Engine implements AutoCloseable {
    final ManualClock clock;
    final ManualScheduler scheduler;
    final List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.function.Consumer<TimerContext> during = ctx -> {};
    final PersistentTimer timer;

    Engine() {
      this(T0);
    }

    Engine(Instant start) {
      clock = new ManualClock(start);
      scheduler = new ManualScheduler(clock);
      timer =
          PersistentTimer.builder(store)
              .clock(clock)
              .scheduler(scheduler)
              .workers(Runnable::run)
              .register(
                  "reminder",
                  CallbackFactory.of(
                      ctx -> {
                        ran.add(ctx.timerId() + " " + ctx.params() + " @" + ctx.firedAt());
                        during.accept(ctx);
                      }))
              .build();
      timer.start();
    }

    String at(Duration after) {
      return " @" + T0.plus(after);
    }

    @Override
    public void close() {
      timer.close();
    }
  }

  // --- rows that cannot be evaluated (hand-edited) ------------------------------------------
  // A row that decodes but whose schedule cannot be evaluated after its run must end in a stored
  // state, QUARANTINED with the reason, and must not run again at every start.

  private void garbageRowRunsOnceThenStaysQuarantined(TimerRecord garbage) {
    insert(store, garbage);
    try (Engine e = new Engine()) {
      e.scheduler.advance(Duration.ofMinutes(1));
      TimerRecord stored = store.get(garbage.id()).orElseThrow();
      assertThat(stored.status()).isEqualTo(TimerStatus.QUARANTINED);
      assertThat(stored.lastError()).contains("cannot compute the next occurrence");
      assertThat(e.ran).hasSize(1);
      assertThat(e.timer.stats().running()).isZero();
    }
    try (Engine restarted = new Engine(T0.plus(Duration.ofMinutes(2)))) {
      restarted.scheduler.advance(Duration.ofHours(1));
      assertThat(restarted.ran).as("not run again after a restart").isEmpty();
    }
  }

  @Test
  public void garbageRow_intervalWithoutAnchor_isQuarantinedAfterItsRun() {
    garbageRowRunsOnceThenStaysQuarantined(
        record("no-anchor")
            .callbackType("reminder")
            .recurring(Schedule.every(Duration.ofMinutes(5)))
            .due(T0.plus(Duration.ofMinutes(1)))
            .build());
  }

  @Test
  public void garbageRow_intervalAnchoredAtTheLatestInstant_isQuarantinedAfterItsRun() {
    garbageRowRunsOnceThenStaysQuarantined(
        record("max-anchor")
            .callbackType("reminder")
            .recurring(Schedule.every(Duration.ofMinutes(5), Instant.MAX))
            .due(T0.plus(Duration.ofMinutes(1)))
            .build());
  }

  private static TimerSpec reused(String id, String params) {
    return TimerSpec.of("reminder", "participant-ana").id(id).params(params);
  }

  @Test
  public void sameIdNewIncarnation_cancelWhileRunningThenScheduleAgain_newTimerKeptAndFires() {
    try (Engine e = new Engine()) {
      e.timer.scheduleAfter(Duration.ofMinutes(1), reused("k", "{\"v\":1}"));
      e.during =
          ctx -> {
            if (ctx.params().equals("{\"v\":1}")) {
              assertThat(e.timer.cancel("k")).isTrue();
              e.timer.scheduleAfter(Duration.ofMinutes(10), reused("k", "{\"v\":2}"));
            }
          };

      e.scheduler.advance(Duration.ofMinutes(1));
      assertThat(store.get("k").orElseThrow().params()).isEqualTo("{\"v\":2}");
      e.scheduler.advance(Duration.ofMinutes(10));

      assertThat(e.ran)
          .containsExactly(
              "k {\"v\":1}" + e.at(Duration.ofMinutes(1)),
              "k {\"v\":2}" + e.at(Duration.ofMinutes(11)));
      assertThat(store.get("k")).isEmpty();
    }
  }

  @Test
  public void sameIdNewIncarnation_snoozeFromTheCallback_theSnoozedTimerFires() {
    try (Engine e = new Engine()) {
      e.timer.scheduleAfter(Duration.ofMinutes(1), reused("snooze", "{}"));
      e.during =
          ctx -> {
            if (e.ran.size() < 3) {
              e.timer.cancel(ctx.timerId());
              e.timer.scheduleAfter(Duration.ofMinutes(5), reused(ctx.timerId(), "{}"));
            }
          };

      e.scheduler.advance(Duration.ofHours(1));

      assertThat(e.ran)
          .containsExactly(
              "snooze {}" + e.at(Duration.ofMinutes(1)),
              "snooze {}" + e.at(Duration.ofMinutes(6)),
              "snooze {}" + e.at(Duration.ofMinutes(11)));
      assertThat(store.get("snooze")).isEmpty();
    }
  }

  @Test
  public void sameIdNewIncarnation_recurringCancelledWhileRunning_doesNotComeBack() {
    try (Engine e = new Engine()) {
      e.timer.scheduleRecurring(
          Schedule.every(Duration.ofMinutes(1)), reused("r", "{\"kind\":\"recurring\"}"));
      e.during =
          ctx -> {
            if (ctx.timer().kind() == TimerKind.RECURRING) {
              e.timer.cancel("r");
              e.timer.scheduleAfter(Duration.ofMinutes(30), reused("r", "{\"kind\":\"once\"}"));
            }
          };

      e.scheduler.advance(Duration.ofMinutes(1));
      assertThat(store.get("r").orElseThrow().kind()).isEqualTo(TimerKind.ONCE);
      e.scheduler.advance(Duration.ofHours(2));

      assertThat(e.ran)
          .containsExactly(
              "r {\"kind\":\"recurring\"}" + e.at(Duration.ofMinutes(1)),
              "r {\"kind\":\"once\"}" + e.at(Duration.ofMinutes(31)));
      assertThat(store.get("r")).isEmpty();
    }
  }

  @Test
  public void sameIdNewIncarnation_operatorDeletedAnArmedTimer_newOneFiresOnlyAtItsOwnTime() {
    try (Engine e = new Engine()) {
      e.timer.scheduleAfter(Duration.ofSeconds(2), reused("op", "{\"v\":1}"));
      // An operator tool deletes it through the store; the engine still has it armed.
      assertThat(remove(store, "op")).isTrue();
      e.timer.scheduleAfter(Duration.ofSeconds(6), reused("op", "{\"v\":2}"));

      e.scheduler.advance(Duration.ofSeconds(2));
      assertThat(e.ran).as("nothing fires early").isEmpty();
      e.scheduler.advance(Duration.ofSeconds(4));

      assertThat(e.ran).containsExactly("op {\"v\":2}" + e.at(Duration.ofSeconds(6)));
    }
  }

  @Test
  public void sameIdNewIncarnation_scheduledManyTimes_neverReusesAVersion() {
    try (Engine e = new Engine()) {
      Set<Long> versions = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        e.timer.scheduleAfter(Duration.ofMinutes(1), reused("same", "{}"));
        versions.add(store.get("same").orElseThrow().version());
        e.timer.cancel("same");
      }
      assertThat(versions).hasSize(200);
    }
  }

  private static <T> List<T> runConcurrently(int threads, List<Callable<T>> tasks)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.call();
                }));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  // === Input rules (DESIGN, Semantics 16) ===================================================
  // One set of rules, checked in core before any store is asked: params are exactly one JSON
  // value; no NUL and no unpaired surrogate in any text; everything else (quotes, SQL-like text,
  // emoji, CJK, line separators) round-trips byte for byte. A store never becomes the validator,
  // so each refusal below is the same IllegalArgumentException on every store and the store is
  // left as it was. (Kept as one section at the end of the class to ease merging.)

  /** Text every store must keep exactly: quotes, SQL, emoji (surrogate pairs), CJK, U+2028. */
  protected static final String AWKWARD_TEXT =
      "O'Brien \"q\" '); DROP TABLE x; -- \\ %_ 😀👩‍🔬 日本語 한국어 \u2028\u2029 é\tz";

  /** Params holding the same, raw and as escapes (an escaped surrogate pair is fine). */
  protected static final String AWKWARD_PARAMS =
      "{\"t\": \"O'Brien \\\"q\\\" '); DROP TABLE x; -- \\\\ %_ 😀 \\ud83d\\ude00"
          + " 日本語 \u2028 \\u2028 é\", \"n\": [1.5e300, -0, 1E-300],  \"日本\": null}\n";

  private record BadInput(
      String name, java.util.function.Consumer<PersistentTimer> call, String message) {}

  private static List<BadInput> badInputs() {
    TimerSpec ok = TimerSpec.of("reminder", "participant-1");
    Duration d = Duration.ofMinutes(5);
    return List.of(
        new BadInput(
            "params with text after the value",
            t -> t.scheduleAfter(d, ok.params("{\"a\":1} x")),
            "params must be exactly one JSON value"),
        new BadInput(
            "params with two values",
            t -> t.scheduleAfter(d, ok.params("{\"a\":1}{\"b\":2}")),
            "params must be exactly one JSON value"),
        new BadInput(
            "params with a raw NUL",
            t -> t.scheduleAfter(d, ok.params("{\"a\":\"\u0000\"}")),
            "params must not contain NUL (U+0000)"),
        new BadInput(
            "params with an escaped NUL",
            t -> t.scheduleAfter(d, ok.params("{\"a\":\"\\u0000\"}")),
            "params must not contain NUL (U+0000), not even escaped"),
        new BadInput(
            "params with an escaped unpaired surrogate",
            t -> t.scheduleAfter(d, ok.params("{\"a\":\"\\ud800\"}")),
            "params must not contain an unpaired surrogate, not even escaped"),
        new BadInput(
            "params with a number no store keeps alike",
            t -> t.scheduleAfter(d, ok.params("{\"a\":1e1000000}")),
            "params numbers must have at most 1000 digits"),
        new BadInput(
            "id with NUL",
            t -> t.scheduleAfter(d, ok.id("s\u0000t")),
            "id must not contain NUL (U+0000)"),
        new BadInput(
            "id with an unpaired high surrogate",
            t -> t.scheduleAfter(d, ok.id("s\uD800t")),
            "id must not contain an unpaired surrogate (U+D800)"),
        new BadInput(
            "id with an unpaired low surrogate",
            t -> t.scheduleAfter(d, ok.id("s\uDFFFt")),
            "id must not contain an unpaired surrogate (U+DFFF)"),
        new BadInput(
            "participant with NUL",
            t -> t.scheduleAfter(d, TimerSpec.of("reminder", "p\u0000")),
            "participantId must not contain NUL"),
        new BadInput(
            "flow type with an unpaired surrogate",
            t -> t.scheduleAfter(d, ok.flowType("f\uD83D")),
            "flowType must not contain an unpaired surrogate"),
        new BadInput(
            "callback type with NUL",
            t -> t.scheduleAfter(d, TimerSpec.of("remin\u0000der", "p")),
            "callbackType must not contain NUL"),
        new BadInput(
            "state type with NUL",
            t -> t.scheduleRecurring(Schedule.every(d), ok.state("S\u0000", "k")),
            "stateType must not contain NUL"),
        new BadInput(
            "data key with an unpaired surrogate",
            t -> t.scheduleAt(T0.plus(d), ok.state("S", "k\uDC00")),
            "dataKey must not contain an unpaired surrogate"),
        new BadInput(
            "cancel by an id with an unpaired surrogate",
            t -> t.cancel("s\uD800t"),
            "id must not contain an unpaired surrogate"),
        new BadInput("get by an id with NUL", t -> t.get("s\u0000t"), "id must not contain NUL"),
        new BadInput(
            "cancel by a participant with NUL",
            t -> t.cancelByParticipant("participant-1\u0000"),
            "participantId must not contain NUL"),
        new BadInput(
            "list by a flow type with NUL",
            t -> t.list(TimerQuery.all().flowType("coaching\u0000")),
            "flowType must not contain NUL"));
  }

  @Test
  public void inputRules_eachBadInputIsRefusedAtTheCall_namingTheField_storeUnchanged() {
    try (Engine e = new Engine()) {
      e.timer.scheduleAfter(
          Duration.ofMinutes(1), TimerSpec.of("reminder", "participant-1").id("s?t"));
      List<TimerRecord> before = store.list(TimerQuery.all());

      for (BadInput bad : badInputs()) {
        assertThatThrownBy(() -> bad.call().accept(e.timer))
            .as(bad.name())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(bad.message());
        assertThat(store.list(TimerQuery.all())).as(bad.name()).isEqualTo(before);
      }
      e.scheduler.advance(Duration.ofMinutes(10));
      assertThat(e.ran).containsExactly("s?t {} @" + T0.plus(Duration.ofMinutes(1)));
    }
  }

  @Test
  public void inputRules_aRecordBreakingThemCannotBeBuilt_soNoStoreIsEverAskedToJudgeIt() {
    insert(store, record("kept").build());
    List<TimerRecord> before = store.list(TimerQuery.all());

    assertThatThrownBy(() -> record("x").params("{\"a\":1} x").build())
        .hasMessageContaining("params must be exactly one JSON value");
    assertThatThrownBy(() -> record("x").params("{\"a\":\"\\u0000\"}").build())
        .hasMessageContaining("params must not contain NUL");
    assertThatThrownBy(() -> record("s\uD800t").build())
        .hasMessageContaining("id must not contain an unpaired surrogate");
    assertThatThrownBy(() -> record("x").participant("p\u0000").build())
        .hasMessageContaining("participantId must not contain NUL");
    assertThatThrownBy(() -> record("x").flowType("\uDFFF").build())
        .hasMessageContaining("flowType must not contain an unpaired surrogate");
    assertThatThrownBy(() -> record("x").callbackType("r\u0000").build())
        .hasMessageContaining("callbackType must not contain NUL");
    assertThatThrownBy(() -> record("x").state("S\u0000", null).build())
        .hasMessageContaining("stateType must not contain NUL");
    assertThatThrownBy(() -> record("x").state("S", "\uD800").build())
        .hasMessageContaining("dataKey must not contain an unpaired surrogate");

    assertThat(store.list(TimerQuery.all())).isEqualTo(before);
  }

  @Test
  public void inputRules_awkwardTextInEveryField_roundTripsByteForByte() {
    TimerRecord awkward =
        record(AWKWARD_TEXT)
            .participant(AWKWARD_TEXT)
            .flowType(AWKWARD_TEXT)
            .callbackType(AWKWARD_TEXT)
            .params(AWKWARD_PARAMS)
            .state(AWKWARD_TEXT, AWKWARD_TEXT)
            .attempt(1, "java.lang.IllegalStateException: " + AWKWARD_TEXT)
            .build();
    insert(store, record("s?t").build());

    assertThat(insert(store, awkward)).isTrue();

    TimerRecord read = store.get(AWKWARD_TEXT).orElseThrow();
    assertThat(read).isEqualTo(awkward);
    for (String text :
        List.of(
            read.id(),
            read.participantId(),
            read.flowType(),
            read.callbackType(),
            read.stateType(),
            read.dataKey())) {
      assertThat(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(AWKWARD_TEXT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(read.params().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(AWKWARD_PARAMS.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(store.list(TimerQuery.all().participant(AWKWARD_TEXT))).containsExactly(awkward);
    assertThat(store.list(TimerQuery.all().flowType(AWKWARD_TEXT))).containsExactly(awkward);
    assertThat(store.count(TimerQuery.all().callbackType(AWKWARD_TEXT))).isEqualTo(1);
    assertThat(store.get("s?t")).isPresent();
    assertThat(removeParticipant(store, AWKWARD_TEXT, AWKWARD_TEXT)).containsExactly(AWKWARD_TEXT);
    assertThat(store.list(TimerQuery.all())).extracting(TimerRecord::id).containsExactly("s?t");
  }

  @Test
  public void inputRules_awkwardTextThroughTheEngine_reachesTheCallbackExactly() {
    try (Engine e = new Engine()) {
      e.timer.scheduleAfter(
          Duration.ofMinutes(1),
          TimerSpec.of("reminder", AWKWARD_TEXT)
              .id(AWKWARD_TEXT)
              .flowType(AWKWARD_TEXT)
              .state(AWKWARD_TEXT, AWKWARD_TEXT)
              .params(AWKWARD_PARAMS));
      assertThat(e.timer.get(AWKWARD_TEXT).orElseThrow().params()).isEqualTo(AWKWARD_PARAMS);

      e.scheduler.advance(Duration.ofMinutes(1));

      assertThat(e.ran)
          .containsExactly(AWKWARD_TEXT + " " + AWKWARD_PARAMS + e.at(Duration.ofMinutes(1)));
      assertThat(store.list(TimerQuery.all())).isEmpty();
    }
  }

  @Test
  public void inputRules_aCallbackErrorWithNulAndHalfAPair_isStoredRepaired_onEveryStore() {
    try (Engine e = new Engine()) {
      e.during =
          ctx -> {
            throw new IllegalStateException("bad\u0000byte \uD800 half " + "😀".repeat(1200));
          };
      e.timer.scheduleAfter(
          Duration.ofMinutes(1),
          TimerSpec.of("reminder", "participant-1")
              .id("err")
              .retryPolicy(
                  RetryPolicy.exponential(3, Duration.ofMinutes(1), Duration.ofMinutes(1))));

      e.scheduler.advance(Duration.ofMinutes(1));

      TimerRecord failed = store.get("err").orElseThrow();
      assertThat(failed.status()).isEqualTo(TimerStatus.ACTIVE);
      assertThat(failed.attempt()).isEqualTo(1);
      assertThat(failed.lastError())
          .startsWith("java.lang.IllegalStateException: bad\uFFFDbyte \uFFFD half 😀")
          .hasSizeLessThanOrEqualTo(TimerRecord.MAX_ERROR_LENGTH);
      assertThat(
              Character.isHighSurrogate(failed.lastError().charAt(failed.lastError().length() - 1)))
          .isFalse();
    }
  }

  @Test
  public void timerWithoutParticipant_isStoredFiredAndNeverMatchedByParticipant() {
    try (Engine e = new Engine()) {
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      e.during = ctx -> seen.add("[" + ctx.participantId() + "]");
      e.timer.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder").id("nightly"));
      e.timer.scheduleAfter(
          Duration.ofMinutes(1), TimerSpec.of("reminder", "participant-1").id("owned"));

      assertThat(store.get("nightly").orElseThrow().participantId())
          .isEqualTo(TimerRecord.NO_PARTICIPANT);
      assertThat(store.list(TimerQuery.all().participant("participant-1")))
          .extracting(TimerRecord::id)
          .containsExactly("owned");

      e.scheduler.advance(Duration.ofMinutes(1));

      assertThat(seen).containsExactlyInAnyOrder("[]", "[participant-1]");
      assertThat(store.get("nightly")).isEmpty();
    }
  }
}
