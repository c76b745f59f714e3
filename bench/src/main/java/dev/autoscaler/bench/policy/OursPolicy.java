package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.SimView;
import dev.autoscaler.planner.policy.AdviceRules;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;

/**
 * The production planner policy, unchanged: every window (SAMPLE_INTERVAL, 3 s) it receives what the monitor would
 * publish: the window's p95 (arrival-weighted over its seconds), the arrival rate (stub_status), the served rate and
 * the success rate (the access log, which counts a request the app refused with a 503 as completed, and failed), the
 * ready replicas, and the current desired count.
 */
public final class OursPolicy implements BenchPolicy {
    private final ScalingPolicy policy;
    private final int window;
    private final ScriptedAdvisor advisor;
    private PolicyState state = PolicyState.initial();
    private AdviceRules.Advice held;

    public OursPolicy(PolicyConfig cfg, int windowSec) {
        this(cfg, windowSec, null);
    }

    /**
     * Ours with a scripted advisor in the decide role: asked every LLM_HEARTBEAT_SEC (half the advice rules' maximum
     * age) with the policy's own decision, its advice held and applied, where it passes the guardrails, until the next.
     */
    public OursPolicy(PolicyConfig cfg, int windowSec, ScriptedAdvisor advisor) {
        this.policy = new ScalingPolicy(cfg);
        this.window = windowSec;
        this.advisor = advisor;
    }

    public String name() { return advisor == null ? "ours" : "ours+" + advisor.kind(); }

    public int tickSec() { return window; }

    public int decide(SimView v) {
        int now = v.now();
        int from = Math.max(0, now - window);
        double arrivals = 0;
        double served = 0;
        double refused = 0;
        double weighted = 0;
        for (int s = from; s < now; s++) {
            arrivals += v.arrivals(s);
            served += v.served(s);
            refused += v.refused(s);
            weighted += v.p95Ms(s) * Math.max(1, v.arrivals(s));
        }
        double weights = 0;
        for (int s = from; s < now; s++) weights += Math.max(1, v.arrivals(s));
        double seconds = now - from;
        double success = served + refused > 0 ? served / (served + refused) : 1.0;
        Window w = new Window(now, weighted / weights, arrivals / seconds, (served + refused) / seconds, success, (int) Math.max(1, arrivals),
                v.ready(), v.desired());
        if (advisor != null && (held == null || now - held.ts() >= policy.config().advice().maxAgeSec() / 2)) {
            int policyTarget = policy.decide(state, w, now).decision().targetReplicas();
            held = advisor.advise(v.desired(), policyTarget, policy.config().minReplicas(), policy.config().maxReplicas(), now);
        }
        var r = policy.decide(state, w, now, held, true);
        state = r.state();
        return r.decision().targetReplicas();
    }
}
