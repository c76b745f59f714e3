package dev.autoscaler.bench.policy;

import dev.autoscaler.planner.policy.AdviceRules;
import java.util.Random;

/**
 * A stand-in for the LLM in the bench: schema-valid advice at each heartbeat that knows nothing of the load, to show
 * that the guardrails keep the SLO whatever the advice. {@code random} advises a count drawn uniformly within the
 * bounds; {@code contrarian} always the opposite of the policy (down when it scales up or keeps, up when it scales
 * down), by as much as the policy moves and at least one. Both are confident (0.9), so only the guardrails stop them.
 */
public final class ScriptedAdvisor {
    public static final double CONFIDENCE = 0.9;

    private final String kind;
    private final Random random;

    private ScriptedAdvisor(String kind, long seed) {
        this.kind = kind;
        this.random = new Random(seed);
    }

    /** random or contrarian; anything else is an error naming both. */
    public static ScriptedAdvisor of(String kind, long seed) {
        if (!kind.equals("random") && !kind.equals("contrarian")) {
            throw new IllegalArgumentException("unknown advisor '" + kind + "' (random, contrarian)");
        }
        return new ScriptedAdvisor(kind, seed);
    }

    public String kind() {
        return kind;
    }

    /** Advice at {@code now}, for a fleet of {@code current} whose policy decided {@code policyTarget}. */
    public AdviceRules.Advice advise(int current, int policyTarget, int min, int max, double now) {
        int target;
        if (kind.equals("random")) {
            target = min + random.nextInt(max - min + 1);
        } else {
            int step = Math.max(1, Math.abs(policyTarget - current));
            target = policyTarget < current ? current + step : current - step;
        }
        target = Math.max(min, Math.min(max, target));
        return new AdviceRules.Advice(target, CONFIDENCE, kind + " advice", "llm", now);
    }
}
