package io.persistenttimers.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a module as a host on the module path would meet it: its descriptor exports exactly the
 * named packages, and it resolves against the jars of the test's class path (so a wrong {@code
 * requires} name fails here, not at a host). Tests run on the class path, so this is where the
 * module boundary is exercised at run time.
 */
public final class ModuleGraph {

  private ModuleGraph() {}

  /**
   * Asserts that {@code moduleName}, compiled to {@code target/classes}, exports exactly {@code
   * exported} and resolves with every module it requires.
   *
   * @param moduleName the module under test
   * @param exported the packages it must export, and no others
   */
  public static void assertExportsExactlyAndResolves(String moduleName, String... exported) {
    ModuleFinder finder = ModuleFinder.of(modulePath());
    ModuleDescriptor descriptor =
        finder
            .find(moduleName)
            .orElseThrow(() -> new AssertionError("no module " + moduleName))
            .descriptor();

    assertThat(descriptor.exports())
        .allSatisfy(e -> assertThat(e.isQualified()).as("qualified export %s", e).isFalse())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactlyInAnyOrder(exported);
    assertThat(descriptor.packages())
        .as("packages of %s", moduleName)
        .filteredOn(p -> p.contains(".internal"))
        .allSatisfy(p -> assertThat(Set.of(exported)).doesNotContain(p));

    Configuration resolved =
        Configuration.resolve(
            finder,
            java.util.List.of(ModuleLayer.boot().configuration()),
            ModuleFinder.of(),
            Set.of(moduleName));
    assertThat(resolved.findModule(moduleName)).isPresent();
  }

  /**
   * This module's classes and the dependency jars on the class path. Test classes and test-jars are
   * left out: they are not modules (their packages overlap the main ones).
   */
  private static Path[] modulePath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(Files::exists)
        .filter(p -> !p.endsWith("test-classes"))
        .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
        .filter(p -> !p.getFileName().toString().startsWith("junit"))
        .filter(p -> !p.getFileName().toString().startsWith("assertj"))
        .filter(p -> !p.getFileName().toString().startsWith("slf4j-simple"))
        .collect(Collectors.toList())
        .toArray(Path[]::new);
  }
}
