package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.autoscaler.common.config.Env;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The policy's invariants over generated settings and window sequences (QuickTheories shrinks a failure to a small
 * case): the bounds and the step limits are never exceeded, nothing scales down while slow, and more load never asks
 * for fewer replicas (for one learned rate: see that test). Advice in the decide role is mixed in, because the
 * guardrails bind advice too.
 */
class PolicyInvariantsTest {
    private static final double SLO_MS = 100;
    private static final double WINDOW_SEC = 3;

    /** One generated window: demand, served share, p95 and the ready share of the count asked for. */
    record W(double rps, double servedShare, double p95Ms, double readyShare, Integer advice) {}

    record Bounds(int min, int max, int stepUp, int stepDown) {}

    private static Gen<Bounds> bounds() {
        return integers().between(0, 3).zip(integers().between(1, 20), integers().between(1, 6), integers().between(1, 4),
                (min, span, up, down) -> new Bounds(min, Math.max(1, min + span - 1), up, down));
    }

    private static Gen<W> windows() {
        return windows(0, 1);
    }

    private static Gen<W> windows(double minRps, double minP95Ms) {
        Gen<Integer> advice = integers().between(0, 25).toOptionals(70).map(o -> o.orElse(null));
        return doubles().between(minRps, 3000).zip(doubles().between(0.2, 1.0), doubles().between(minP95Ms, 2000),
                doubles().between(0, 1), advice, W::new);
    }

    private static PolicyConfig config(Bounds b) {
        Map<String, String> env = new HashMap<>();
        env.put("SLO_P95_MS", String.valueOf(SLO_MS));
        env.put("SAMPLE_INTERVAL", String.valueOf(WINDOW_SEC));
        env.put("MIN_REPLICAS", String.valueOf(b.min()));
        env.put("MAX_REPLICAS", String.valueOf(b.max()));
        env.put("MAX_STEP_UP", String.valueOf(b.stepUp()));
        env.put("MAX_STEP_DOWN", String.valueOf(b.stepDown()));
        env.put("MAX_STEP_DOWN_PERCENT", "0");
        return PolicyConfig.from(new Env(env));
    }

    private static Window window(W w, double ts, int current) {
        int ready = (int) Math.round(current * w.readyShare());
        return new Window(ts, w.p95Ms(), w.rps(), w.rps() * w.servedShare(), 1.0, (int) (w.rps() * WINDOW_SEC), ready, current);
    }

    private static AdviceRules.Advice advice(W w, double now) {
        return w.advice() == null ? null : new AdviceRules.Advice(w.advice(), 0.9, "generated", "llm", now);
    }

    @Test
    void boundsAndStepsHoldAndNothingScalesDownWhileSlow() {
        qt().withExamples(2_000).forAll(bounds(), lists().of(windows()).ofSizeBetween(1, 60), integers().between(0, 25))
                .checkAssert((b, ws, start) -> {
                    ScalingPolicy policy = new ScalingPolicy(config(b));
                    PolicyState s = PolicyState.initial();
                    int current = start;
                    double now = 0;
                    for (W w : ws) {
                        now += WINDOW_SEC;
                        var r = policy.decide(s, window(w, now, current), now, advice(w, now), true);
                        int to = r.decision().targetReplicas();
                        String at = " at " + now + " s from " + current + " (" + w + "): " + r.decision().reason();
                        assertTrue(to >= b.min() && to <= b.max(), "out of bounds " + b + at);
                        boolean inBounds = current >= b.min() && current <= b.max();
                        if (inBounds && to > current) assertTrue(to - current <= b.stepUp(), "step up beyond MAX_STEP_UP" + at);
                        if (inBounds && to < current) {
                            assertTrue(current - to <= b.stepDown(), "step down beyond MAX_STEP_DOWN" + at);
                            // a window without requests has no latency to be slow with
                            assertTrue(w.p95Ms() <= SLO_MS || w.rps() * WINDOW_SEC < 1, "scaled down while slow" + at);
                        }
                        s = r.state();
                        current = to;
                    }
                });
    }

    /**
     * More load never asks for fewer replicas, for one learned rate: Sizing, given the same window verdict, threshold,
     * per-replica rate and context, never proposes fewer replicas for a higher load (and a higher demand in the window).
     * The whole policy is not monotone in the window's rate, and must not be: the window is evidence as well as load —
     * a healthy window at a higher rate proves a higher per-replica rate (the healthy and proven rates), a saturated
     * one teaches it from its completions — and this property, run on the whole policy, found exactly those cases.
     */
    @Test
    void moreLoadNeverAsksForFewerReplicasForOneLearnedRate() {
        Sizing sizing = new Sizing(config(new Bounds(1, 50, 10, 4)).sizing());
        Gen<double[]> rates = doubles().between(1, 1000).zip(doubles().between(0.5, 1.5), doubles().between(0.2, 1.0),
                (plan, downShare, demandShare) -> new double[] {plan, plan * downShare, demandShare});
        qt().withExamples(10_000).forAll(rates, doubles().between(1, 5000), integers().between(1, 40), doubles().between(1, 3))
                .checkAssert((rate, load, n, factor) -> {
                    for (boolean slow : new boolean[] {false, true}) {
                        for (int low : new int[] {0, 3}) {
                            int base = propose(sizing, rate, load, n, 1, slow, low);
                            int higher = propose(sizing, rate, load, n, factor, slow, low);
                            assertTrue(higher >= base, "load " + load + " -> " + base + " but x" + factor + " -> " + higher
                                    + " (n " + n + ", rate " + rate[0] + ", slow " + slow + ", low windows " + low + ")");
                        }
                    }
                });
    }

    private static int propose(Sizing sizing, double[] rate, double load, int n, double factor, boolean slow, int lowWindows) {
        double rps = load * rate[2] * factor;
        var w = new Window(0, slow ? 150 : 40, rps, rps, 1.0, (int) (rps * WINDOW_SEC), n, n);
        var t = new Thresholds.Threshold(SLO_MS, "slo", null, null, 10, 10);
        var v = new Thresholds.Verdict(false, false, slow, false);
        var planRate = new RateLearning.PlanRate(rate[0], rate[0], rate[0], "breach", rate[1]);
        var l = new LoadEstimation.Load(load * factor, rps, List.of(new LoadEstimator.Estimate("trend", load * factor, "generated")));
        var c = new Sizing.Context(lowWindows, 600, 600, 1, ErrorBudget.initial());
        return sizing.propose(w, v, t, planRate, l, c).replicas();
    }

    @Test
    void theSameDecisionTwiceFromTheSameStateIsTheSame() {
        // decide is a pure function of (state, window, clock): the service, the bench and these tests rely on it
        qt().withExamples(2_000).forAll(bounds(), lists().of(windows()).ofSizeBetween(1, 20)).checkAssert((b, ws) -> {
            ScalingPolicy policy = new ScalingPolicy(config(b));
            PolicyState s = PolicyState.initial();
            double now = 0;
            int current = b.min();
            for (W w : ws) {
                now += WINDOW_SEC;
                var a = policy.decide(s, window(w, now, current), now);
                var again = policy.decide(s, window(w, now, current), now);
                assertTrue(a.decision().equals(again.decision()), "two decisions differ: " + a.decision() + " / " + again.decision());
                s = a.state();
                current = a.decision().targetReplicas();
            }
        });
    }
}
