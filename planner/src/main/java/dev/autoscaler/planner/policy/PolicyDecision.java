package dev.autoscaler.planner.policy;

import dev.autoscaler.common.msg.Plan;
import java.util.List;

/**
 * One decision with the numbers it used. {@code targetReplicas} is what should run after it (equal to the
 * current count for a noop).
 */
public record PolicyDecision(Plan.Action action, int targetReplicas, String reason, double confidence, String source,
                             Numbers numbers) {

    /**
     * The inputs and intermediate values behind a decision, published as the plan's telemetry.
     *
     * @param rps                 the measured arrival rate of the window
     * @param loadRps             the load sized for (the highest load estimate)
     * @param loadSource          the estimate that set it (trend, burst, recurring_peak)
     * @param perReplicaRps       the per-replica rate the load was divided by, or null while none is known
     * @param rateBasis           where that rate came from (breach, saturation, hint, none)
     * @param capacityRps         the best-known rate at which one replica breaks or saturates
     * @param forecastRps         the demand: the rate now or its trend one horizon ahead (null with FORECAST off)
     * @param recommendedReplicas the count the policy proposed before the guardrails
     * @param guardrail           the guardrail that changed or held the proposal, or null
     * @param estimates           every load estimate, with its provenance
     */
    public record Numbers(double p95Ms, Double baselineMs, Double sigmaMs, Double thresholdMs, String thresholdSource,
                          List<Boolean> lowWindows, int currentReplicas, int readyReplicas, double rps, double loadRps,
                          String loadSource, Double perReplicaRps, String rateBasis, Double capacityRps, Double forecastRps,
                          Integer recommendedReplicas, String guardrail, List<LoadEstimator.Estimate> estimates) {}

    /**
     * @param advice what became of the advice judged with this window, or null when there was none
     */
    public record Result(PolicyDecision decision, PolicyState state, AdviceRules.Outcome advice) {
        public Result(PolicyDecision decision, PolicyState state) {
            this(decision, state, null);
        }
    }
}
