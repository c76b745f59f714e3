package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.BenchPolicy;
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
    private final LlmBenchAdvisor llm;
    private PolicyState state = PolicyState.initial();
    private AdviceRules.Advice held;

    public OursPolicy(PolicyConfig cfg, int windowSec) {
        this(cfg, windowSec, null, null);
    }

    /**
     * Ours with a scripted advisor in the decide role: asked every LLM_HEARTBEAT_SEC (half the advice rules' maximum
     * age) with the policy's own decision, its advice held and applied, where it passes the guardrails, until the next.
     */
    public OursPolicy(PolicyConfig cfg, int windowSec, ScriptedAdvisor advisor) {
        this(cfg, windowSec, advisor, null);
    }

    /** Ours with the configured LLM in the decide role, asked as the planner asks it ({@link LlmBenchAdvisor}). */
    public OursPolicy(PolicyConfig cfg, int windowSec, LlmBenchAdvisor llm) {
        this(cfg, windowSec, null, llm);
    }

    private OursPolicy(PolicyConfig cfg, int windowSec, ScriptedAdvisor advisor, LlmBenchAdvisor llm) {
        this.policy = new ScalingPolicy(cfg);
        this.window = windowSec;
        this.advisor = advisor;
        this.llm = llm;
    }

    public String name() { return llm != null ? "ours+llm" : advisor == null ? "ours" : "ours+" + advisor.kind(); }

    /** The LLM advisor this runs with, or null. */
    public LlmBenchAdvisor llm() { return llm; }

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
        if (llm != null) return withLlm(w, now);
        if (advisor != null && (held == null || now - held.ts() >= policy.config().advice().maxAgeSec() / 2)) {
            int policyTarget = policy.decide(state, w, now).decision().targetReplicas();
            held = advisor.advise(v.desired(), policyTarget, policy.config().minReplicas(), policy.config().maxReplicas(), now);
        }
        var r = policy.decide(state, w, now, held, true);
        state = r.state();
        return r.decision().targetReplicas();
    }

    private int withLlm(Window w, int now) {
        var h = llm.held(now, w.rps());
        var r = policy.decide(state, w, now, h == null ? null : h.advice(), true);
        state = r.state();
        try {
            llm.afterWindow(now, w, h, r, policy.config());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the LLM answered", e);
        }
        return r.decision().targetReplicas();
    }
}
