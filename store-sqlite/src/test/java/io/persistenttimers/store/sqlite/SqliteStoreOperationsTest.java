package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.full;
import static io.persistenttimers.store.sqlite.Records.once;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** The Store methods against a real file, beyond what the shared contract covers. */
class SqliteStoreOperationsTest {

  @TempDir Path dir;
  private SqliteStore store;

  @BeforeEach
  void open() {
    store = SqliteStore.openOrCreate(dir.resolve("timers.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void get_returnsRecordEqualToTheOneInserted_withEveryFieldSet() {
    TimerRecord record = full("t-1");
    assertThat(store.insert(record)).isTrue();
    assertThat(store.get("t-1")).contains(record);
    assertThat(store.get("missing")).isEmpty();
  }

  @Test
  void calendarAndCronSchedules_roundTripExactly() {
    java.time.ZoneId zone = java.time.ZoneId.of("Europe/Berlin");
    for (io.persistenttimers.schedule.Schedule schedule :
        List.of(
            io.persistenttimers.schedule.Schedule.daily(java.time.LocalTime.of(9, 0), zone),
            io.persistenttimers.schedule.Schedule.cron("30 8 * * 1-5", zone))) {
      TimerRecord base = full("s-" + schedule.getClass().getSimpleName());
      TimerRecord record =
          new TimerRecord(
              base.id(),
              base.participantId(),
              base.flowType(),
              base.callbackType(),
              base.params(),
              base.payloadVersion(),
              base.kind(),
              schedule,
              base.nextFireAt(),
              base.expiresAt(),
              base.stateType(),
              base.dataKey(),
              base.attempt(),
              base.lastError(),
              base.status(),
              base.version(),
              base.retryPolicy(),
              base.overduePolicy(),
              base.lastFiredAt(),
              base.createdAt(),
              base.updatedAt());
      store.insert(record);
      assertThat(store.get(record.id())).contains(record);
    }
  }

  @Test
  void insert_sameIdTwice_keepsTheFirst() {
    TimerRecord first = once("dup", "p", T0);
    assertThat(store.insert(first)).isTrue();
    assertThat(store.insert(once("dup", "other", T0.plusSeconds(5)))).isFalse();
    assertThat(store.get("dup")).contains(first);
  }

  @Test
  void update_and_delete_compareAndSetOnVersion() {
    TimerRecord v1 = once("cas", "p", T0);
    store.insert(v1);
    TimerRecord v2 =
        io.persistenttimers.testkit.Records.rescheduled(
            v1, T0.plusSeconds(30), 1, "failed", null, T0.plusSeconds(1));

    assertThat(store.update(v2, 7)).isFalse();
    assertThat(store.get("cas")).contains(v1);
    assertThat(store.update(v2, 1)).isTrue();
    assertThat(store.get("cas")).contains(v2);
    assertThat(store.update(v2, 1)).isFalse();
    assertThat(
            store.update(
                io.persistenttimers.testkit.Records.rescheduled(
                    once("gone", "p", T0), T0, 0, null, null, T0),
                1))
        .isFalse();

    assertThat(store.delete("cas", 1)).isFalse();
    assertThat(store.get("cas")).isPresent();
    assertThat(store.delete("cas", 2)).isTrue();
    assertThat(store.get("cas")).isEmpty();
  }

  @Test
  void deleteById_returnsTheDeletedRecord() {
    TimerRecord record = full("d");
    store.insert(record);
    assertThat(store.delete("d")).contains(record);
    assertThat(store.delete("d")).isEmpty();
  }

  @Test
  void list_ordersByDueTimeThenId_filtersAndLimits() {
    store.insert(once("b", "p1", T0.plusSeconds(10)));
    store.insert(once("a", "p1", T0.plusSeconds(10)));
    store.insert(once("c", "p2", T0));
    store.insert(Records.withFlow(once("d", "p1", T0.plusSeconds(5)), "other"));

    assertThat(ids(store.list())).containsExactly("c", "d", "a", "b");
    assertThat(ids(store.listByParticipant("p1"))).containsExactly("d", "a", "b");
    assertThat(ids(store.listByFlowType("other"))).containsExactly("d");
    assertThat(ids(store.list(TimerQuery.all().participant("p1").flowType("onboarding"))))
        .containsExactly("a", "b");
    assertThat(ids(store.list(TimerQuery.all().limit(2)))).containsExactly("c", "d");
    assertThat(store.count(TimerQuery.all().participant("p1").limit(1))).isEqualTo(3);
    assertThat(store.count(TimerQuery.all().callbackType("nope"))).isZero();
  }

  @Test
  void findDue_returnsActiveRecordsStrictlyBefore_inDueOrder_upToLimit() {
    store.insert(once("late", "p", T0.plusSeconds(100)));
    store.insert(once("b", "p", T0));
    store.insert(once("a", "p", T0));
    store.insert(once("early", "p", T0.minusSeconds(100)));
    store.insert(
        Records.withStatus(once("failed", "p", T0.minusSeconds(200)), TimerStatus.FAILED, T0));

    assertThat(ids(store.findDue(T0.plusSeconds(100), 10))).containsExactly("early", "a", "b");
    assertThat(ids(store.findDue(T0.plusSeconds(100), 2))).containsExactly("early", "a");
    assertThat(ids(store.findDue(T0, 10))).containsExactly("early");
    assertThat(store.findDue(T0, 0)).isEmpty();
  }

  @Test
  void findDue_isAnIndexRangeScanWithoutSorting() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("timers.db"));
        Statement s = c.createStatement();
        ResultSet plan =
            s.executeQuery(
                "EXPLAIN QUERY PLAN SELECT * FROM persistent_timers"
                    + " WHERE status = 'ACTIVE' AND next_fire_at < 5 ORDER BY next_fire_at, id")) {
      StringBuilder details = new StringBuilder();
      while (plan.next()) {
        details.append(plan.getString("detail")).append('\n');
      }
      assertThat(details.toString())
          .contains("USING INDEX idx_persistent_timers_due")
          .doesNotContain("TEMP B-TREE");
    }
  }

  @Test
  void deleteByParticipant_deletesInOneGo_andReturnsIdsInDueOrder() {
    store.insert(once("x2", "p1", T0.plusSeconds(2)));
    store.insert(once("x1", "p1", T0.plusSeconds(1)));
    store.insert(Records.withFlow(once("x3", "p1", T0), "other"));
    store.insert(once("y", "p2", T0));

    assertThat(store.deleteByParticipant("p1", "onboarding")).containsExactly("x1", "x2");
    assertThat(ids(store.list())).containsExactly("x3", "y");
    assertThat(store.deleteByParticipant("p1", null)).containsExactly("x3");
    assertThat(store.deleteByParticipant("nobody", null)).isEmpty();
    assertThat(ids(store.list())).containsExactly("y");
  }

  @Test
  void deleteExpired_and_deleteFailedBefore_deleteOnlyWhatTheySay() {
    store.insert(Records.expiring(once("expired", "p", T0), T0));
    store.insert(Records.expiring(once("later", "p", T0), T0.plusMillis(1)));
    store.insert(once("forever", "p", T0));
    store.insert(
        Records.withStatus(once("old-failure", "p", T0), TimerStatus.FAILED, T0.minusSeconds(1)));
    store.insert(Records.withStatus(once("new-failure", "p", T0), TimerStatus.FAILED, T0));

    assertThat(store.deleteExpired(T0)).isEqualTo(1);
    assertThat(store.deleteFailedBefore(T0)).isEqualTo(1);
    assertThat(ids(store.list())).containsExactlyInAnyOrder("later", "forever", "new-failure");
  }

  @Test
  void fromDataSource_worksOnTheSameFile() {
    store.insert(once("shared", "p", T0));
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + dir.resolve("timers.db"));
    try (SqliteStore other = SqliteStore.fromDataSource(source)) {
      assertThat(other.get("shared")).contains(once("shared", "p", T0));
      assertThat(other.insert(once("second", "p", T0))).isTrue();
    }
    assertThat(store.get("second")).isPresent();
  }

  @Test
  void closedStore_refusesCalls_withAClearMessage() {
    store.close();
    store.close();
    assertThatThrownBy(() -> store.get("t-9"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("t-9")
        .hasMessageContaining("closed");
  }

  @Test
  void failures_becomeStoreExceptions_namingOperationAndId_withoutParams() throws Exception {
    // A trigger that refuses inserts stands in for any SQL failure.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("timers.db"));
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER refuse BEFORE INSERT ON persistent_timers"
              + " BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END");
    }
    TimerRecord record = full("t-err");
    assertThatThrownBy(() -> store.insert(record))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("insert")
        .hasMessageContaining("t-err")
        .hasMessageContaining("refused by trigger")
        .hasMessageNotContaining("+15550100");
  }

  static List<String> ids(List<TimerRecord> records) {
    List<String> ids = new ArrayList<>();
    records.forEach(r -> ids.add(r.id()));
    return ids;
  }
}
