package io.persistenttimers;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsTheApiScheduleAndSpi_notTheEngine_andResolves() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers",
        "io.persistenttimers",
        "io.persistenttimers.schedule",
        "io.persistenttimers.spi");
  }
}
