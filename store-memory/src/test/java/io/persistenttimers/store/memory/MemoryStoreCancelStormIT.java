package io.persistenttimers.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.CancelStorm;
import org.junit.jupiter.api.Test;

/** Cancel is final and nothing runs twice or strands under a REPLACE/cancel storm. */
class MemoryStoreCancelStormIT {

  @Test
  void replaceAndCancelStorm_noRunAfterCancel_noDoubleRun_nothingStranded() throws Exception {
    CancelStorm.Result result = CancelStorm.fromProperties(new MemoryStore()).run();
    System.out.println("Memory store storm: " + result);

    assertThat(result.runs()).as("the storm fired timers").isPositive();
    assertThat(result.runsAfterCancel()).as("runs after cancel").isZero();
    assertThat(result.doubleRuns()).as("double runs").isZero();
    assertThat(result.stranded()).as("stranded timers").isZero();
  }
}
