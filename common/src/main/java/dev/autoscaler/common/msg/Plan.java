package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** A planner decision on {@code actions}; {@code container} and the decision/telemetry shapes are the PoC's. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Plan(String kind, double ts, String id, String target, String container, Decision decision, Telemetry telemetry,
                   Advice advice) implements Targeted {
    public static final String KIND = "plan";

    public Plan {
        kind = kind == null ? KIND : kind;
        if (KIND.equals(kind) && decision == null) throw new IllegalArgumentException("plan without decision");
        // the PoC put the target only in decision.target; every message of ours also carries it at the top
        if (target == null) target = decision != null ? decision.target() : container;
        target = Checks.target(target);
    }

    public Plan(String kind, double ts, String id, String target, String container, Decision decision, Telemetry telemetry) {
        this(kind, ts, id, target, container, decision, telemetry, null);
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
                            Double perReplicaRps, String rateBasis, Integer currentReplicas, String guardrail, Shadow shadow) {
        public Telemetry(Double p95Ms, Double baselineMs, Double sigmaMs, List<Boolean> lowWindows, Integer replicas, Double rps,
                         Double capacityRps, Double thresholdMs, Double forecastRps, Integer recommendedReplicas,
                         String thresholdSource, Double loadRps, String loadSource, Double perReplicaRps, String rateBasis,
                         Integer currentReplicas, String guardrail) {
            this(p95Ms, baselineMs, sigmaMs, lowWindows, replicas, rps, capacityRps, thresholdMs, forecastRps, recommendedReplicas,
                    thresholdSource, loadRps, loadSource, perReplicaRps, rateBasis, currentReplicas, guardrail, null);
        }
    }

    /**
     * What Kubernetes' HPA (CPU, 70 % target, default behaviour) and Knative's KPA (defaults) would hold now, each as if
     * it had been in charge since {@code sinceTs}, fed the same windows; they never act. HPA's utilisation is derived
     * (the measured rate over the shadow's own replicas, over the learned capacity), and the violation seconds are an
     * estimate for all three: seconds whose rate per replica was above the learned capacity.
     *
     * @param sinceTs when the shadows started (the first window with a learned capacity)
     * @param basis   how the shadows' inputs and estimates were derived, in words
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Shadow(Peer hpa, Peer kpa, Peer ours, Double sinceTs, String basis) {}

    /**
     * One policy's line in {@link Shadow}.
     *
     * @param replicas       its count now
     * @param replicaS       replica-seconds it has held since the shadows started
     * @param estViolationS  estimated SLO-violating seconds since then
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Peer(int replicas, double replicaS, double estViolationS) {}

    /**
     * The LLM's advice beside the policy's decision: what it said, whether it was applied, and why not.
     *
     * @param provider       gemini or openai
     * @param model          the model that answered
     * @param action         scale_up, scale_down or noop, as parsed
     * @param targetReplicas the count it advised
     * @param confidence     its confidence (0.5 when it gave none)
     * @param reasoning      its reasoning, cut short
     * @param askedTs        when it was asked
     * @param latencyMs      how long it took to answer
     * @param role           advise (published only) or decide (applied when it passes the guardrails)
     * @param status         applied (decide, it passed), advised (advise: published only) or rejected
     * @param rejection      why it was rejected, or would be in decide, or null when it passes
     * @param agrees         the advice asks for the same action as the policy
     * @param agreementRate  the share of advice this target's planner has seen agree with the policy
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Advice(String provider, String model, Action action, Integer targetReplicas, Double confidence,
                         String reasoning, Double askedTs, Double latencyMs, String role, String status, String rejection,
                         Boolean agrees, Double agreementRate) {
        public Advice withAgreement(boolean agrees, double rate) {
            return new Advice(provider, model, action, targetReplicas, confidence, reasoning, askedTs, latencyMs, role, status,
                    rejection, agrees, Math.round(rate * 1000) / 1000.0);
        }
    }
}
