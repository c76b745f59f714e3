package dev.autoscaler.bench;

import dev.autoscaler.bench.run.BenchRunner;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ours with a scripted advisor in the decide role (random and contrarian advice, confident and wrong) on the flash-crowd
 * shape: the advice extra (ADVICE_MAX_EXTRA_REPLICAS / ADVICE_MAX_EXTRA_FRACTION) keeps what such advice costs near
 * ours alone, and without it the same advice costs several times more.
 */
class AdvisorBoundTest {
    static final SimConfig CFG = SimConfig.defaults();

    static SimResult run(String policy, Map<String, String> settings) {
        return new Simulator(CFG).run("shape", PeersAndPoliciesTest.shape(), new BenchRunner(CFG, settings).policy(policy));
    }

    @Test
    void wrongAdviceCostsABoundedExtraAndNoViolations() {
        SimResult ours = run("ours", Map.of());
        for (String advised : List.of("ours+random", "ours+contrarian")) {
            SimResult bounded = run(advised, Map.of());
            SimResult unbounded = run(advised, Map.of("ADVICE_MAX_EXTRA_REPLICAS", "10000"));
            double cost = bounded.replicaSeconds() / ours.replicaSeconds();
            String say = String.format(java.util.Locale.ROOT, "%s: %.3f x ours' replica-seconds (%.3f x without the bound), violation %.3f %% (ours %.3f %%)",
                    advised, cost, unbounded.replicaSeconds() / ours.replicaSeconds(), bounded.violationPct(), ours.violationPct());
            assertTrue(cost <= 1.3, say);
            assertTrue(bounded.violationPct() <= ours.violationPct() + 0.5, say);
            assertTrue(unbounded.replicaSeconds() > bounded.replicaSeconds(), "the bound is what holds the cost: " + say);
        }
    }
}
