package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.schedule.Schedule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rows the code cannot read are quarantined, kept as they are, and never fail a query. */
class PostgresQuarantineTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("quarantine");
  private static final String TABLE = PostgresStore.quoteIdentifier(SCHEMA) + ".persistent_timers";
  private static HikariDataSource dataSource;
  private PostgresStore store;

  @BeforeAll
  static void open() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 2);
  }

  @AfterAll
  static void drop() {
    if (dataSource != null) {
      dataSource.close();
    }
    PgTestSupport.dropSchema(SCHEMA);
  }

  @BeforeEach
  void newStore() {
    store = PostgresStore.builder(dataSource).schema(SCHEMA).build();
    PgTestSupport.exec("TRUNCATE " + TABLE);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** Inserts a row by raw SQL, as an older or newer version or a manual edit might leave it. */
  private static void insertRaw(
      String id, String timerType, String scheduleJson, String status, String due) {
    PgTestSupport.exec(
        "INSERT INTO "
            + TABLE
            + " (id, participant_id, flow_type, callback_type, callback_params,"
            + " payload_version, timer_type, schedule_json, next_fire_at, attempt, status, version,"
            + " created_at, updated_at) VALUES ('"
            + id
            + "', 'participant-1', 'coaching', 'reminder',"
            + " '{\"secret\":\"+15550100\"}', 1, '"
            + timerType
            + "', "
            + (scheduleJson == null ? "NULL" : "'" + scheduleJson + "'::jsonb")
            + ", '"
            + due
            + "', 0, '"
            + status
            + "', 3, '"
            + T0
            + "', '"
            + T0
            + "')");
  }

  @Test
  void corruptSchedule_isQuarantinedKeptAndOmitted_whileOtherRowsLoad() {
    TimerRecord early = record("a-early").due(T0.minusSeconds(20)).build();
    TimerRecord late =
        record("z-late")
            .due(T0.minusSeconds(5))
            .recurring(Schedule.every(Duration.ofMinutes(5), T0))
            .build();
    store.insert(early);
    store.insert(late);
    insertRaw(
        "m-corrupt",
        "RECURRING",
        "{\"type\":\"lunar\",\"phase\":\"full\"}",
        "ACTIVE",
        T0.minusSeconds(10).toString());

    // The corrupt row sits between the good ones in due order; the limit is still filled.
    assertThat(store.findDue(T0, 2)).containsExactly(early, late);

    assertThat(PgTestSupport.queryString("SELECT status FROM " + TABLE + " WHERE id = 'm-corrupt'"))
        .isEqualTo("QUARANTINED");
    assertThat(
            PgTestSupport.queryString(
                "SELECT last_error FROM " + TABLE + " WHERE id = 'm-corrupt'"))
        .contains("schedule_json")
        .doesNotContain("15550100");
    assertThat(
            PgTestSupport.queryString("SELECT version FROM " + TABLE + " WHERE id = 'm-corrupt'"))
        .isEqualTo("4");
    // Raw data left as it was.
    assertThat(
            PgTestSupport.queryString(
                "SELECT schedule_json->>'type' FROM " + TABLE + " WHERE id = 'm-corrupt'"))
        .isEqualTo("lunar");

    // Later calls keep omitting it, never fail, and never drop it.
    assertThat(store.list()).containsExactly(early, late);
    assertThat(store.get("m-corrupt")).isEmpty();
    assertThat(store.count(TimerQuery.all())).isEqualTo(3);
    assertThat(store.count(TimerQuery.all().status(TimerStatus.QUARANTINED))).isEqualTo(1);
    assertThat(store.findDue(T0, 10)).containsExactly(early, late);
  }

  @Test
  void unknownEnumNames_areQuarantined_onGetAndList() {
    insertRaw("new-kind", "CRON_V2", null, "ACTIVE", T0.toString());
    insertRaw("new-status", "ONCE", null, "PAUSED", T0.toString());
    TimerRecord good = record("good").due(T0.plusSeconds(1)).build();
    store.insert(good);

    assertThat(store.get("new-kind")).isEmpty();
    assertThat(store.list()).containsExactly(good);

    assertThat(
            PgTestSupport.queryString("SELECT last_error FROM " + TABLE + " WHERE id = 'new-kind'"))
        .contains("timer_type");
    assertThat(
            PgTestSupport.queryString(
                "SELECT last_error FROM " + TABLE + " WHERE id = 'new-status'"))
        .contains("status");
    assertThat(
            PgTestSupport.queryString(
                "SELECT count(*) FROM " + TABLE + " WHERE status = 'QUARANTINED'"))
        .isEqualTo("2");
  }

  @Test
  void listWithLimit_skipsManyUnreadableRows_andStillFillsTheLimit() {
    for (int i = 0; i < 5; i++) {
      insertRaw("bad-" + i, "ONCE", null, "ACTIVE", T0.plusSeconds(i).toString());
      PgTestSupport.exec(
          "UPDATE " + TABLE + " SET overdue_policy = 'WHENEVER' WHERE id = 'bad-" + i + "'");
    }
    store.insert(record("ok-1").due(T0.plusSeconds(10)).build());
    store.insert(record("ok-2").due(T0.plusSeconds(11)).build());
    store.insert(record("ok-3").due(T0.plusSeconds(12)).build());

    List<TimerRecord> two = store.list(TimerQuery.all().limit(2));

    assertThat(two).extracting(TimerRecord::id).containsExactly("ok-1", "ok-2");
  }

  @Test
  void deleteOfAnUnreadableRow_deletesItAndReturnsEmpty() {
    insertRaw("broken", "RECURRING", "{\"type\":\"interval\"}", "ACTIVE", T0.toString());

    assertThat(store.delete("broken")).isEmpty();

    assertThat(PgTestSupport.queryString("SELECT count(*) FROM " + TABLE)).isEqualTo("0");
  }
}
