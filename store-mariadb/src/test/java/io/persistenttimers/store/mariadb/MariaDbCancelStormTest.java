package io.persistenttimers.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.testkit.CancelStorm;
import org.junit.jupiter.api.Test;

/** Cancel is final and nothing runs twice or strands under a REPLACE/cancel storm. */
class MariaDbCancelStormTest {

  @Test
  void replaceAndCancelStorm_noRunAfterCancel_noDoubleRun_nothingStranded() throws Exception {
    String database = MariaDbTestSupport.newDatabase("storm");
    try (HikariDataSource dataSource =
            MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 8);
        MariaDbStore store = MariaDbStore.builder(dataSource).build()) {
      CancelStorm.Result result = CancelStorm.fromProperties(store).run();
      System.out.println("MariaDB store storm: " + result);

      assertThat(result.runs()).as("the storm fired timers").isPositive();
      assertThat(result.runsAfterCancel()).as("runs after cancel").isZero();
      assertThat(result.doubleRuns()).as("double runs").isZero();
      assertThat(result.stranded()).as("stranded timers").isZero();
    } finally {
      MariaDbTestSupport.dropDatabase(database);
    }
  }
}
