package dev.autoscaler.cli;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * No package of any module depends on another that depends back on it, however long the way round: each package is a
 * slice, and ArchUnit fails on the first cycle among them (naming the classes that close it). The cli module depends on
 * every module, so all their main classes are here.
 */
class PackageCyclesTest {
    @Test
    void noPackageCycles() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.autoscaler");
        slices().matching("dev.autoscaler.(**)").should().beFreeOfCycles().check(classes);
    }

    /** The fakes of remote APIs are for the tests and the bench: no service's code reaches them. */
    @Test
    void noServiceDependsOnTheTestKit() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.autoscaler");
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAnyPackage("dev.autoscaler.common..",
                        "dev.autoscaler.monitor..", "dev.autoscaler.planner..", "dev.autoscaler.executor..", "dev.autoscaler.watcher..",
                        "dev.autoscaler.dashboard..", "dev.autoscaler.app..")
                .should().dependOnClassesThat().resideInAPackage("dev.autoscaler.testkit..").check(classes);
    }

    /** The dashboard's stored data and its live feed share their model; neither reads through the other. */
    @Test
    void theDashboardsDataDoesNotGoThroughTheLiveFeed() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.autoscaler.dashboard");
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().haveSimpleName("DashboardData")
                .should().dependOnClassesThat().resideInAPackage("..dashboard.live..").check(classes);
    }
}
