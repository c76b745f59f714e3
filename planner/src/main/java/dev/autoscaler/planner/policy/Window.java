package dev.autoscaler.planner.policy;

import dev.autoscaler.common.msg.LatencyMetrics;

/**
 * What the policy sees of one measurement window.
 *
 * @param rps             arrival rate (demand)
 * @param servedRps       completion rate; under saturation this is what the ready replicas can serve
 * @param readyReplicas   replicas that served the window
 * @param currentReplicas replicas already asked for (the desired count in enforce mode, else the ready count)
 */
public record Window(double ts, double p95Ms, double rps, double servedRps, double successRate, int requests,
                     int readyReplicas, int currentReplicas) {

    /** Demand or completions this much above the other is a real difference, not noise. */
    static final double RATE_MARGIN = 1.05;

    /** Demand above completions: a queue is growing, the ready replicas serve all they can. */
    public boolean saturated() {
        return rps > servedRps * RATE_MARGIN;
    }

    /** Completions above demand: a backlog from an earlier overload is draining. */
    public boolean draining() {
        return servedRps > rps * RATE_MARGIN;
    }

    public static Window of(LatencyMetrics m, int currentReplicas) {
        return new Window(m.ts(), m.p95Ms(), m.rps(), m.servedOrArrivalRps(), m.successRate(), m.requests(),
                m.replicas(), currentReplicas);
    }
}
