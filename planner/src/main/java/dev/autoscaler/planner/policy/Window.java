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

    public static Window of(LatencyMetrics m, int currentReplicas) {
        return new Window(m.ts(), m.p95Ms(), m.rps(), m.servedOrArrivalRps(), m.successRate(), m.requests(),
                m.replicas(), currentReplicas);
    }
}
