package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.BenchPolicy;
import dev.autoscaler.bench.sim.SimView;
import dev.autoscaler.peers.PeerAutoscaler;

/** A peer autoscaler (HPA, KPA) driven by the simulator: the same object the planner runs as a live shadow. */
public record PeerPolicy(PeerAutoscaler peer) implements BenchPolicy {
    public String name() { return peer.name(); }

    public int tickSec() { return peer.tickSec(); }

    public int decide(SimView view) { return peer.decide(view); }
}
