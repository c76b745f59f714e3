package dev.autoscaler.bench.sim;

/**
 * Simulation settings. The per-replica capacity is fixed by the queue model (workers / service time); each trace's
 * rates are scaled so that its peak needs {@code peakReplicas} replicas at {@code targetUtilisation}, which is the
 * same as scaling the per-replica capacity to the trace (unless {@code absoluteRps}, or the trace is in r_slo units).
 *
 * @param warmup      how a replica that just became ready serves less ({@link Warmup#measured()}: the toy app's, measured;
 *                    {@link Warmup#off()} gives the numbers from before it)
 * @param startWarmup how the replicas a cold start begins with warm up ({@link Warmup#measuredAtStart()}: the whole
 *                    stack is cold then, so they start far slower than a replica joining a warm fleet)
 * @param noise       the stalls the policy sees after the ready count changes ({@link WindowNoise#afterReadyChange()}:
 *                    measured, and small; {@link WindowNoise#off()} gives the numbers from before it)
 * @param startNoise  the stalls the policy sees after the load begins against a cold start's fleet ({@link
 *                    WindowNoise#afterLoadStart()}: measured; only cold starts have a load that begins)
 * @param coldStart   every trace starts from MIN_REPLICAS replicas that have just become ready, not from what its first
 *                    second needs (false: a trace is a slice of a service that has run for long; a trace can ask for it)
 * @param absoluteRps replay the traces' rates as they are, not scaled to {@code peakReplicas} (false: only a trace's
 *                    shape matters; true to compare with a real run at its real rates)
 * @param queueBound  requests that may wait per ready replica before the app refuses more at once (HTTP 503, which the
 *                    monitor's access log counts as completions, at a success rate below 1); 0 for no bound, clients
 *                    then time out after {@code maxWaitSec} (0: what every number before it was measured with; the toy
 *                    app's MAX_QUEUE is 1000)
 */
public record SimConfig(double startupSec, int peakReplicas, int minReplicas, int maxReplicas, double sloMs,
                        double targetUtilisation, int workers, double serviceMs, double maxWaitSec, long seed,
                        boolean stepHold, Warmup warmup, Warmup startWarmup, WindowNoise noise, WindowNoise startNoise,
                        boolean coldStart, boolean absoluteRps, int queueBound) {
    public static SimConfig defaults() {
        return new SimConfig(30, 20, 1, 40, 100, 0.7, 4, 20, 30, 1, false, Warmup.measured(), Warmup.measuredAtStart(),
                WindowNoise.afterReadyChange(), WindowNoise.afterLoadStart(), false, false, 0);
    }

    /** The simulator before warm-up and window noise: what every number measured before them was measured with. */
    public static SimConfig ideal() {
        return defaults().withWarmup(Warmup.off(), Warmup.off()).withNoise(WindowNoise.off(), WindowNoise.off());
    }

    public QueueModel model() {
        return new QueueModel(workers, serviceMs);
    }

    /** The settings with another seed (the seed drives the Poisson arrivals and the window noise). */
    public SimConfig withSeed(long s) {
        return new SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, targetUtilisation, workers, serviceMs, maxWaitSec, s,
                stepHold, warmup, startWarmup, noise, startNoise, coldStart, absoluteRps, queueBound);
    }

    public SimConfig withWarmup(Warmup w, Warmup atStart) {
        return new SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, targetUtilisation, workers, serviceMs, maxWaitSec, seed,
                stepHold, w, atStart, noise, startNoise, coldStart, absoluteRps, queueBound);
    }

    public SimConfig withNoise(WindowNoise afterReadyChange, WindowNoise afterLoadStart) {
        return new SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, targetUtilisation, workers, serviceMs, maxWaitSec, seed,
                stepHold, warmup, startWarmup, afterReadyChange, afterLoadStart, coldStart, absoluteRps, queueBound);
    }

    public SimConfig withColdStart(boolean cold) {
        return new SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, targetUtilisation, workers, serviceMs, maxWaitSec, seed,
                stepHold, warmup, startWarmup, noise, startNoise, cold, absoluteRps, queueBound);
    }

    public SimConfig withQueueBound(int bound) {
        return new SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, targetUtilisation, workers, serviceMs, maxWaitSec, seed,
                stepHold, warmup, startWarmup, noise, startNoise, coldStart, absoluteRps, bound);
    }
}
