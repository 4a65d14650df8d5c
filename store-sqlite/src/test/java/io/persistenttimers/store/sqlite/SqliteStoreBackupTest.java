package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.full;
import static io.persistenttimers.store.sqlite.Records.once;
import static io.persistenttimers.testkit.Stores.delete;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Write;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backing up a live store and restoring the copy, as the README says. */
class SqliteStoreBackupTest {

  @TempDir Path dir;

  @Test
  void backupOfALiveStore_restored_hasEveryTimerOfTheMomentOfTheBackup() throws Exception {
    Path live = dir.resolve("timers.db");
    Path backup = Files.createDirectory(dir.resolve("backups")).resolve("timers-1.db");
    List<TimerRecord> atBackup = new ArrayList<>();
    try (SqliteStore store = SqliteStore.openOrCreate(live)) {
      List<Write> batch = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        TimerRecord r = once(String.format("t-%03d", i), "p-" + (i % 7), T0.plusSeconds(i));
        batch.add(new Write.Insert(r));
        atBackup.add(r);
      }
      store.writeAll(batch);
      TimerRecord recurring = full("recurring");
      insert(store, recurring);
      atBackup.add(recurring);
      delete(store, "t-000", 1);
      atBackup.remove(0);

      store.backupTo(backup); // the store stays open and in use

      insert(store, once("after-backup", "p", T0));
      assertThat(store.get("after-backup")).isPresent();
    }
    assertThat(backup).exists();
    assertThat(backup.resolveSibling("timers-1.db.partial")).doesNotExist();

    // Restore: the host is stopped, the old logs are gone, the copy is renamed into place.
    Files.deleteIfExists(dir.resolve("timers.db-wal"));
    Files.deleteIfExists(dir.resolve("timers.db-shm"));
    Path staged = dir.resolve("timers.db.restoring");
    Files.copy(backup, staged);
    Files.move(staged, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    try (SqliteStore restored = SqliteStore.open(live)) {
      assertThat(restored.list(TimerQuery.all())).containsExactlyInAnyOrderElementsOf(atBackup);
      assertThat(restored.get("after-backup")).isEmpty();
    }
  }

  @Test
  void backupTo_anExistingFile_isRefused_andTheFileIsUntouched() throws Exception {
    Path live = dir.resolve("timers.db");
    Path existing = Files.writeString(dir.resolve("existing.db"), "keep me");
    try (SqliteStore store = SqliteStore.openOrCreate(live)) {
      insert(store, once("a", "p", T0));

      assertThatThrownBy(() -> store.backupTo(existing))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isRetryable()).isFalse())
          .hasMessageContaining(existing.toString())
          .hasMessageContaining("a backup never overwrites");
    }
    assertThat(Files.readString(existing)).isEqualTo("keep me");
  }
}
