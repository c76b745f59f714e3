package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.BenchPolicy;
import dev.autoscaler.bench.sim.QueueModel;
import dev.autoscaler.bench.sim.SimView;

/**
 * The clairvoyant lower bound: it knows every future second's arrivals and the start-up delay. A second τ needs
 * ceil(λ(τ) / λ*) ready replicas, λ* being the highest per-replica rate whose p95 meets the SLO; to have them ready
 * it must hold, at time t, the most any second in [t, t + start-up] needs. It scales down the moment it can.
 */
public final class OraclePolicy implements BenchPolicy {
    private final double perReplicaMax;
    private final int startup;

    public OraclePolicy(QueueModel model, double sloMs, double startupSec) {
        this.perReplicaMax = model.maxRpsWithin(sloMs);
        this.startup = (int) Math.round(startupSec);
    }

    public String name() { return "oracle"; }

    public int tickSec() { return 1; }

    public int need(double lambda) {
        return lambda <= 0 ? 0 : (int) Math.ceil(lambda / perReplicaMax);
    }

    public int decide(SimView v) {
        int t = v.now();
        // replicas ready at t+1 must exist now; a replica started now is ready at t+1+startup
        int want = need(v.futureArrivals(t));
        for (int s = t; s <= t + 1 + startup; s++) want = Math.max(want, need(v.futureArrivals(s)));
        // removing a ready replica is instant, adding one is not: keep what runs if it is needed before a new one could start
        return want;
    }
}
