package dev.autoscaler.planner.advisor;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.planner.llm.LlmRequest;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.Guardrails;
import dev.autoscaler.planner.policy.LoadEstimator;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the model is asked: a system instruction and a compact JSON of what the policy saw and decided — the last
 * windows, the threshold, the learned per-replica rate, each load estimate with its provenance, the bounds, the
 * cooldown and stabilisation state, and the policy's own proposal — with the answer's JSON schema.
 */
public final class AdvicePrompt {

    static final String SYSTEM = """
            You advise an autoscaler that keeps a web service's p95 latency under a threshold by changing its replica \
            count. You get the recent measurement windows, the threshold, the requests per second one replica serves \
            within it, the load estimates, the bounds and the autoscaler's own proposal. Say whether to scale up, \
            scale down or keep the count, to how many replicas, how confident you are, and why in one sentence. \
            Answer with one JSON object only: {"action":"scale_up|scale_down|noop","target_replicas":<int>,\
            "confidence":<0..1>,"reasoning":"<one sentence>"}. Guardrails check your answer: stay within the bounds, \
            never below what the load needs, never scale down while latency is over the threshold.""";

    /** The answer's schema, as both providers take it (JSON Schema; Gemini's SDK converts it). */
    static final Map<String, Object> SCHEMA = Map.of(
            "type", "object",
            "properties", Map.of(
                    "action", Map.of("type", "string", "enum", List.of("scale_up", "scale_down", "noop")),
                    "target_replicas", Map.of("type", "integer"),
                    "confidence", Map.of("type", "number"),
                    "reasoning", Map.of("type", "string")),
            "required", List.of("action", "target_replicas", "confidence", "reasoning"));

    private AdvicePrompt() {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WindowView(double ts, Double p95Ms, double rps, Double successRate, int replicas) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Bounds(int minReplicas, int maxReplicas, int maxStepUp, int maxStepDown) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Cooldowns(Double sinceLastScaleUpSec, Double sinceLastScaleDownSec, double upCooldownSec, double downCooldownSec,
                     double downStabilizationSec) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Proposal(String action, int targetReplicas, String reason) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Telemetry(String target, List<WindowView> windows, Double thresholdMs, String thresholdSource, Double perReplicaRps,
                     String rateBasis, int currentReplicas, int readyReplicas, double loadRps, String loadSource,
                     List<LoadEstimator.Estimate> estimates, Bounds bounds, Cooldowns cooldowns, Proposal policy) {}

    /** The request for one target after a window the policy decided. */
    public static LlmRequest request(String target, List<LatencyMetrics> recent, PolicyDecision d, PolicyConfig cfg,
                                     Guardrails.Memory guard, double now, LlmSettings s) {
        var n = d.numbers();
        var g = cfg.guardrails();
        List<WindowView> windows = recent.stream()
                .map(m -> new WindowView(round(m.ts()), round(m.p95Ms()), round(m.rps()), m.successRate(), m.replicas())).toList();
        var t = new Telemetry(target, windows, round(n.thresholdMs()), n.thresholdSource(), round(n.perReplicaRps()), n.rateBasis(),
                n.currentReplicas(), n.readyReplicas(), round(n.loadRps()), n.loadSource(),
                n.estimates() == null ? List.of() : n.estimates().stream()
                        .map(e -> new LoadEstimator.Estimate(e.source(), round(e.rps()), e.basis())).toList(),
                new Bounds(g.minReplicas(), g.maxReplicas(), g.maxStepUp(), g.maxStepDown()),
                new Cooldowns(since(now, guard.lastScaleUpTs()), since(now, guard.lastScaleDownTs()), g.upCooldownSec(),
                        g.downCooldownSec(), g.downStabilisationSec()),
                new Proposal(d.action().name(), d.targetReplicas(), d.reason()));
        return new LlmRequest(SYSTEM, Json.write(t), s.temperature(), s.maxOutputTokens(), SCHEMA,
                Duration.ofMillis(Math.round(s.timeoutSec() * 1000)));
    }

    private static Double since(double now, double ts) {
        return Double.isFinite(ts) ? round(now - ts) : null;
    }

    private static Double round(Double v) {
        return v == null ? null : round(v.doubleValue());
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
