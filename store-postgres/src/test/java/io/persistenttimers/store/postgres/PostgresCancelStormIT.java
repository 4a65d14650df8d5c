package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.testkit.CancelStorm;
import org.junit.jupiter.api.Test;

/** Cancel is final and nothing runs twice or strands under a REPLACE/cancel storm. */
class PostgresCancelStormIT {

  @Test
  void replaceAndCancelStorm_noRunAfterCancel_noDoubleRun_nothingStranded() throws Exception {
    String schema = PgTestSupport.newSchemaName("storm");
    try (HikariDataSource dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 8);
        PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build()) {
      CancelStorm.Result result = CancelStorm.fromProperties(store).run();
      System.out.println("PostgreSQL store storm: " + result);

      assertThat(result.runs()).as("the storm fired timers").isPositive();
      assertThat(result.runsAfterCancel()).as("runs after cancel").isZero();
      assertThat(result.doubleRuns()).as("double runs").isZero();
      assertThat(result.stranded()).as("stranded timers").isZero();
    } finally {
      PgTestSupport.dropSchema(schema);
    }
  }
}
