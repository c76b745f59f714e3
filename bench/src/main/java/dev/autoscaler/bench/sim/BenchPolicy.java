package dev.autoscaler.bench.sim;


/** One autoscaler as the simulator drives it: called every {@link #tickSec()} seconds, answers a replica count. */
public interface BenchPolicy {
    String name();

    int tickSec();

    int decide(SimView view);
}
