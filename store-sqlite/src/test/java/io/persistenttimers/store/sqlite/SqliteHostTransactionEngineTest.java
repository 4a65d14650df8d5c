package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Move the participant to a state and set a timer" as one unit, end to end: the host writes its
 * own row and the timer through its own connection, and the engine (manual clock and scheduler)
 * fires the timer only after a commit and {@code armCommitted}.
 */
class SqliteHostTransactionEngineTest {

  private static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> fired = new CopyOnWriteArrayList<>();
  private SqliteStore store;
  private PersistentTimer timer;
  private Connection host;

  @BeforeEach
  void open() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("app.db");
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:host/migration")
        .load()
        .migrate();
    store = SqliteStore.openOrCreate(dir.resolve("app.db"));
    timer =
        PersistentTimer.builder(store)
            .register("feedback_initial", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
            .clock(clock)
            .scheduler(scheduler)
            .workers(Runnable::run)
            .build();
    timer.start();
    host = DriverManager.getConnection(url);
    try (Statement s = host.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
    }
    host.setAutoCommit(false);
  }

  @AfterEach
  void close() throws Exception {
    host.close();
    timer.close();
    store.close();
  }

  @Test
  void hostRollback_storesNothing_firesNothing() throws Exception {
    TimerRecord record = prepare("feedback_initial:participant-42");
    moveParticipant("participant-42", "AWAITING_FEEDBACK");
    assertThat(store.insert(host, record)).isTrue();
    host.rollback();

    timer.armCommitted(record.id()); // a host that arms regardless: nothing is there to arm
    scheduler.advance(Duration.ofMinutes(10)); // past the due time and several loads

    assertThat(fired).isEmpty();
    assertThat(store.get(record.id())).isEmpty();
    assertThat(participantState("participant-42")).isNull();
  }

  @Test
  void hostCommit_thenArmCommitted_firesOnceAtTheDueTime() throws Exception {
    TimerRecord record = prepare("feedback_initial:participant-42");
    moveParticipant("participant-42", "AWAITING_FEEDBACK");
    assertThat(store.insert(host, record)).isTrue();
    host.commit();
    timer.armCommitted(record.id());

    scheduler.advance(Duration.ofMillis(999));
    assertThat(fired).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(fired).containsExactly(record.id());
    assertThat(store.get(record.id())).as("completed one-shot is deleted").isEmpty();

    scheduler.advance(Duration.ofMinutes(10));
    assertThat(fired).containsExactly(record.id());
    assertThat(participantState("participant-42")).isEqualTo("AWAITING_FEEDBACK");
  }

  @Test
  void hostCommit_withoutArmCommitted_waitsForTheNextLoad() throws Exception {
    TimerRecord record = prepare("feedback_initial:participant-7");
    assertThat(store.insert(host, record)).isTrue();
    host.commit();

    scheduler.advance(Duration.ofSeconds(2));
    assertThat(fired).as("not armed: the engine does not know about the commit").isEmpty();
    scheduler.advance(Duration.ofMinutes(3)); // the load every half horizon (2.5 min) finds it
    assertThat(fired).containsExactly(record.id());
  }

  @Test
  void batch_hostRollback_storesNothing_firesNothing() throws Exception {
    List<TimerRecord> records = timer.prepareAll(requests(50));
    moveParticipant("participant-0", "AWAITING_FEEDBACK");
    assertThat(store.insertAll(host, records)).hasSize(50).containsOnly(true);
    host.rollback();

    timer.armCommitted(records.stream().map(TimerRecord::id).toList());
    scheduler.advance(Duration.ofMinutes(10));

    assertThat(fired).isEmpty();
    assertThat(store.count(io.persistenttimers.TimerQuery.all())).isZero();
    assertThat(participantState("participant-0")).isNull();
  }

  @Test
  void batch_hostCommit_thenArmCommitted_everyTimerFiresOnceAtItsDueTime() throws Exception {
    timer.scheduleAfter(
        Duration.ofHours(1), TimerSpec.of("feedback_initial", "participant-3").id("batch-3"));
    List<TimerRecord> records = timer.prepareAll(requests(50));
    moveParticipant("participant-0", "AWAITING_FEEDBACK");

    List<Boolean> inserted = store.insertAll(host, records);
    host.commit();
    timer.armCommitted(records.stream().map(TimerRecord::id).toList());

    assertThat(inserted).hasSize(50).containsOnlyOnce(false);
    assertThat(inserted.get(3)).as("batch-3 existed").isFalse();
    scheduler.advance(Duration.ofMillis(999));
    assertThat(fired).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(fired).hasSize(49).doesNotContain("batch-3");
    assertThat(participantState("participant-0")).isEqualTo("AWAITING_FEEDBACK");
  }

  private List<io.persistenttimers.ScheduleRequest> requests(int n) {
    List<io.persistenttimers.ScheduleRequest> requests = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(
          io.persistenttimers.ScheduleRequest.after(
              Duration.ofSeconds(1),
              TimerSpec.of("feedback_initial", "participant-" + i).id("batch-" + i)));
    }
    return requests;
  }

  private TimerRecord prepare(String id) {
    return timer.prepareAfter(
        Duration.ofSeconds(1),
        TimerSpec.of("feedback_initial", id.substring(id.indexOf(':') + 1)).id(id));
  }

  private void moveParticipant(String id, String state) throws Exception {
    try (PreparedStatement s =
        host.prepareStatement("INSERT OR REPLACE INTO participants (id, state) VALUES (?, ?)")) {
      s.setString(1, id);
      s.setString(2, state);
      s.executeUpdate();
    }
  }

  private String participantState(String id) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("app.db"));
        PreparedStatement s = c.prepareStatement("SELECT state FROM participants WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
