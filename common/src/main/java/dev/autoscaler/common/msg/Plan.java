package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** A planner decision on {@code actions}; {@code container} and the decision/telemetry shapes are the PoC's. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Plan(String kind, double ts, String id, String target, String container, Decision decision, Telemetry telemetry) {
    public static final String KIND = "plan";

    public Plan {
        kind = kind == null ? KIND : kind;
        if (KIND.equals(kind) && decision == null) throw new IllegalArgumentException("plan without decision");
        // the PoC put the target only in decision.target; every message of ours also carries it at the top
        if (target == null) target = decision != null ? decision.target() : container;
        target = Checks.target(target);
    }

    public boolean isPlan() { return KIND.equals(kind); }

    public enum Action {
        scale_up, scale_down, noop, restart;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Decision(Action action, String target, Integer targetReplicas, String reason, Double confidence,
                           String source, String mode) {
        public Decision {
            if (action == null) throw new IllegalArgumentException("decision.action is required");
            target = Checks.target(target);
            if (targetReplicas != null) Checks.nonNegative("target_replicas", targetReplicas);
            if (confidence != null) Checks.fraction("confidence", confidence);
        }
    }

    /**
     * The numbers a decision used, so every decision can be explained after the fact. {@code rps} is the measured arrival
     * rate; {@code loadRps} the load sized for (the highest load estimate, from {@code loadSource}); {@code perReplicaRps}
     * the per-replica rate it was divided by (learned from {@code rateBasis}); {@code guardrail} the rule that changed or
     * held the policy's proposal ({@code recommendedReplicas}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Telemetry(Double p95Ms, Double baselineMs, Double sigmaMs, List<Boolean> lowWindows, Integer replicas,
                            Double rps, Double capacityRps, Double thresholdMs, Double forecastRps,
                            Integer recommendedReplicas, String thresholdSource, Double loadRps, String loadSource,
                            Double perReplicaRps, String rateBasis, Integer currentReplicas, String guardrail) {}
}
