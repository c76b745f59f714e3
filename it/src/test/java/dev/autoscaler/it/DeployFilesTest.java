package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.local.Prerequisites;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alerting rules under {@code deploy/}: the rules pass Prometheus's own checker
 * and their unit tests, the dashboard is one Grafana can import. That the metrics they use are exported is
 * {@link LlmAdvisorIT}'s to show, against running services.
 */
class DeployFilesTest {

    static String promtool() throws Exception {
        return Prerequisites.ensure(Map.of("promtool", "prometheus")).get("promtool");
    }

    @Test
    void theAlertingRulesPassPromtoolsCheck() throws Exception {
        Commands.Run r = DeployFiles.run(List.of(promtool(), "check", "rules", DeployFiles.RULES));
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void theAlertingRulesPassTheirUnitTests() throws Exception {
        Commands.Run r = DeployFiles.run(List.of(promtool(), "test", "rules", DeployFiles.RULES_TEST));
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void everyAlertHasATestCase() throws Exception {
        String tests = java.nio.file.Files.readString(DeployFiles.root().resolve(DeployFiles.RULES_TEST));
        for (String alert : DeployFiles.alertExpressions().keySet()) {
            assertTrue(tests.contains("alertname: " + alert + "\n"), alert + " has no case in " + DeployFiles.RULES_TEST);
        }
    }

    @Test
    void theDashboardHasASchemaVersionAndItsVariables() throws Exception {
        DeployFiles.Dashboard d = DeployFiles.dashboard();
        assertNotNull(d.schemaVersion(), "schemaVersion");
        assertNotNull(d.uid(), "uid");
        DeployFiles.Variable ds = d.variable("datasource");
        assertNotNull(ds, "a datasource variable");
        assertEquals("datasource", ds.type());
        assertEquals("prometheus", ds.query().asText());
        DeployFiles.Variable target = d.variable("target");
        assertNotNull(target, "a target variable");
        assertEquals("query", target.type());
        assertEquals("${datasource}", target.datasource().uid(), "the target variable queries the chosen Prometheus");
    }

    @Test
    void everyPanelQueriesTheChosenPrometheusForAtLeastOneMetric() throws Exception {
        List<DeployFiles.Panel> panels = DeployFiles.dashboard().queryPanels();
        assertFalse(panels.isEmpty(), "panels");
        Set<Integer> ids = new HashSet<>();
        for (DeployFiles.Panel p : panels) {
            assertTrue(ids.add(p.id()), "panel id " + p.id() + " is used twice");
            assertEquals("${datasource}", p.datasource().uid(), p.title());
            assertFalse(p.targets() == null || p.targets().isEmpty(), p.title() + " has no query");
            for (DeployFiles.Target t : p.targets()) {
                assertFalse(t.expr() == null || t.expr().isBlank(), p.title() + " " + t.refId() + " has no expr");
                assertFalse(DeployFiles.metricNames(t.expr()).isEmpty(), p.title() + ": no metric in " + t.expr());
            }
        }
    }

    @Test
    void theMetricNamesOfAnExpressionAreItsSelectorsNotItsFunctionsLabelsOrVariables() {
        assertEquals(Set.of("autoscaler_planner_p95_seconds", "autoscaler_planner_slo_p95_seconds"), DeployFiles.metricNames(
                "max by (target) (autoscaler_planner_p95_seconds{target=~\"$target\"}) > bool on (target) group_left(mode) "
                        + "max by (target) (autoscaler_planner_slo_p95_seconds offset 5m)"));
        assertEquals(Set.of("x_bucket", "up"), DeployFiles.metricNames(
                "histogram_quantile(0.95, sum by (le) (rate(x_bucket{a=\"b}c\"}[$__rate_interval]))) * 1e3 unless up"));
        assertEquals(Set.of(), DeployFiles.metricNames("vector(1)"));
    }

    @Test
    void theExportedNamesOfAScrapeAreItsSamplesAndFamilies() {
        String scrape = """
                # HELP a_seconds a timer
                # TYPE a_seconds summary
                a_seconds{quantile="0.5"} 0.1
                a_seconds_count 3
                b_total{x="y"} 1.0
                """;
        assertEquals(Set.of("a_seconds", "a_seconds_count", "b_total"), DeployFiles.exportedNames(scrape));
    }
}
