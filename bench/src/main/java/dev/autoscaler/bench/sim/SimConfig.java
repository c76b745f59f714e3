package dev.autoscaler.bench.sim;

/**
 * Simulation settings. The per-replica capacity is fixed by the queue model (workers / service time); each trace's
 * rates are scaled so that its peak needs {@code peakReplicas} replicas at {@code targetUtilisation}, which is the
 * same as scaling the per-replica capacity to the trace.
 */
public record SimConfig(double startupSec, int peakReplicas, int minReplicas, int maxReplicas, double sloMs,
                        double targetUtilisation, int workers, double serviceMs, double maxWaitSec, long seed,
                        boolean stepHold) {
    public static SimConfig defaults() {
        return new SimConfig(30, 20, 1, 40, 100, 0.7, 4, 20, 30, 1, false);
    }

    public QueueModel model() {
        return new QueueModel(workers, serviceMs);
    }
}
