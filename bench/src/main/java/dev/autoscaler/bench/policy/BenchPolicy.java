package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.SimView;

/** One autoscaler as the simulator drives it: called every {@link #tickSec()} seconds, answers a replica count. */
public interface BenchPolicy {
    String name();

    int tickSec();

    int decide(SimView view);
}
