package dev.autoscaler.bench;

import dev.autoscaler.bench.run.BenchRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.policy.InformedPolicy;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import dev.autoscaler.bench.trace.Trace;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class InformedPolicyTest {
    static final SimConfig CFG = SimConfig.defaults();
    static final double LAMBDA_STAR = CFG.model().maxRpsWithin(CFG.sloMs());

    /** Flat at 300 rps for ten minutes, then a ramp of 2 rps per second for twenty. */
    static final DoubleUnaryOperator RAMP = s -> s < 600 ? 300 : 300 + (s - 600) * 2;

    static InformedPolicy informed(DoubleUnaryOperator rate, double headroom) {
        return new InformedPolicy(rate, CFG.model(), CFG.sloMs(), CFG.startupSec(), headroom);
    }

    @Test
    void knowingTheExactRateAndSlopeItMeetsALinearRampOneStartUpAhead() {
        // arrivals exactly at the rate, no counting noise: the straight line over start-up + 1 s is the future itself
        double[] arrivals = new double[1800];
        for (int s = 0; s < arrivals.length; s++) arrivals[s] = RAMP.applyAsDouble(s + 0.5);
        SimResult r = new Simulator(CFG).run("ramp", arrivals, informed(RAMP, 1.0));
        // the start of the ramp cannot be foreseen: replicas asked for at its first second are ready a start-up later
        int late = 0;
        for (int s = 600; s <= 631; s++) if (r.p95Ms()[s] > CFG.sloMs()) late++;
        assertTrue(late > 0, "the ramp's first start-up is late");
        assertEquals(late, Math.round(r.violationPct() * arrivals.length / 100), "violations only then");
        for (int s = 632; s < arrivals.length; s++) {
            int need = (int) Math.ceil(arrivals[s] / LAMBDA_STAR - 1e-9);
            assertTrue(r.ready()[s] >= need, "second " + s + ": " + r.ready()[s] + " ready, " + need + " needed");
        }
        // and it holds no more than the rate one start-up ahead needs: at second 1200 it asks for 1500 rps' worth
        assertEquals((int) Math.ceil(RAMP.applyAsDouble(1200 + 30.5) / LAMBDA_STAR - 1e-9), r.replicas()[1199]);
    }

    @Test
    void moreHeadroomNeverViolatesMoreNorCostsLess() {
        Trace t = new Trace("t.csv", new double[] {0, 600, 1200, 1800}, new double[] {300, 1500, 600, 2000});
        double[] arrivals = t.arrivalsPerSecond(1, 7);
        Simulator sim = new Simulator(CFG);
        SimResult previous = null;
        for (double h : new double[] {0.9, 1.0, 1.2, 1.5, 2.0}) {
            SimResult r = sim.run("t.csv", arrivals, informed(s -> t.rateAt(s, 1), h));
            if (previous != null) {
                assertTrue(r.violationPct() <= previous.violationPct(), "headroom " + h);
                assertTrue(r.replicaSeconds() >= previous.replicaSeconds(), "headroom " + h);
            }
            previous = r;
        }
        assertTrue(previous.violationPct() < sim.run("t.csv", arrivals, informed(s -> t.rateAt(s, 1), 0.9)).violationPct());
        assertThrows(IllegalArgumentException.class, () -> informed(RAMP, 0));
    }

    @Test
    void theFrontierListsThePoliciesThenTheReferenceAtEachHeadroomAgainstTheOracle() {
        Trace t = new Trace("t.csv", new double[] {0, 600, 1200}, new double[] {10, 40, 5});
        List<Summary> rows = new BenchRunner(CFG, Map.of()).frontier(t, List.of("ours", "oracle"), List.of(1.0, 1.5));
        assertEquals(List.of("ours", "oracle", "informed-1.00", "informed-1.50"), rows.stream().map(Summary::policy).toList());
        assertEquals(1.0, rows.get(1).oracleRatio(), 0);
        assertTrue(rows.get(3).oracleRatio() > rows.get(2).oracleRatio());
        assertTrue(rows.stream().allMatch(r -> r.trace().equals("t.csv")));
    }
}
