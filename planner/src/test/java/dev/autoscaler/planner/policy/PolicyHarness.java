package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import java.util.HashMap;
import java.util.Map;

/** Shared test scaffolding: a configuration from NAME, VALUE pairs and a driver that feeds windows like the service. */
final class PolicyHarness {
    static final double WIN = 3.0;

    private PolicyHarness() {}

    static PolicyConfig config(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return PolicyConfig.from(new Env(m));
    }

    /** Drives the policy like the service does: current = last target. */
    static final class Driver {
        final ScalingPolicy policy;
        PolicyState state = PolicyState.initial();
        int current;
        double now = 1_000;
        PolicyDecision last;

        Driver(PolicyConfig cfg, int replicas) {
            policy = new ScalingPolicy(cfg);
            current = replicas;
        }

        PolicyDecision step(double p95, double rps, double served) {
            return step(p95, rps, served, current);
        }

        /** A window judged with advice (applied when {@code apply}, the decide role). */
        PolicyDecision.Result advised(double p95, double rps, double served, AdviceRules.Advice advice, boolean apply) {
            now += WIN;
            var r = policy.decide(state, new Window(now, p95, rps, served, 1.0, 100, current, current), now, advice, apply);
            state = r.state();
            last = r.decision();
            current = last.targetReplicas();
            return r;
        }

        /** A window in which only {@code ready} of the current replicas served (the rest still starting). */
        PolicyDecision step(double p95, double rps, double served, int ready) {
            now += WIN;
            var r = policy.decide(state, new Window(now, p95, rps, served, 1.0, 100, ready, current), now);
            state = r.state();
            last = r.decision();
            current = last.targetReplicas();
            return last;
        }
    }
}
