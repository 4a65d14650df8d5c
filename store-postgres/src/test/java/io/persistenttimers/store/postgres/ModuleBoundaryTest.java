package io.persistenttimers.store.postgres;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsOnlyTheStorePackage_andResolvesWithItsDependencies() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers.store.postgres", "io.persistenttimers.store.postgres");
  }
}
