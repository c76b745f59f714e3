package dev.autoscaler.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.suite.Mechanisms.Mechanism;
import dev.autoscaler.bench.suite.SuiteRunner.Row;
import dev.autoscaler.bench.suite.SuiteSummary.Line;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuiteSummaryTest {
    static Row row(String variant, String trace, long seed, String policy, double violation, double ratio, int actions) {
        return new Row(variant, trace, seed, policy, violation, 1000, ratio, actions, 50);
    }

    /**
     * Two traces, two policies, three seeds; numbers chosen so every mean and spread is exact in binary. Actions of ours:
     * a 4, 6, 8 and b 5, 2, 2 (per-seed sums 9, 8, 10); of kpa 10 everywhere.
     */
    static List<Row> rows() {
        return List.of(
                row("default", "a", 1, "ours", 1.0, 1.25, 4), row("default", "a", 1, "kpa", 4.0, 1.0, 10),
                row("default", "a", 2, "ours", 2.0, 1.5, 6), row("default", "a", 2, "kpa", 4.0, 1.0, 10),
                row("default", "a", 3, "ours", 3.0, 1.0, 8), row("default", "a", 3, "kpa", 4.0, 1.0, 10),
                row("default", "b", 1, "ours", 0.5, 2.0, 5), row("default", "b", 1, "kpa", 8.0, 1.0, 10),
                row("default", "b", 2, "ours", 0.0, 2.0, 2), row("default", "b", 2, "kpa", 6.0, 1.0, 10),
                row("default", "b", 3, "ours", 0.25, 2.0, 2), row("default", "b", 3, "kpa", 7.0, 1.0, 10));
    }

    /** Hand-made mechanisms, so the tests do not follow the descriptions in Mechanisms.ALL. */
    static final Mechanism SEASONAL = new Mechanism("seasonal", "rises expected again", Map.of("SEASONAL_PERIODS", "off"));
    static final Mechanism TREND = new Mechanism("trend_forecast", "a trend | with a pipe", Map.of("FORECAST", "false"));

    /**
     * The rows of ours with the defaults and two mechanisms off: "seasonal" off makes trace a one point worse at every
     * seed and changes nothing else; "trend_forecast" off adds 0.25 points and 4 actions to every row and takes 0.125 off
     * its ratio.
     */
    static List<Row> ablationRows() {
        List<Row> rows = new ArrayList<>(rows().stream().filter(r -> r.policy().equals("ours")).toList());
        for (Row r : List.copyOf(rows)) {
            rows.add(row("seasonal", r.trace(), r.seed(), "ours", r.violationPct() + (r.trace().equals("a") ? 1 : 0), r.oracleRatio(), r.actions()));
            rows.add(row("trend_forecast", r.trace(), r.seed(), "ours", r.violationPct() + 0.25, r.oracleRatio() - 0.125, r.actions() + 4));
        }
        return rows;
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
        assertEquals(6.0, aOurs.actions().mean(), 1e-12);
        assertEquals(4.0, aOurs.actions().spread(), 1e-12);
        assertEquals(3.0, lines.get(2).actions().mean(), 1e-12);
        assertEquals(3.0, lines.get(2).actions().spread(), 1e-12);
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
        // actions: a 6 + b 3; per-seed sums 9, 8, 10: spread 2 (not the sum of the traces' spreads, 4 + 3)
        assertEquals(9.0, ours.actions().mean(), 1e-12);
        assertEquals(2.0, ours.actions().spread(), 1e-12);
        assertEquals(20.0, kpa.actions().mean(), 1e-12);
        assertEquals(0.0, kpa.actions().spread(), 1e-12);
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
    void verdictKeepsAMechanismThatMovesAnySumBeyondTheDefaultsSpreadAndNamesWhichMoved() {
        assertEquals("keeps its place (violation)", Ablation.verdict(0.6, 0.0, 0.0, 0.5, 0.1, 2));
        assertEquals("keeps its place (violation)", Ablation.verdict(-0.6, 0.0, 0.0, 0.5, 0.1, 2), "a move either way counts");
        assertEquals("keeps its place (× oracle)", Ablation.verdict(0.1, 0.2, 0.0, 0.5, 0.1, 2), "the ratio alone is enough");
        assertEquals("keeps its place (actions)", Ablation.verdict(0.1, 0.05, 3, 0.5, 0.1, 2), "actions alone are enough");
        assertEquals("keeps its place (actions)", Ablation.verdict(0.1, 0.05, -3, 0.5, 0.1, 2), "fewer actions with it off count too");
        assertEquals("keeps its place (violation, actions)", Ablation.verdict(0.6, 0.0, -3, 0.5, 0.1, 2));
        assertEquals("keeps its place (violation, × oracle, actions)", Ablation.verdict(-0.6, 0.2, 3, 0.5, 0.1, 2), "in a fixed order");
        assertEquals(Ablation.NOISE, Ablation.verdict(0.5, 0.1, 2, 0.5, 0.1, 2), "equal to the spread is within noise");
        assertEquals(Ablation.NOISE, Ablation.verdict(-0.4, -0.05, 1.5, 0.5, 0.1, 2));
        assertEquals(Ablation.NOISE, Ablation.verdict(0.1, 0.05, 3, 0.5, 0.1, 5), "each change against the spread of its own number");
        assertEquals(Ablation.NOISE, Ablation.verdict(0, 0, 0, 0, 0, 0));
        assertEquals("keeps its place (× oracle)", Ablation.verdict(0, 0.001, 0, 0, 0, 0), "with one seed any change counts");
        assertEquals("keeps its place (actions)", Ablation.verdict(0, 0, 1.0 / 3, 0, 0, 0));
        assertTrue(Ablation.verdict(0.6, 0, 0, 0.5, 0.1, 2).startsWith(Ablation.KEEPS));
    }

    static Ablation.Effect effect(List<Ablation.Effect> effects, String mechanism, String trace) {
        return effects.stream().filter(e -> e.mechanism().equals(mechanism) && e.trace().equals(trace)).findFirst().orElseThrow();
    }

    @Test
    void ablationEffectsAreDifferencesOfMeansAgainstTheDefaults() {
        List<Row> rows = ablationRows();
        var mechs = List.of(SEASONAL, TREND);
        List<Ablation.Effect> effects = Ablation.effects(rows, mechs);
        assertEquals(2 * 3, effects.size(), "a, b and total per mechanism");
        Ablation.Effect seasonalTotal = effect(effects, "seasonal", "total");
        assertEquals(1.0, seasonalTotal.dViolation(), 1e-12);
        assertEquals(0.0, seasonalTotal.dRatio(), 1e-12);
        assertEquals(0.0, seasonalTotal.dActions(), 1e-12);
        assertEquals(1.75, seasonalTotal.defaultViolation().spread(), 1e-12);
        assertEquals(Ablation.NOISE, seasonalTotal.verdict(), "1.0 is within the summed defaults' spread of 1.75");
        Ablation.Effect trendTotal = effect(effects, "trend_forecast", "total");
        assertEquals(0.5, trendTotal.dViolation(), 1e-12);
        assertEquals(-0.25, trendTotal.dRatio(), 1e-12);
        assertEquals(9.0, trendTotal.defaultActions().mean(), 1e-12);
        assertEquals(2.0, trendTotal.defaultActions().spread(), 1e-12);
        assertEquals(8.0, trendTotal.dActions(), 1e-12);
        assertEquals(800.0 / 9, trendTotal.dActionsPct(), 1e-9);
        assertEquals("keeps its place (actions)", trendTotal.verdict(), "0.5 and 0.25 are within their spreads, 8 actions are not within 2");
        Ablation.Effect seasonalB = effect(effects, "seasonal", "b");
        assertEquals(0.0, seasonalB.dViolation(), 1e-12);
        Ablation.Effect trendA = effect(effects, "trend_forecast", "a");
        assertEquals(4.0, trendA.dActions(), 1e-12);
        assertEquals(4.0, trendA.defaultActions().spread(), 1e-12);
        assertEquals(Ablation.NOISE, trendA.verdict(), "on trace a alone 4 actions are within its spread of 4");
        assertEquals("keeps its place (× oracle, actions)", effect(effects, "trend_forecast", "b").verdict(),
                "on b the ratio's spread is 0 and 4 actions exceed the spread of 3");
        String md = Ablation.markdown(rows, mechs);
        assertTrue(md.contains("| **total** | **2.250 (1.750)** | **3.250 (0.500)** | **+1.000** | **+0.000** | **within noise** | **+0.500** | **-0.250** "
                + "| **keeps its place (actions)** |"), md);
    }

    @Test
    void actionsWithNoneByDefaultHaveNoPercentage() {
        List<Row> rows = new ArrayList<>();
        for (long seed : List.of(1L, 2L)) {
            rows.add(row("default", "flat", seed, "ours", 0, 1, 0));
            rows.add(row("trend_forecast", "flat", seed, "ours", 0, 1, 1));
        }
        Ablation.Effect total = effect(Ablation.effects(rows, List.of(TREND)), "trend_forecast", "total");
        assertEquals(1.0, total.dActions(), 1e-12);
        assertEquals(null, total.dActionsPct());
        assertEquals("keeps its place (actions)", total.verdict());
        assertEquals("+1.0", Ablation.actionsCell(total.dActions(), total.dActionsPct()));
        assertEquals("+0.0 (+0.0 %)", Ablation.actionsCell(-0.04, -0.01), "no negative zero");
        assertEquals("-2.5 (-12.5 %)", Ablation.actionsCell(-2.5, -12.5));
    }

    @Test
    void compactTableHasTheDefaultsSumsThenARowPerMechanismOnTheSums() {
        String md = Ablation.compact(ablationRows(), List.of(SEASONAL, TREND, new Mechanism("not_run", "no rows", Map.of("X", "0"))));
        List<String> lines = md.strip().lines().toList();
        assertEquals(List.of(
                "Defaults summed over 2 traces (mean over seeds, in brackets the spread of the per-seed sums): violation % 2.250 (1.750), "
                        + "× oracle 3.250 (0.500), actions 9.0 (2.0).",
                "",
                "| mechanism | what it does | Δ violation % | Δ × oracle | Δ actions | verdict |",
                "|---|---|---:|---:|---:|---|",
                "| `seasonal` | rises expected again | +1.000 | +0.000 | +0.0 (+0.0 %) | within noise |",
                "| `trend_forecast` | a trend \\| with a pipe | +0.500 | -0.250 | +8.0 (+88.9 %) | keeps its place (actions) |",
                "| `not_run` | no rows | | | | |"), lines, md);
        for (String l : lines.subList(2, lines.size())) assertEquals(8, l.split("(?<!\\\\)\\|", -1).length, "six cells: " + l);
    }

    @Test
    void mechanismsAreSelectedByNameAndSwitchOffTheirSettings() {
        assertEquals(Mechanisms.ALL, Mechanisms.select(null));
        assertEquals(List.of("error_budget", "seasonal"), Mechanisms.select(List.of("error_budget", "seasonal")).stream().map(Mechanisms.Mechanism::name).toList());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Mechanisms.select(List.of("magic")));
        assertEquals("unknown mechanism 'magic' (known: " + String.join(", ", Mechanisms.ALL.stream().map(Mechanism::name).toList()) + ")",
                e.getMessage());
        assertTrue(e.getMessage().startsWith("unknown mechanism 'magic' (known: trend_forecast, "), e.getMessage());
        var variants = Ablation.variants(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "true"), Mechanisms.select(List.of("trend_forecast")));
        assertEquals("default", variants.get(0).name());
        assertEquals(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "true"), variants.get(0).oursEnv());
        assertEquals(Map.of("TARGET_UTILIZATION", "0.75", "FORECAST", "false"), variants.get(1).oursEnv());
    }
}
