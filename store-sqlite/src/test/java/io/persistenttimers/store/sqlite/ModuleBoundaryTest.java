package io.persistenttimers.store.sqlite;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsOnlyTheStorePackage_andResolvesWithItsDependencies() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers.store.sqlite", "io.persistenttimers.store.sqlite");
  }
}
