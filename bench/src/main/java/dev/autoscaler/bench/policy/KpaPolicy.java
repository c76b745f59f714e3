package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.peers.KpaDecider;
import dev.autoscaler.bench.sim.SimView;

/**
 * Knative KPA on requests per second: a 2 s tick; stable and panic values are the revision's total rps averaged
 * over 60 s and 6 s (buckets since the first write, capped at the window); target = 0.7 × one replica's capacity;
 * panic threshold 2.0, max scale-up rate 1000, max scale-down rate 2. The decider is the one that passes the
 * upstream test vectors.
 */
public final class KpaPolicy implements BenchPolicy {
    private static final int TICK = 2;
    private static final int STABLE = 60;
    private static final int PANIC = 6;

    private final double targetUtilisation;
    private KpaDecider decider;

    public KpaPolicy(double targetUtilisation) {
        this.targetUtilisation = targetUtilisation;
    }

    public String name() { return "kpa"; }

    public int tickSec() { return TICK; }

    public int decide(SimView v) {
        double capacity = v.capacityRps();
        if (decider == null) {
            var spec = new KpaDecider.Spec(capacity * targetUtilisation, capacity, 211, 2.0, 1000, 2, STABLE, 0, true, 0);
            decider = new KpaDecider(spec, v.ready(), v.now());
        }
        int now = v.now();
        return decider.scale(now, v.ready(), average(v, now, STABLE), average(v, now, PANIC)).desiredPodCount();
    }

    private static double average(SimView v, int now, int window) {
        int from = Math.max(0, now - window);
        double sum = 0;
        for (int s = from; s < now; s++) sum += v.arrivals(s);
        return sum / Math.max(1, now - from);
    }
}
