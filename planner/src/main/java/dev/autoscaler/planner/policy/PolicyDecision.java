package dev.autoscaler.planner.policy;

import dev.autoscaler.common.msg.Plan;
import java.util.List;

/**
 * One decision with the numbers it used. {@code targetReplicas} is what should run after it (equal to the
 * current count for a noop).
 */
public record PolicyDecision(Plan.Action action, int targetReplicas, String reason, double confidence, String source,
                             Numbers numbers) {

    /** The inputs and intermediate values behind a decision, published as the plan's telemetry. */
    public record Numbers(double p95Ms, Double baselineMs, Double sigmaMs, Double thresholdMs, String thresholdSource,
                          List<Boolean> lowWindows, int currentReplicas, int readyReplicas, double rps,
                          Double capacityRps, Double forecastRps, Integer recommendedReplicas) {}

    public record Result(PolicyDecision decision, PolicyState state) {}
}
