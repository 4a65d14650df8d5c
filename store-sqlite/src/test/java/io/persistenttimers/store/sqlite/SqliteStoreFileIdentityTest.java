package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.once;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.spi.Write;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database file (or its log) deleted or swapped under an open store. */
class SqliteStoreFileIdentityTest {

  @TempDir Path dir;

  @Test
  void databaseDeletedWhileOpen_nextScheduleIsRefused_andNothingIsAcknowledged() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      store.insert(once("before", "p", T0));

      Files.delete(file);

      assertThatThrownBy(() -> store.insert(once("after", "p", T0)))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isRetryable()).isFalse())
          .hasMessageContaining("timer 'after'")
          .hasMessageContaining("the database file " + file + " was deleted or replaced while open")
          .hasMessageContaining("restart the host after restoring the file");
      // Every later call is refused too, batches and reads included: nothing more is acknowledged.
      List<Write> batch =
          List.of(new Write.Insert(once("b1", "p", T0)), new Write.Insert(once("b2", "p", T0)));
      assertThatThrownBy(() -> store.writeAll(batch))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("deleted or replaced while open");
      assertThatThrownBy(() -> store.get("before"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("deleted or replaced while open");
    }
    // A restart does not start silently with an empty database either.
    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("the file does not exist (nothing was created)");
    assertThat(file).doesNotExist();
  }

  @Test
  void databaseDeletedUnderARunningEngine_scheduleThrows_andNothingIsAcknowledged()
      throws Exception {
    Path file = dir.resolve("timers.db");
    ManualClock clock = new ManualClock(T0);
    List<String> acknowledged = new ArrayList<>();
    try (SqliteStore store = SqliteStore.openOrCreate(file);
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .register("reminder", CallbackFactory.of(ctx -> {}))
                .clock(clock)
                .scheduler(new ManualScheduler(clock))
                .workers(Runnable::run)
                .build()) {
      timer.start();
      acknowledged.add(
          timer
              .scheduleAfter(Duration.ofMinutes(15), TimerSpec.of("reminder", "p").id("before"))
              .id());

      Files.delete(file);

      for (int i = 0; i < 20; i++) {
        String id = "after-" + i;
        assertThatThrownBy(
                () ->
                    timer.scheduleAfter(
                        Duration.ofMinutes(15), TimerSpec.of("reminder", "p").id(id)))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("was deleted or replaced while open");
      }
    }
    assertThat(acknowledged).containsExactly("before");
    assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(StoreException.class);
  }

  @Test
  void backupRenamedOverTheLiveFile_isRefused_andTheBackupIsNotUndoneByTheOldLog()
      throws Exception {
    Path live = dir.resolve("timers.db");
    Path backup = dir.resolve("backup.db");
    TimerRecord fromBackup = once("from-backup", "p", T0);
    try (SqliteStore old = SqliteStore.openOrCreate(backup)) {
      old.insert(fromBackup);
    }
    try (SqliteStore store = SqliteStore.openOrCreate(live)) {
      store.insert(once("live-1", "p", T0));

      Files.move(backup, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

      assertThatThrownBy(() -> store.insert(once("live-2", "p", T0)))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isRetryable()).isFalse())
          .hasMessageContaining(live + " was deleted or replaced while open")
          .hasMessageContaining("replaced by another file");
    }
    // The log of the replaced file, which SQLite leaves behind for a moved database, was moved
    // aside, so the restored file holds exactly the backup.
    assertThat(dir.resolve("timers.db-wal")).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .anyMatch(name -> name.startsWith("timers.db-wal.orphaned-"));
    }
    try (SqliteStore restored = SqliteStore.open(live)) {
      assertThat(restored.list()).containsExactly(fromBackup);
    }
  }

  @Test
  void writeAheadLogDeletedWhileOpen_isRefused() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      store.insert(once("before", "p", T0));

      Files.delete(dir.resolve("timers.db-wal"));

      assertThatThrownBy(() -> store.insert(once("after", "p", T0)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("its -wal file " + dir.resolve("timers.db-wal") + " was deleted");
    }
  }

  @Test
  void sameFile_writesGoOn_andHostConnectionsOpeningAndClosingAreNoChange() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      for (int i = 0; i < 3; i++) {
        // Another connection to the same file comes and goes (as a host's would): SQLite keeps
        // the -wal and -shm while the store's connections are open.
        try (var host = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file)) {
          store.insert(host, once("host-" + i, "p", T0));
        }
        store.insert(once("t-" + i, "p", T0));
      }
      assertThat(store.list()).hasSize(6);
    }
  }
}
