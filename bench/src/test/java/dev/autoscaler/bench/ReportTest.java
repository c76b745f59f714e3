package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.report.Report;
import dev.autoscaler.bench.report.Summary;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
    static Summary row(String trace, String policy, double violationPct, double replicaSeconds) {
        return new Summary(trace, policy, violationPct, replicaSeconds, replicaSeconds / 1000, 0, 0);
    }

    @Test
    void relationSaysWhoDominatesOrWhatIsTraded() {
        Summary ours = row("t", "ours", 0.5, 1000);
        assertEquals("dominates", Report.relation(ours, row("t", "hpa", 0.6, 1000)));
        assertEquals("dominates", Report.relation(ours, row("t", "hpa", 0.5, 1001)));
        assertEquals("dominated", Report.relation(ours, row("t", "kpa", 0.5, 999)));
        assertEquals("dominated", Report.relation(ours, row("t", "kpa", 0.4, 999)));
        assertEquals("equal", Report.relation(ours, row("t", "poc", 0.5, 1000)));
        assertEquals("fewer violations, more replica-seconds", Report.relation(ours, row("t", "kpa", 1.5, 900)));
        assertEquals("more violations, fewer replica-seconds", Report.relation(ours, row("t", "kpa", 0.1, 1100)));
        // as printed: differences below the table's precision are no difference
        assertEquals("equal", Report.relation(ours, row("t", "hpa", 0.5000001, 1000.2)));
    }

    @Test
    void theTableHasARowPerTraceAndAColumnPerPolicyButTheOracle() {
        List<Summary> rows = List.of(row("a.csv", "ours", 0.3, 1100), row("a.csv", "hpa", 2.0, 1200), row("a.csv", "kpa", 5, 1000),
                row("a.csv", "oracle", 0, 1000), row("b.csv", "ours", 0.1, 1000), row("b.csv", "hpa", 0.1, 1000),
                row("b.csv", "kpa", 0.05, 1200), row("b.csv", "oracle", 0, 900));
        String md = Report.versus(rows);
        assertTrue(md.startsWith("| trace | ours violation % | ours × oracle | against hpa | against kpa |\n"), md);
        assertTrue(md.contains("| a.csv | 0.300 | 1.100 | dominates | fewer violations, more replica-seconds |\n"), md);
        assertTrue(md.contains("| b.csv | 0.100 | 1.000 | equal | more violations, fewer replica-seconds |\n"), md);
        assertEquals(4, md.lines().count());
        assertEquals("", Report.versus(List.of(row("a.csv", "hpa", 1, 1), row("a.csv", "oracle", 0, 1))), "no ours, no table");
    }
}
