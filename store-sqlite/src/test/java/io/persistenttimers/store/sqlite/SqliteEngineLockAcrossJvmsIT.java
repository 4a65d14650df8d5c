package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One engine per SQLite file across processes: a host in a child JVM ({@link CrashChild}) holds the
 * engine lock; an engine here is refused, naming the child's pid, while reads beside it work. Once
 * the child is killed with SIGKILL — no chance to clean up — an engine here starts at once: the
 * operating system dropped the dead process's lock.
 */
class SqliteEngineLockAcrossJvmsIT {

  @TempDir Path dir;

  private ChildJvm startHost(Path db, String name) throws Exception {
    return ChildJvm.start(
        CrashChild.class,
        dir.resolve(name + ".log"),
        List.of(),
        db.toString(),
        dir.resolve(name + "-journal.txt").toString(),
        "1",
        "0",
        "42");
  }

  private static PersistentTimer engine(SqliteStore store) {
    return PersistentTimer.builder(store)
        .register("once", CallbackFactory.of(ctx -> {}))
        .register("recurring", CallbackFactory.of(ctx -> {}))
        .workerThreads(2)
        .build();
  }

  @Test
  void engineInAnotherJvm_refusesOneHere_untilThatJvmIsKilled() throws Exception {
    Path db = dir.resolve("timers.db");
    try (ChildJvm child = startHost(db, "child")) {
      child.awaitLine("scheduled"::equals, Duration.ofSeconds(60));

      try (SqliteStore store = SqliteStore.openOrCreate(db);
          PersistentTimer here = engine(store)) {
        assertThatThrownBy(here::start)
            .isInstanceOf(StoreInUseException.class)
            .hasMessageContaining("already running on SQLite database " + db.toRealPath())
            .hasMessageContaining("held by process " + child.process().pid());
        // Not an engine: reading beside the child's engine works.
        assertThat(store.list(TimerQuery.all()))
            .extracting(TimerRecord::id)
            .contains("every-short", "every-long");
        child.assertAlive();

        child.kill(); // SIGKILL: the child closes nothing
        here.start(); // at once: the lock died with the process
        assertThat(here.stats()).isNotNull();
      }
    }
  }

  @Test
  void engineHere_refusesAHostInAnotherJvm_whichStartsOnceThisOneClosed() throws Exception {
    Path db = dir.resolve("timers.db");
    try (SqliteStore store = SqliteStore.openOrCreate(db);
        PersistentTimer here = engine(store)) {
      here.start();

      try (ChildJvm refused = startHost(db, "refused")) {
        assertThat(refused.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(refused.lines()).doesNotContain("ready");
        assertThat(Files.readString(dir.resolve("refused.log")))
            .contains("StoreInUseException")
            .contains("held by process " + ProcessHandle.current().pid());
      }

      here.close();
      try (ChildJvm child = startHost(db, "after-close")) {
        child.awaitLine("ready"::equals, Duration.ofSeconds(60));
        child.send("stop");
        assertThat(child.awaitExit(Duration.ofSeconds(30))).as(child.describe("exit")).isZero();
      }
    }
  }
}
