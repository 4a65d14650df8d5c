package io.persistenttimers.store.sqlite;

import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files the store must refuse, clearly and without changing them. */
class SqliteStoreBadFilesTest {

  @TempDir Path dir;

  @Test
  void open_schemaFromANewerVersion_isRefused_andTheFileIsUntouched() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      insert(store, Records.once("kept", "p", Records.T0));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO timers_schema_history (installed_rank, version, description, type, script,"
              + " checksum, installed_by, execution_time, success)"
              + " VALUES (99, '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 1,"
              + " 'test', 1, 1)");
    }
    Snapshot before = Snapshot.of(dir);

    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("database schema version 99 is newer than this library supports (3)");

    assertThat(Snapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void open_fileThatIsNotSqlite_isRefused_andTheFileIsUntouched() throws Exception {
    Path file = dir.resolve("timers.db");
    byte[] noise = new byte[8192];
    new Random(42).nextBytes(noise);
    Files.write(file, noise);
    Snapshot before = Snapshot.of(dir);

    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not an SQLite database");

    assertThat(Snapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void open_readOnlyFile_isRefused_andTheFileIsUntouched() throws Exception {
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      insert(store, Records.once("kept", "p", Records.T0));
    }
    // Tests run as root here, for whom the OS ignores the mode bits: the store honours them
    // itself (see SqliteOpener), so this is what any user sees.
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    Snapshot before = Snapshot.of(dir);
    try {
      assertThatThrownBy(() -> SqliteStore.open(file))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("read-only");
      assertThat(Snapshot.of(dir)).isEqualTo(before);
    } finally {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      assertThat(store.get("kept")).isPresent();
    }
  }

  @Test
  void open_databaseSqliteItselfOpensReadOnly_isRefused_andTheDatabaseIsUnchanged()
      throws Exception {
    // SQLite's own read-only mode, which root cannot bypass: the path a non-root user takes when
    // the OS refuses write access, and that of a read-only mount.
    Path file = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(file)) {
      insert(store, Records.once("kept", "p", Records.T0));
    }
    byte[] before = Files.readAllBytes(file);
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setReadOnly(true);
    org.sqlite.SQLiteDataSource readOnly = new org.sqlite.SQLiteDataSource(config);
    readOnly.setUrl("jdbc:sqlite:" + file);

    assertThatThrownBy(() -> SqliteStore.fromDataSource(readOnly))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("read-only")
        .hasMessageContaining("SQLITE_READONLY");

    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void open_missingDirectory_isRefused_withoutCreatingIt() {
    Path file = dir.resolve("no-such-dir").resolve("timers.db");

    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("the directory " + dir.resolve("no-such-dir") + " does not exist");

    assertThat(dir.resolve("no-such-dir")).doesNotExist();
  }

  @Test
  void open_missingFile_withoutTheCreateOption_isRefused_andNothingIsCreated() throws Exception {
    Path file = dir.resolve("timers.db");
    Snapshot before = Snapshot.of(dir);

    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isRetryable()).isFalse())
        .hasMessageContaining("Cannot open the SQLite timer database " + file)
        .hasMessageContaining("the file does not exist (nothing was created)")
        .hasMessageContaining("createIfMissing(true)");
    assertThatThrownBy(() -> SqliteStore.builder(file).build())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("does not exist");

    assertThat(Snapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void open_missingFile_withTheCreateOption_createsAnEmptyDatabase() {
    Path file = dir.resolve("timers.db");

    try (SqliteStore store = SqliteStore.builder(file).createIfMissing(true).build()) {
      assertThat(store.list(TimerQuery.all())).isEmpty();
      insert(store, Records.once("first", "p", Records.T0));
    }
    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.get("first")).isPresent();
    }
    Path other = dir.resolve("other.db");
    try (SqliteStore store = SqliteStore.openOrCreate(other)) {
      assertThat(store.list(TimerQuery.all())).isEmpty();
    }
    assertThat(other).exists();
  }

  @Test
  void open_missingFileWhoseLogIsLeft_isRefused_evenWithTheCreateOption() throws Exception {
    Path file = dir.resolve("timers.db");
    Files.write(dir.resolve("timers.db-wal"), new byte[] {1, 2, 3});
    Snapshot before = Snapshot.of(dir);

    assertThatThrownBy(() -> SqliteStore.openOrCreate(file))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isRetryable()).isFalse())
        .hasMessageContaining("the file does not exist, but its log " + file + "-wal does")
        .hasMessageContaining("deleted or moved");

    assertThat(Snapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void open_aDirectory_isRefused() {
    assertThatThrownBy(() -> SqliteStore.open(dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is a directory");
  }

  /** The names, bytes and modification times of every file in a directory. */
  record Snapshot(List<String> entries) {
    static Snapshot of(Path dir) throws Exception {
      try (Stream<Path> files = Files.list(dir)) {
        return new Snapshot(
            files
                .sorted()
                .map(
                    f -> {
                      try {
                        FileTime mtime = Files.getLastModifiedTime(f);
                        return f.getFileName()
                            + " "
                            + mtime.toMillis()
                            + " "
                            + java.util.HexFormat.of()
                                .formatHex(
                                    java.security.MessageDigest.getInstance("SHA-256")
                                        .digest(Files.readAllBytes(f)));
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    })
                .toList());
      }
    }
  }
}
