package dev.autoscaler.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.suite.SuiteRunner.Row;
import dev.autoscaler.bench.suite.SuiteSummary.Line;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuiteSummaryTest {
    static Row row(String variant, String trace, long seed, String policy, double violation, double ratio) {
        return new Row(variant, trace, seed, policy, violation, 1000, ratio, 3, 50);
    }

    /** Two traces, two policies, three seeds; numbers chosen so every mean and spread is exact in binary. */
    static List<Row> rows() {
        return List.of(
                row("default", "a", 1, "ours", 1.0, 1.25), row("default", "a", 1, "kpa", 4.0, 1.0),
                row("default", "a", 2, "ours", 2.0, 1.5), row("default", "a", 2, "kpa", 4.0, 1.0),
                row("default", "a", 3, "ours", 3.0, 1.0), row("default", "a", 3, "kpa", 4.0, 1.0),
                row("default", "b", 1, "ours", 0.5, 2.0), row("default", "b", 1, "kpa", 8.0, 1.0),
                row("default", "b", 2, "ours", 0.0, 2.0), row("default", "b", 2, "kpa", 6.0, 1.0),
                row("default", "b", 3, "ours", 0.25, 2.0), row("default", "b", 3, "kpa", 7.0, 1.0));
    }

    @Test
    void meansAndSpreadsPerTraceAndPolicy() {
        List<Line> lines = SuiteSummary.lines(rows());
        assertEquals(4, lines.size());
        Line aOurs = lines.get(0);
        assertEquals("a", aOurs.trace());
        assertEquals("ours", aOurs.policy());
        assertEquals(2.0, aOurs.violation().mean(), 1e-12);
        assertEquals(2.0, aOurs.violation().spread(), 1e-12);
        assertEquals(1.25, aOurs.ratio().mean(), 1e-12);
        assertEquals(0.5, aOurs.ratio().spread(), 1e-12);
        Line bKpa = lines.get(3);
        assertEquals("b/kpa", bKpa.trace() + "/" + bKpa.policy());
        assertEquals(7.0, bKpa.violation().mean(), 1e-12);
        assertEquals(2.0, bKpa.violation().spread(), 1e-12);
        assertEquals(0.0, bKpa.ratio().spread(), 1e-12);
    }

    @Test
    void totalsSumTheMeansAndSpreadThePerSeedSums() {
        List<Line> totals = SuiteSummary.totals(rows());
        assertEquals(2, totals.size());
        Line ours = totals.get(0);
        assertEquals("total", ours.trace());
        assertEquals("ours", ours.policy());
        // means: a 2.0 + b 0.25; per-seed sums 1.5, 2.0, 3.25: spread 1.75 (not the sum of the traces' spreads, 2.5)
        assertEquals(2.25, ours.violation().mean(), 1e-12);
        assertEquals(1.75, ours.violation().spread(), 1e-12);
        // ratios: a 1.25 + b 2.0; per-seed sums 3.25, 3.5, 3.0
        assertEquals(3.25, ours.ratio().mean(), 1e-12);
        assertEquals(0.5, ours.ratio().spread(), 1e-12);
        Line kpa = totals.get(1);
        assertEquals(11.0, kpa.violation().mean(), 1e-12);
        assertEquals(2.0, kpa.violation().spread(), 1e-12); // 12, 10, 11
        assertEquals(2.0, kpa.ratio().mean(), 1e-12);
        assertEquals(0.0, kpa.ratio().spread(), 1e-12);
    }

    @Test
    void oneSeedHasNoSpread() {
        List<Row> one = rows().stream().filter(r -> r.seed() == 2).toList();
        for (Line l : SuiteSummary.lines(one)) assertEquals(0.0, l.violation().spread());
        assertEquals(2.0, SuiteSummary.totals(one).get(0).violation().mean(), 1e-12);
    }

    @Test
    void markdownHasARowPerTraceAndATotal() {
        String md = SuiteSummary.markdown(rows(), Map.of("a", 7200, "b", 3600));
        String[] lines = md.strip().split("\n");
        assertEquals("| trace | hours | ours violation % | ours × oracle | kpa violation % | kpa × oracle |", lines[0]);
        assertEquals(2 + 2 + 1, lines.length, md);
        assertEquals("| a | 2.0 | 2.000 (2.000) | 1.250 (0.500) | 4.000 (0.000) | 1.000 (0.000) |", lines[2]);
        assertEquals("| **total** | 3.0 | **2.250 (1.750)** | **3.250 (0.500)** | **11.000 (2.000)** | **2.000 (0.000)** |", lines[4]);
    }

    @Test
    void verdictKeepsAMechanismThatMovesASumBeyondTheDefaultsSpread() {
        assertEquals(Ablation.KEEPS, Ablation.verdict(0.6, 0.0, 0.5, 0.1));
        assertEquals(Ablation.KEEPS, Ablation.verdict(-0.6, 0.0, 0.5, 0.1), "a move either way counts");
        assertEquals(Ablation.KEEPS, Ablation.verdict(0.1, 0.2, 0.5, 0.1), "the ratio alone is enough");
        assertEquals(Ablation.NOISE, Ablation.verdict(0.5, 0.1, 0.5, 0.1), "equal to the spread is within noise");
        assertEquals(Ablation.NOISE, Ablation.verdict(-0.4, -0.05, 0.5, 0.1));
        assertEquals(Ablation.NOISE, Ablation.verdict(0, 0, 0, 0));
        assertEquals(Ablation.KEEPS, Ablation.verdict(0.001, 0, 0, 0), "with one seed any change counts");
    }

    @Test
    void ablationEffectsAreDifferencesOfMeansAgainstTheDefaults() {
        List<Row> rows = new ArrayList<>(rows().stream().filter(r -> r.policy().equals("ours")).toList());
        // "seasonal" off: trace a one point worse at every seed, b unchanged; "holt_trend" off: a tiny change
        for (Row r : List.copyOf(rows)) {
            rows.add(row("seasonal", r.trace(), r.seed(), "ours", r.violationPct() + (r.trace().equals("a") ? 1 : 0), r.oracleRatio()));
            rows.add(row("holt_trend", r.trace(), r.seed(), "ours", r.violationPct() + 0.25, r.oracleRatio() - 0.125));
        }
        var mechs = Mechanisms.select(List.of("seasonal", "holt_trend"));
        List<Ablation.Effect> effects = Ablation.effects(rows, mechs);
        Ablation.Effect seasonalTotal = effects.stream().filter(e -> e.mechanism().equals("seasonal") && e.trace().equals("total")).findFirst().orElseThrow();
        assertEquals(1.0, seasonalTotal.dViolation(), 1e-12);
        assertEquals(0.0, seasonalTotal.dRatio(), 1e-12);
        assertEquals(1.75, seasonalTotal.defaultViolation().spread(), 1e-12);
        assertEquals(Ablation.NOISE, seasonalTotal.verdict(), "1.0 is within the summed defaults' spread of 1.75");
        Ablation.Effect holtTotal = effects.stream().filter(e -> e.mechanism().equals("holt_trend") && e.trace().equals("total")).findFirst().orElseThrow();
        assertEquals(0.5, holtTotal.dViolation(), 1e-12);
        assertEquals(-0.25, holtTotal.dRatio(), 1e-12);
        assertEquals(Ablation.NOISE, holtTotal.verdict(), "0.25 of ratio is within the spread of 0.5");
        Ablation.Effect seasonalB = effects.stream().filter(e -> e.mechanism().equals("seasonal") && e.trace().equals("b")).findFirst().orElseThrow();
        assertEquals(0.0, seasonalB.dViolation(), 1e-12);
        String md = Ablation.markdown(rows, mechs);
        assertTrue(md.contains("| **total** | **2.250 (1.750)** | **3.250 (0.500)** | **+1.000** | **+0.000** | **within noise** | **+0.500** | **-0.250** | **within noise** |"), md);
    }

    @Test
    void mechanismsAreSelectedByNameAndSwitchOffTheirSettings() {
        assertEquals(Mechanisms.ALL, Mechanisms.select(null));
        assertEquals(List.of("error_budget", "seasonal"), Mechanisms.select(List.of("error_budget", "seasonal")).stream().map(Mechanisms.Mechanism::name).toList());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Mechanisms.select(List.of("magic")));
        assertTrue(e.getMessage().startsWith("unknown mechanism 'magic' (known: holt_trend, overload_ramp"), e.getMessage());
        var variants = Ablation.variants(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "true"), Mechanisms.select(List.of("holt_trend")));
        assertEquals("default", variants.get(0).name());
        assertEquals(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "true"), variants.get(0).oursEnv());
        assertEquals(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "false"), variants.get(1).oursEnv());
    }
}
