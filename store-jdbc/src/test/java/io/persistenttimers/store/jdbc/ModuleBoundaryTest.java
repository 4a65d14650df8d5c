package io.persistenttimers.store.jdbc;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsOnlyTheSharedLayer_notItsInternals_andResolvesWithItsDependencies() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers.store.jdbc", "io.persistenttimers.store.jdbc");
  }
}
