package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.CancelStorm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancel is final and nothing runs twice or strands under a REPLACE/cancel storm. */
class SqliteStoreCancelStormIT {
  @TempDir Path dir;

  @Test
  void replaceAndCancelStorm_noRunAfterCancel_noDoubleRun_nothingStranded() throws Exception {
    try (SqliteStore store = SqliteStore.openOrCreate(dir.resolve("storm.db"))) {
      CancelStorm.Result result = CancelStorm.fromProperties(store).run();
      System.out.println("SQLite store storm: " + result);

      assertThat(result.runs()).as("the storm fired timers").isPositive();
      assertThat(result.runsAfterCancel()).as("runs after cancel").isZero();
      assertThat(result.doubleRuns()).as("double runs").isZero();
      assertThat(result.stranded()).as("stranded timers").isZero();
    }
  }
}
