package amoeba.tools;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module chain of docs/architecture.md as a test: dependencies point down only, and only
 * the layers named there touch sockets, Paho and Pi4J. Maven's module edges already forbid
 * upward imports; this also pins the rules Maven cannot see (who may open a socket).
 */
class LayeringTest {
  static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("amoeba");
  }

  @Test
  void layersDependDownwardOnly() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("capabilities").definedBy("amoeba.capabilities..")
        .layer("flip").definedBy("amoeba.flip..")
        .layer("ipc").definedBy("amoeba.ipc..")
        .layer("kernel").definedBy("amoeba.kernel..")
        .layer("servers").definedBy("amoeba.servers..")
        .layer("drivers").definedBy("amoeba.drivers..")
        .layer("boards").definedBy("amoeba.boards..")
        .layer("tools").definedBy("amoeba.tools..")
        .whereLayer("tools").mayNotBeAccessedByAnyLayer()
        .whereLayer("boards").mayOnlyBeAccessedByLayers("tools")
        .whereLayer("servers").mayOnlyBeAccessedByLayers("boards", "tools")
        .whereLayer("drivers").mayOnlyBeAccessedByLayers("boards", "tools")
        .whereLayer("kernel").mayOnlyBeAccessedByLayers("servers", "drivers", "boards", "tools")
        .whereLayer("ipc").mayOnlyBeAccessedByLayers("kernel", "servers", "drivers", "boards", "tools")
        .whereLayer("flip").mayOnlyBeAccessedByLayers("ipc", "kernel", "servers", "drivers", "boards", "tools")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyFlipTouchesSocketsAndMqtt() {
    // FileChannel (and the channel exceptions it throws) is files, not network: storage servers
    // need it for positional writes and fsync of a folder.
    noClasses()
        // flash: an SSH client's connection errors (java.net exceptions), not pool traffic
        .that().resideOutsideOfPackages("amoeba.flip..", "amoeba.tools.bench..", "amoeba.tools.flash..")
        .should().dependOnClassesThat(
            com.tngtech.archunit.base.DescribedPredicate.describe("sockets, channels other than FileChannel, or Paho",
                c -> c.getPackageName().startsWith("java.net")
                    || c.getPackageName().startsWith("org.eclipse.paho")
                    || (c.getPackageName().equals("java.nio.channels")
                        && !c.getName().equals("java.nio.channels.FileChannel")
                        && !c.getSimpleName().endsWith("Exception"))))
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyDriversAndBoardsTouchPi4j() {
    noClasses()
        .that().resideOutsideOfPackages("amoeba.drivers..", "amoeba.boards..")
        .should().dependOnClassesThat().resideInAnyPackage("com.pi4j..")
        .allowEmptyShould(true)
        .check(classes);
  }
}
