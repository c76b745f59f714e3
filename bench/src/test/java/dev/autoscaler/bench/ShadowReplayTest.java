package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.policy.PeerPolicy;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.peers.Hpa;
import dev.autoscaler.peers.Kpa;
import dev.autoscaler.peers.PeerAutoscaler;
import dev.autoscaler.planner.shadow.ShadowFleet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The planner's live shadows against {@code bench run}: the same windows fed to {@link ShadowFleet} (as the planner does,
 * one window at a time) and, spread over their seconds, to the simulator with HPA and KPA give the same count after
 * every window, and the same replica-seconds. The simulator is set to the shadows' stated assumptions: a replica serves
 * the second after it is asked for, and nothing queues past a second (utilisation is the rate over capacity, capped).
 */
class ShadowReplayTest {
    private static final int WINDOW_SEC = 3;
    private static final double CAPACITY = 200; // the simulator's replica: 4 workers × 20 ms

    @Test
    void theShadowsHoldWhatTheBenchRunsHpaAndKpaHoldOnTheSameWindows() {
        double[] windows = windows();
        SimConfig cfg = SimConfig.ideal();
        cfg = new SimConfig(0, cfg.peakReplicas(), 1, 40, cfg.sloMs(), 0.7, cfg.workers(), cfg.serviceMs(), 0, cfg.seed(),
                cfg.stepHold(), cfg.warmup(), cfg.startWarmup(), cfg.noise(), cfg.startNoise(), false, cfg.absoluteRps(), 0);
        double[] trace = new double[(windows.length - 1) * WINDOW_SEC];
        for (int k = 1; k < windows.length; k++) for (int s = 0; s < WINDOW_SEC; s++) trace[(k - 1) * WINDOW_SEC + s] = windows[k];
        int start = Math.max(1, (int) Math.ceil(trace[0] / (CAPACITY * 0.7))); // where the simulator starts a warm run

        ShadowFleet fleet = new ShadowFleet(0.7);
        fleet.observe(1000.0, windows[0], start, CAPACITY, 1, 40);
        List<Plan.Shadow> after = new ArrayList<>();
        for (int k = 1; k < windows.length; k++) {
            fleet.observe(1000.0 + k * WINDOW_SEC, windows[k], 5, CAPACITY, 1, 40);
            after.add(fleet.snapshot());
        }

        check("hpa", trace, cfg, () -> new Hpa(70, false), after, Plan.Shadow::hpa);
        check("kpa", trace, cfg, () -> new Kpa(0.7), after, Plan.Shadow::kpa);
    }

    private static void check(String name, double[] trace, SimConfig cfg, Supplier<PeerAutoscaler> peer, List<Plan.Shadow> after,
                              Function<Plan.Shadow, Plan.Peer> line) {
        SimResult sim = new Simulator(cfg).run("windows", trace, new PeerPolicy(peer.get()));
        int changes = 0;
        for (int k = 1; k < after.size(); k++) {
            int second = k * WINDOW_SEC; // the count after window k is the one in force from its end on
            assertEquals(sim.replicas()[second], line.apply(after.get(k - 1)).replicas(), name + " after window " + k);
            if (sim.replicas()[second] != sim.replicas()[second - WINDOW_SEC]) changes++;
        }
        assertTrue(changes >= 4, name + " scaled on these windows: " + changes + " changes");
        assertEquals(sim.replicaSeconds(), line.apply(after.get(after.size() - 1)).replicaS(), 1e-9, name + " replica-seconds");
    }

    /** Twenty minutes of 3 s windows: steady, a step, a spike, a fall, a ramp and noise throughout. */
    private static double[] windows() {
        Random rnd = new Random(7);
        double[] w = new double[400];
        for (int k = 0; k < w.length; k++) {
            double base = k < 60 ? 150 : k < 140 ? 700 : k < 150 ? 1500 : k < 250 ? 300 : 300 + 6 * (k - 250);
            w[k] = Math.max(0, base * (1 + 0.1 * rnd.nextGaussian()));
        }
        return w;
    }
}
