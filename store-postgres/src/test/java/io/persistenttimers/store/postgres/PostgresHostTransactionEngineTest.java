package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scheduling inside the host's transaction, end to end with the engine: {@code prepareAfter}, the
 * host's insert in its own transaction, then {@code armCommitted} after the commit. The engine is
 * driven by a manual clock and scheduler with callbacks on the test thread, so nothing sleeps.
 */
class PostgresHostTransactionEngineTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("hosttx_engine");
  private static final Instant T0 = Instant.parse("2025-03-09T06:30:00Z");

  private static HikariDataSource dataSource;
  private static PostgresStore store;

  private ManualClock clock;
  private ManualScheduler scheduler;
  private PersistentTimer timer;
  private final List<String> fired = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void open() {
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 3);
    store = PostgresStore.builder(dataSource).schema(SCHEMA).build();
    PgTestSupport.exec(
        "CREATE TABLE " + stateTable() + " (participant TEXT PRIMARY KEY, state TEXT NOT NULL)");
  }

  @AfterAll
  static void drop() {
    if (store != null) {
      store.close();
    }
    if (dataSource != null) {
      dataSource.close();
    }
    PgTestSupport.dropSchema(SCHEMA);
  }

  @BeforeEach
  void startEngine() {
    PgTestSupport.exec("DELETE FROM " + stateTable());
    PgTestSupport.exec(
        "DELETE FROM " + PostgresStore.quoteIdentifier(SCHEMA) + "." + PostgresStore.TABLE);
    clock = new ManualClock(T0);
    scheduler = new ManualScheduler(clock);
    timer =
        PersistentTimer.builder(store)
            .register("feedback_initial", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
            .clock(clock)
            .scheduler(scheduler)
            .workers(Runnable::run)
            .horizon(Duration.ofMinutes(5))
            .build();
    timer.start();
  }

  @AfterEach
  void closeEngine() {
    timer.close();
  }

  private static String stateTable() {
    return PostgresStore.quoteIdentifier(SCHEMA) + ".participant_state";
  }

  private static TimerSpec spec(String id) {
    return TimerSpec.of("feedback_initial", "participant-42")
        .flowType("micro_health_intervention")
        .id(id);
  }

  /**
   * Due in one minute: well before the next horizon load (every 2.5 minutes), so only {@code
   * armCommitted} can make it fire on time.
   */
  private static final Duration DUE = Duration.ofMinutes(1);

  @Test
  void connection_rollback_noTimerAndNothingFires() throws Exception {
    TimerRecord record = timer.prepareAfter(DUE, spec("conn-rollback"));
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + stateTable() + " VALUES ('participant-42', 'FEEDBACK_PENDING')");
      }
      assertThat(store.insert(c, record)).isTrue();
      c.rollback();
      c.setAutoCommit(true);
    }
    timer.armCommitted(record.id()); // a host that arms regardless: a no-op after a rollback

    scheduler.advance(Duration.ofMinutes(30));

    assertThat(fired).isEmpty();
    assertThat(timer.get(record.id())).isEmpty();
    assertThat(PgTestSupport.queryString("SELECT count(*) FROM " + stateTable())).isEqualTo("0");
  }

  @Test
  void connection_commitThenArmCommitted_firesOnceAtItsDueTime() throws Exception {
    TimerRecord record = timer.prepareAfter(DUE, spec("conn-commit"));
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + stateTable() + " VALUES ('participant-42', 'FEEDBACK_PENDING')");
      }
      assertThat(store.insert(c, record)).isTrue();
      // Not visible to the engine before the host commits: arming now does nothing.
      timer.armCommitted(record.id());
      c.commit();
      c.setAutoCommit(true);
    }
    timer.armCommitted(record.id());

    scheduler.advance(DUE.minusMillis(1));
    assertThat(fired).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(fired).containsExactly(record.id());

    scheduler.advance(Duration.ofMinutes(30));
    assertThat(fired).containsExactly(record.id());
    assertThat(timer.get(record.id())).isEmpty();
    assertThat(PgTestSupport.queryString("SELECT state FROM " + stateTable()))
        .isEqualTo("FEEDBACK_PENDING");
  }

  @Test
  void jdbiHandle_rollback_noTimerAndNothingFires() {
    Jdbi host = Jdbi.create(dataSource);
    TimerRecord record = timer.prepareAfter(DUE, spec("handle-rollback"));

    assertThatThrownBy(
            () ->
                host.useTransaction(
                    h -> {
                      h.execute("INSERT INTO " + stateTable() + " VALUES ('participant-42', 'X')");
                      assertThat(store.insert(h, record)).isTrue();
                      throw new IllegalStateException("the host's own step fails after scheduling");
                    }))
        .isInstanceOf(IllegalStateException.class);
    timer.armCommitted(record.id());

    scheduler.advance(Duration.ofMinutes(30));

    assertThat(fired).isEmpty();
    assertThat(timer.get(record.id())).isEmpty();
    assertThat(PgTestSupport.queryString("SELECT count(*) FROM " + stateTable())).isEqualTo("0");
  }

  @Test
  void jdbiHandle_commitThenArmCommitted_firesOnceAtItsDueTime() {
    Jdbi host = Jdbi.create(dataSource);
    TimerRecord record = timer.prepareAfter(DUE, spec("handle-commit"));

    host.useTransaction(
        h -> {
          h.execute("INSERT INTO " + stateTable() + " VALUES ('participant-42', 'X')");
          assertThat(store.insert(h, record)).isTrue();
        });
    timer.armCommitted(record.id());

    scheduler.advance(DUE.minusMillis(1));
    assertThat(fired).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(fired).containsExactly(record.id());

    scheduler.advance(Duration.ofMinutes(30));
    assertThat(fired).containsExactly(record.id());
    assertThat(timer.get(record.id())).isEmpty();
  }

  private List<TimerRecord> batch(int n) {
    List<io.persistenttimers.ScheduleRequest> requests = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(io.persistenttimers.ScheduleRequest.after(DUE, spec("batch-" + i)));
    }
    return timer.prepareAll(requests);
  }

  private static List<String> ids(List<TimerRecord> records) {
    return records.stream().map(TimerRecord::id).toList();
  }

  @Test
  void connection_batchRollback_noTimerAndNothingFires() throws Exception {
    List<TimerRecord> records = batch(100);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + stateTable() + " VALUES ('participant-42', 'FEEDBACK_PENDING')");
      }
      assertThat(store.insertAll(c, records)).hasSize(100).containsOnly(true);
      c.rollback();
      c.setAutoCommit(true);
    }
    timer.armCommitted(ids(records));

    scheduler.advance(Duration.ofMinutes(30));

    assertThat(fired).isEmpty();
    assertThat(timer.count(io.persistenttimers.TimerQuery.all())).isZero();
    assertThat(PgTestSupport.queryString("SELECT count(*) FROM " + stateTable())).isEqualTo("0");
  }

  @Test
  void connection_batchCommitThenArmCommitted_eachFiresOnce_duplicateReported() throws Exception {
    timer.scheduleAfter(Duration.ofHours(1), spec("batch-7"));
    List<TimerRecord> records = batch(100);
    List<Boolean> inserted;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      inserted = store.insertAll(c, records);
      c.commit();
      c.setAutoCommit(true);
    }
    timer.armCommitted(ids(records));

    assertThat(inserted).hasSize(100).containsOnlyOnce(false);
    assertThat(inserted.get(7)).isFalse();
    scheduler.advance(DUE.minusMillis(1));
    assertThat(fired).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(fired).hasSize(99).doesNotContain("batch-7").doesNotHaveDuplicates();
  }

  @Test
  void jdbiHandle_batchCommitThenArmCommitted_fires() {
    Jdbi host = Jdbi.create(dataSource);
    List<TimerRecord> records = batch(10);
    host.useTransaction(h -> assertThat(store.insertAll(h, records)).containsOnly(true));
    timer.armCommitted(ids(records));

    scheduler.advance(DUE);
    assertThat(fired).hasSize(10);
  }
}
