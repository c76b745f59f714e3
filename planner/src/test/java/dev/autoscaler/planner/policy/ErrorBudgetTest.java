package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorBudgetTest {
    static PolicyConfig budget(String pct) {
        return PolicyHarness.config("SLO_BUDGET_PCT", pct);
    }

    /** The multiplier after {@code windows} windows of which a share {@code slowShare} are slow (and avoidable). */
    static ErrorBudget run(ErrorBudget b, PolicyConfig cfg, int windows, double slowShare, long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < windows; i++) b = b.observe(rnd.nextDouble() < slowShare, true, cfg);
        return b;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void theMarginThinsWhileTheBudgetIsNotSpentAndWidensWhenItIsOverspent(long seed) {
        PolicyConfig cfg = budget("0.5");
        ErrorBudget quiet = run(ErrorBudget.initial(), cfg, 20_000, 0.0, seed);
        assertTrue(quiet.multiplier() < 0.8, "no slow windows for 17 hours thins the margin: " + quiet.multiplier());
        ErrorBudget noisy = run(ErrorBudget.initial(), cfg, 20_000, 0.03, seed + 1);
        assertTrue(noisy.multiplier() > 1.5, "3 % slow windows against a 0.5 % budget widen it: " + noisy.multiplier());
        assertTrue(noisy.slowRate() > 0.02 && noisy.slowRate() < 0.04, "the recent slow share: " + noisy.slowRate());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void itSettlesWithTheSlowShareJustUnderTheBudget(long seed) {
        PolicyConfig cfg = budget("1");
        // slow windows become rarer as the margin widens: a share of 1.5 % at m = 1, halving per doubling of m
        Random rnd = new Random(seed);
        ErrorBudget b = ErrorBudget.initial();
        int slow = 0;
        int windows = 400_000;
        for (int i = 0; i < windows; i++) {
            boolean s = rnd.nextDouble() < 0.015 / b.multiplier();
            if (i >= windows / 2 && s) slow++;
            b = b.observe(s, true, cfg);
        }
        // 0.015 / m = 0.01 at m = 1.5; thinning waits while the recent share is over the budget, so it settles a little
        // wider, just under the budget
        double share = 100.0 * slow / (windows / 2);
        assertTrue(share > 0.75 && share <= 1.0, "the slow share in the second half, %: " + share);
        assertTrue(b.multiplier() > 1.5 && b.multiplier() < 2, "m: " + b.multiplier());
    }

    @Test
    void unavoidableSlowWindowsDoNotWidenTheMarginButStopItThinning() {
        PolicyConfig cfg = budget("0.5");
        ErrorBudget b = ErrorBudget.initial();
        Random rnd = new Random(4);
        for (int i = 0; i < 20_000; i++) b = b.observe(rnd.nextDouble() < 0.02, false, cfg);
        assertEquals(1, b.multiplier(), 0.02, "spikes no margin covers neither widen it nor, overspending, thin it");
    }

    /**
     * The test above on other seeds: the ±0.02 holds on seeds 3 and 4, not on 1 and 2 (0.975, 0.974), because the slow
     * share starts at 0 and the margin thins until it passes the budget (about 1400 windows at a 2 % share).
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void unavoidableSlowWindowsNeverWidenTheMarginAndThinItOnlyUntilTheyOverspend(long seed) {
        PolicyConfig cfg = budget("0.5");
        ErrorBudget b = ErrorBudget.initial();
        Random rnd = new Random(seed);
        double lowest = 1;
        for (int i = 0; i < 20_000; i++) {
            b = b.observe(rnd.nextDouble() < 0.02, false, cfg);
            assertTrue(b.multiplier() <= 1 + 1e-12, "widened at window " + i + ": " + b);
            if (i == 5000) lowest = b.multiplier();
        }
        assertEquals(lowest, b.multiplier(), 1e-3, "after the first 5000 windows the share is over the budget and nothing moves");
        assertTrue(b.multiplier() > 0.95, "m: " + b.multiplier());
    }

    @Test
    void withoutARateToSizeBySlowWindowsAreCountedButTheMarginWaits() {
        PolicyConfig cfg = budget("0.5");
        ErrorBudget b = new ErrorBudget(Math.log(1.5), 0, false);
        for (int i = 0; i < 1000; i++) b = b.track(i % 10 == 0, cfg);
        assertEquals(1.5, b.multiplier(), 1e-12);
        assertTrue(b.slowRate() > 0.01, "a tenth of the windows were slow: " + b.slowRate());
        assertTrue(b.track(true, cfg).lastSlow());
        assertTrue(!b.track(true, cfg).unmeasured().lastSlow(), "a window without requests breaks a run of slow ones");
    }

    @Test
    void theMultiplierStaysWithinItsBoundsAndAZeroBudgetNeverMovesIt() {
        ErrorBudget hot = run(ErrorBudget.initial(), budget("0.5"), 50_000, 0.5, 5);
        assertEquals(budget("0.5").budget().maxMultiplier(), hot.multiplier(), 1e-9);
        assertEquals(2, hot.multiplier(), 1e-9, "BUDGET_MAX_MULTIPLIER defaults to 2");
        ErrorBudget cold = run(ErrorBudget.initial(), budget("5"), 50_000, 0, 6);
        assertEquals(budget("5").budget().minMultiplier(), cold.multiplier(), 1e-9);
        assertEquals(0.6, cold.multiplier(), 1e-9, "BUDGET_MIN_MULTIPLIER defaults to 0.6");
        ErrorBudget off = run(ErrorBudget.initial(), budget("0"), 50_000, 0.5, 7);
        assertEquals(1, off.multiplier(), 1e-12);
        assertEquals(1.3, off.scale(1.3), 1e-12);
        assertEquals(0.9, hot.scale(0.9), 1e-12, "a rise below 1 (a forecast that overshoots) is not scaled");
        assertEquals(1.6, hot.scale(1.3), 1e-9, "the margin above 1 doubles");
    }
}
