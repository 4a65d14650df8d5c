package io.persistenttimers.store.memory;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsOnlyTheStorePackage_andResolvesWithItsDependencies() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers.store.memory", "io.persistenttimers.store.memory");
  }
}
