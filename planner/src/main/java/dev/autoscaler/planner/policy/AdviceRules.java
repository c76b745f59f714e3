package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Plan.Action;
import java.util.Locale;

/**
 * What is specific to advice (an LLM's, in time an operator's manual scale) before it meets the {@link Guardrails} the
 * policy's own proposals meet. Advice may add replicas and may bring a scale-down forward, but never takes the fleet
 * below what the policy's rate model says the load needs now, never scales down further than the policy's own
 * scale-down would (to the need with DOWN_ROOM of the capacity free), never scales down while slow, and never delays a
 * scale-up the policy asks for. A rejection names its reason and the policy's decision stands. What passes may hold
 * the count above the need by a bounded extra only (the Guardrails cut it: ADVICE_MAX_EXTRA_REPLICAS or
 * ADVICE_MAX_EXTRA_FRACTION of the need, whichever is more), so a wrong advisor costs little; a {@link #MANUAL} scale
 * is the operator's and meets only the bounds.
 */
public final class AdviceRules {
    /** The source of an operator's manual scale: it meets only the bounds ({@link Guardrails#manual}). */
    public static final String MANUAL = "manual";
    /** LLM_HEARTBEAT_SEC's default, shared with the advisor that asks at that period. */
    public static final double DEFAULT_HEARTBEAT_SEC = 300;

    /**
     * @param minConfidence advice below this confidence is rejected (LLM_MIN_CONFIDENCE, 0.5: a missing confidence means
     *                      0.5 and passes, a model that says it is unsure does not)
     * @param maxAgeSec     advice older than this is stale (two LLM_HEARTBEAT_SEC: by then a newer answer should have
     *                      come, and the one held describes a load that has moved on)
     */
    public record Settings(double minConfidence, double maxAgeSec) {
        static Settings from(Env env) {
            return new Settings(env.number("LLM_MIN_CONFIDENCE", 0.5, 0, 1),
                    2 * env.number("LLM_HEARTBEAT_SEC", DEFAULT_HEARTBEAT_SEC, 1, 86_400));
        }
    }

    /**
     * Advice as the policy sees it, already parsed and checked for consistency with the count it was asked at.
     *
     * @param targetReplicas the count advised (a noop advises the count it was asked at)
     * @param confidence     0..1
     * @param reasoning      why, in the adviser's words
     * @param source         who advised: llm or manual
     * @param ts             when it was asked
     */
    public record Advice(int targetReplicas, double confidence, String reasoning, String source, double ts) {}

    /**
     * What the policy made of advice.
     *
     * @param accepted  it passed these rules (the guardrails may still have cut or held it)
     * @param rejection why not, or the guardrail that cut or held it, or null
     * @param replicas  the count it leads to, after the guardrails (the policy's own when rejected)
     * @param applied   it decided the window (decide role, accepted)
     * @param policyReplicas the count the policy's own decision led to
     */
    public record Outcome(boolean accepted, String rejection, int replicas, boolean applied, int policyReplicas) {}

    /**
     * The window as these rules see it.
     *
     * @param current      replicas asked for so far
     * @param slow         the window was over the threshold
     * @param need         the count the load needs by the policy's rate model, ceil(load ÷ per-replica rate) with the
     *                     burst margin in the load, or the current count while no rate is known
     * @param downFloor    the count the policy's own scale-down would go to (the need with DOWN_ROOM free), or the
     *                     current count while no rate is known
     * @param policyTarget the count the policy's own decision leads to
     */
    public record Situation(int current, boolean slow, int need, int downFloor, int policyTarget, double now) {}

    private final Settings s;

    public AdviceRules(Settings s) {
        this.s = s;
    }

    /** Why the advice may not be applied, or null when it may go to the guardrails. */
    public String rejection(Advice a, Situation at) {
        double age = at.now() - a.ts();
        if (age > s.maxAgeSec()) return String.format(Locale.ROOT, "stale: asked %.0f s ago (limit %.0f s, two heartbeats)", age, s.maxAgeSec());
        if (a.confidence() < s.minConfidence()) {
            return String.format(Locale.ROOT, "confidence %.2f below LLM_MIN_CONFIDENCE %.2f", a.confidence(), s.minConfidence());
        }
        int n = at.current();
        int t = a.targetReplicas();
        if (t < n && at.slow()) return "no scale-down while slow";
        if (at.policyTarget() > n && t < at.policyTarget()) return "would delay the policy's scale-up to " + at.policyTarget();
        if (t < at.need()) return "below the " + at.need() + " replicas the load needs now";
        if (t < n && t < at.downFloor()) {
            return "below the " + at.downFloor() + " replicas a scale-down keeps (the need with DOWN_ROOM free)";
        }
        return null;
    }

    /** The action that takes {@code current} to {@code target}. */
    public static Action action(int current, int target) {
        return target > current ? Action.scale_up : target < current ? Action.scale_down : Action.noop;
    }
}
