package dev.autoscaler.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.autoscaler.bench.run.BenchRunner;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.suite.SuiteRunner.Row;
import dev.autoscaler.bench.suite.SuiteRunner.Variant;
import dev.autoscaler.bench.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuiteRunnerTest {
    static Trace trace(String name, double... rps) {
        double[] t = new double[rps.length];
        for (int i = 0; i < t.length; i++) t[i] = i * 60;
        return new Trace(name, t, rps);
    }

    static final List<Trace> TRACES = List.of(trace("up", 10, 10, 30, 40, 40, 20, 10, 10, 10, 10), trace("flat", 20, 20, 20, 20, 20, 20));

    @Test
    void rowsAreThoseOfBenchRunAtEachSeedInAFixedOrderWhateverTheThreads() {
        SimConfig base = SimConfig.defaults();
        List<String> policies = List.of("ours", "kpa", "oracle");
        List<Variant> variants = List.of(new Variant("default", Map.of()));
        List<Row> one = SuiteRunner.run(base, TRACES, List.of(1L, 2L), policies, variants, 1, null);
        List<Row> three = SuiteRunner.run(base, TRACES, List.of(1L, 2L), policies, variants, 3, null);
        assertEquals(one, three);
        List<Row> expected = new ArrayList<>();
        for (Trace t : TRACES) {
            for (long seed : List.of(1L, 2L)) {
                for (Summary s : new BenchRunner(SuiteRunner.withSeed(base, seed), Map.of()).run(t, policies).summaries()) {
                    expected.add(new Row("default", s.trace(), seed, s.policy(), s.violationPct(), s.replicaSeconds(), s.oracleRatio(), s.actions(),
                            s.worstP95Ms()));
                }
            }
        }
        assertEquals(expected, one);
    }

    @Test
    void aTraceInRsloUnitsIsReplayedAtThatLevelFromOneColdReplica() {
        SimConfig base = SimConfig.defaults();
        BenchRunner runner = new BenchRunner(base, Map.of());
        double rslo = base.model().maxRpsWithin(base.sloMs());
        Trace flat = TraceSuite.synthetic().stream().filter(t -> t.name().equals("syn_flat_1.5x_rslo")).findFirst().orElseThrow();
        assertEquals(rslo, runner.scaleFor(flat), 1e-9);
        var run = runner.run(flat, List.of("ours", "oracle"));
        for (var r : run.results()) assertEquals(1, r.ready()[0], r.policy());
        // the oracle settles at what the rate needs, ceil(1.5 r_slo / r_slo); its Poisson seconds stay far below 2 r_slo
        var oracle = run.results().get(1);
        assertEquals(2, oracle.replicas()[oracle.replicas().length - 1]);
        // a shape (every file) is scaled to the peak, or replayed as it is with --absolute-rps
        Trace shape = trace("shape", 10, 20);
        assertEquals(base.peakReplicas() * base.targetUtilisation() * base.model().capacityRps() / 20, runner.scaleFor(shape), 1e-9);
        SimConfig absolute = new SimConfig(base.startupSec(), base.peakReplicas(), base.minReplicas(), base.maxReplicas(), base.sloMs(),
                base.targetUtilisation(), base.workers(), base.serviceMs(), base.maxWaitSec(), 1, false, base.warmup(), base.startWarmup(), base.noise(), base.startNoise(), false,
                true, 0);
        assertEquals(1, new BenchRunner(absolute, Map.of()).scaleFor(shape));
    }

    @Test
    void eachVariantGetsItsOwnSettingsAndTheSameOracle() {
        SimConfig base = SimConfig.defaults();
        List<Variant> variants = List.of(new Variant("default", Map.of()), new Variant("tight", Map.of("TARGET_UTILIZATION", "0.95")));
        List<Row> rows = SuiteRunner.run(base, TRACES.subList(0, 1), List.of(1L), List.of("ours"), variants, 2, null);
        assertEquals(List.of("default", "tight"), rows.stream().map(Row::variant).toList());
        Summary tight = new BenchRunner(base, Map.of("TARGET_UTILIZATION", "0.95")).run(TRACES.get(0), List.of("ours")).summaries().get(0);
        assertEquals(tight.replicaSeconds(), rows.get(1).replicaSeconds());
        assertEquals(tight.oracleRatio(), rows.get(1).oracleRatio());
    }
}
