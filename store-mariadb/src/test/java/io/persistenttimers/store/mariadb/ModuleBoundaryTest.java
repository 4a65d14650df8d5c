package io.persistenttimers.store.mariadb;

import io.persistenttimers.testkit.ModuleGraph;
import org.junit.jupiter.api.Test;

class ModuleBoundaryTest {

  @Test
  void exportsOnlyTheStorePackage_andResolvesWithItsDependencies() {
    ModuleGraph.assertExportsExactlyAndResolves(
        "io.persistenttimers.store.mariadb", "io.persistenttimers.store.mariadb");
  }
}
