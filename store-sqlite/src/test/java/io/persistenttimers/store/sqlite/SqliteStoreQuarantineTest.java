package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.full;
import static io.persistenttimers.store.sqlite.Records.once;
import static io.persistenttimers.store.sqlite.SqliteStoreOperationsTest.ids;
import static io.persistenttimers.testkit.Stores.due;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows this version cannot read are kept, quarantined and left out; the others keep loading. */
class SqliteStoreQuarantineTest {

  private static final String BAD_SCHEDULE = "{\"type\":\"lunar\",\"phase\":\"full\"}";

  @TempDir Path dir;
  private Path file;
  private SqliteStore store;

  @BeforeEach
  void open() {
    file = dir.resolve("timers.db");
    store = SqliteStore.openOrCreate(file);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void corruptScheduleAndUnknownStatus_areQuarantined_keptAsTheyAre_andSkipped() throws Exception {
    insert(store, once("first", "p", T0.minusSeconds(30)));
    insert(store, full("bad-schedule")); // due T0 + 60s
    insert(store, once("bad-status", "p", T0));
    insert(store, once("last", "p", T0.plusSeconds(90)));
    sql(
        "UPDATE persistent_timers SET schedule_json = '"
            + BAD_SCHEDULE
            + "' WHERE id = 'bad-schedule'");
    sql("UPDATE persistent_timers SET status = 'PAUSED' WHERE id = 'bad-status'");

    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("first", "last");

    assertThat(raw("bad-schedule", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("bad-schedule", "last_error")).contains("schedule_json");
    assertThat(raw("bad-schedule", "schedule_json")).isEqualTo(BAD_SCHEDULE);
    assertThat(raw("bad-schedule", "callback_params")).contains("+15550100");
    assertThat(raw("bad-schedule", "version")).isEqualTo("6");
    assertThat(raw("bad-status", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("bad-status", "last_error")).contains("PAUSED");

    // The row with a bad schedule stays unreadable: kept, omitted, quarantined only once. The one
    // whose only fault was its status now reads as a QUARANTINED record, open to inspection.
    assertThat(ids(store.list(TimerQuery.all()))).containsExactly("first", "bad-status", "last");
    assertThat(store.get("bad-status").orElseThrow().status()).isEqualTo(TimerStatus.QUARANTINED);
    assertThat(due(store, T0.plusSeconds(600), 10))
        .extracting("id")
        .containsExactly("first", "last");
    assertThat(store.get("bad-schedule")).isEmpty();
    assertThat(raw("bad-schedule", "version")).isEqualTo("6");
    assertThat(store.count(TimerQuery.all())).isEqualTo(4);
    assertThat(store.count(TimerQuery.all().status(TimerStatus.QUARANTINED))).isEqualTo(2);
  }

  @Test
  void findDue_skipsUnreadableRows_andStillFillsTheLimit() throws Exception {
    insert(store, once("a", "p", T0));
    insert(store, once("b", "p", T0.plusSeconds(1)));
    insert(store, once("c", "p", T0.plusSeconds(2)));
    sql("UPDATE persistent_timers SET timer_type = 'SOMETIMES' WHERE id = 'a'");

    assertThat(ids(due(store, T0.plusSeconds(10), 2))).containsExactly("b", "c");
    assertThat(raw("a", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("a", "timer_type")).isEqualTo("SOMETIMES");
  }

  @Test
  void get_ofAnUnreadableRow_isEmpty_andQuarantinesIt() throws Exception {
    insert(store, once("x", "p", T0));
    sql("UPDATE persistent_timers SET retry_policy = 'not json' WHERE id = 'x'");

    assertThat(store.get("x")).isEmpty();
    assertThat(raw("x", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("x", "last_error")).contains("retry_policy");
  }

  @Test
  void rowsWrittenBeforeTheInputRules_areQuarantined_keptAsTheyAre_andSkipped() throws Exception {
    // An older version stored what every other store refused: params with text after the value,
    // a NUL in a participant id. They are unreadable now, not a crash of every list or load.
    insert(store, once("trailing", "p", T0));
    insert(store, once("nul", "p", T0.plusSeconds(1)));
    insert(store, once("fine", "p", T0.plusSeconds(2)));
    sql(
        "UPDATE persistent_timers SET callback_params = '{\"phone\":\"+4915112345678\"} x'"
            + " WHERE id = 'trailing'");
    sql("UPDATE persistent_timers SET participant_id = 'p' || char(0) || 'q' WHERE id = 'nul'");

    assertThat(ids(due(store, T0.plusSeconds(10), 10))).containsExactly("fine");

    assertThat(raw("trailing", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("trailing", "last_error"))
        .contains("params must be exactly one JSON value")
        .doesNotContain("4915112345678");
    assertThat(raw("trailing", "callback_params")).contains("+4915112345678");
    assertThat(raw("nul", "status")).isEqualTo("QUARANTINED");
    assertThat(raw("nul", "last_error")).contains("participantId must not contain NUL");
    assertThat(store.count(TimerQuery.all())).isEqualTo(3);
  }

  private void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private String raw(String id, String column) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT " + column + " FROM persistent_timers WHERE id = '" + id + "'")) {
      assertThat(rs.next()).as("row %s exists", id).isTrue();
      return rs.getString(1);
    }
  }
}
