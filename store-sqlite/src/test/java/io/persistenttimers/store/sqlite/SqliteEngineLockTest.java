package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * One engine per SQLite file, in one JVM: two stores over the same file (as two hosts would open
 * it) cannot both run an engine; operator tools can. {@link SqliteEngineLockAcrossJvmsTest} does
 * the same across processes, kill -9 included.
 */
class SqliteEngineLockTest {
  private static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> fired = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private SqliteStore open(Path file) {
    SqliteStore store = SqliteStore.openOrCreate(file);
    opened.add(store);
    return store;
  }

  private PersistentTimer timer(SqliteStore store) {
    PersistentTimer timer =
        PersistentTimer.builder(store)
            .register("reminder", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
            .clock(clock)
            .scheduler(scheduler)
            .workers(Runnable::run)
            .build();
    opened.add(timer);
    return timer;
  }

  @Test
  void secondEngineOnTheSameFile_isRefusedWithTheFileAndTheFix_andTheFirstKeepsFiring()
      throws Exception {
    Path db = dir.resolve("timers.db");
    PersistentTimer first = timer(open(db));
    first.start();
    PersistentTimer second = timer(open(db));

    assertThatThrownBy(second::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("already running on SQLite database " + db.toRealPath())
        .hasMessageContaining(db.toRealPath() + ".engine-lock")
        .hasMessageContaining("in this process")
        .hasMessageContaining("stop it");

    String id = first.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p")).id();
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(fired).containsExactly(id);

    first.close();
    second.start();
    String next = second.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p")).id();
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(fired).containsExactly(id, next);
  }

  @Test
  void operatorTools_readScheduleAndCancel_besideARunningEngine() {
    Path db = dir.resolve("timers.db");
    PersistentTimer engine = timer(open(db));
    engine.start();
    String keep = engine.scheduleAfter(Duration.ofMinutes(5), TimerSpec.of("reminder", "p")).id();
    String drop = engine.scheduleAfter(Duration.ofMinutes(5), TimerSpec.of("reminder", "p")).id();

    SqliteStore operatorStore = open(db);
    assertThat(operatorStore.list()).extracting(TimerRecord::id).contains(keep, drop);
    assertThat(operatorStore.delete(drop)).isPresent();
    PersistentTimer operator = timer(operatorStore); // never started
    assertThat(operator.get(keep)).isPresent();
    assertThat(operator.cancelByParticipant("nobody")).isZero();

    scheduler.advance(Duration.ofMinutes(5));
    assertThat(fired).containsExactly(keep);
  }

  @Test
  void aSymbolicLinkOrADataSource_leadToTheSameLock() throws Exception {
    Path db = dir.resolve("timers.db");
    SqliteStore store = open(db);
    Path link = Files.createSymbolicLink(dir.resolve("link.db"), db);
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + db);

    try (EngineLock held = store.lockForEngine(false)) {
      assertThatThrownBy(() -> open(link).lockForEngine(false))
          .isInstanceOf(StoreInUseException.class);
      SqliteStore viaDataSource = SqliteStore.fromDataSource(source);
      opened.add(viaDataSource);
      assertThatThrownBy(() -> viaDataSource.lockForEngine(false))
          .isInstanceOf(StoreInUseException.class);
    }
  }

  @Test
  void lockFile_namesItsHolder_andStaysAfterRelease() throws Exception {
    Path db = dir.resolve("timers.db");
    SqliteStore store = open(db);
    Path lockFile = dir.resolve("timers.db.engine-lock");

    store.lockForEngine(false).close();

    assertThat(lockFile).exists();
    assertThat(Files.readString(lockFile)).startsWith("process " + ProcessHandle.current().pid());
  }

  @Test
  void closingTheStore_keepsTheLockOfItsEngineUntilTheEngineCloses() {
    Path db = dir.resolve("timers.db");
    SqliteStore store = open(db);
    EngineLock lock = store.lockForEngine(false);

    store.close();
    assertThatThrownBy(() -> open(db).lockForEngine(false)).isInstanceOf(StoreInUseException.class);

    lock.close();
    open(db).lockForEngine(false).close();
  }
}
