package dev.autoscaler.planner;

import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.planner.policy.PolicyDecision;
import java.util.UUID;

/** The {@code plan} messages the planner publishes: one for a decided window, one for a window it held. */
final class PlanMessages {
    private PlanMessages() {}

    /** The policy's decision with the numbers behind it, the advice judged beside it and the shadows (either may be null). */
    static Plan decided(String target, double now, String mode, PolicyDecision dec, Plan.Advice advice, Plan.Shadow shadow) {
        var n = dec.numbers();
        return plan(target, now, new Plan.Decision(dec.action(), target, dec.targetReplicas(), dec.reason(), dec.confidence(),
                        dec.source(), mode),
                new Plan.Telemetry(n.p95Ms(), n.baselineMs(), n.sigmaMs(), n.lowWindows(), n.readyReplicas(), n.rps(),
                        n.capacityRps(), n.thresholdMs(), n.forecastRps(), n.recommendedReplicas(), n.thresholdSource(), n.loadRps(),
                        n.loadSource(), n.perReplicaRps(), n.rateBasis(), n.currentReplicas(), n.guardrail(), shadow), advice);
    }

    /**
     * A noop for a window whose current count is unknown: only what was measured, and {@code desired} as stored (null
     * when Redis lost it), since the policy did not run.
     */
    static Plan held(String target, double now, String mode, LatencyMetrics m, Integer storedDesired, String reason) {
        return plan(target, now, new Plan.Decision(Plan.Action.noop, target, storedDesired, reason, 1.0, "heuristic", mode),
                new Plan.Telemetry(m.p95Ms(), null, null, null, m.replicas(), m.rps(), null, null, null, null, null, null,
                        null, null, null, storedDesired, "count unknown"), null);
    }

    private static Plan plan(String target, double now, Plan.Decision decision, Plan.Telemetry telemetry, Plan.Advice advice) {
        return new Plan(Plan.KIND, now, UUID.randomUUID().toString(), target, target, decision, telemetry, advice);
    }
}
