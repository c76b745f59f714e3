package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.RateLearning.PlanRate;
import dev.autoscaler.planner.policy.RateLearning.Rates;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 2 alone: which per-replica rate is planned, and how each is learned. */
class RateLearningTest {
    static final double WIN = 3;
    /** SLO 100 ms over a baseline of 60 ms: half-way is 80 ms. */
    static final Threshold SLO = new Threshold(100.0, "slo", 60.0, 5.0, 30, 12);
    static final Verdict HEALTHY = new Verdict(false, false, false, false);
    static final Verdict SLOW = new Verdict(false, false, true, false);

    static RateLearning rates(String... kv) {
        PolicyConfig cfg = PolicyHarness.config(kv);
        return new RateLearning(cfg.rates(), cfg.windowSec());
    }

    static Window window(double ts, double p95, double rps, double served, int ready) {
        return new Window(ts, p95, rps, served, 1.0, 100, ready, ready);
    }

    // ---- plan

    @Test
    void withNothingKnownThereIsNoRateToPlan() {
        PlanRate p = rates().plan(Rates.initial(), 300, 1, List.of());
        assertNull(p.perReplica());
        assertFalse(p.known());
        assertEquals("none", p.basis());
        assertNull(p.capacity());
    }

    @Test
    void theBestKnownRateIsPlannedBreachThenNearThenSaturationThenTheHint() {
        RateLearning hinted = rates("CAPACITY_RPS", "200");
        PlanRate hint = hinted.plan(Rates.initial(), 300, 1, List.of());
        assertEquals(140, hint.perReplica(), 1e-9, "TARGET_UTILIZATION (0.7) of the hint");
        assertEquals("hint", hint.basis());
        assertEquals(200, hint.capacity(), 1e-9);

        PlanRate saturation = hinted.plan(new Rates(150.0, null, null, 2), 300, 1, List.of());
        assertEquals(105, saturation.perReplica(), 1e-9, "a learned saturation throughput replaces the hint");
        assertEquals("saturation", saturation.basis());
        assertEquals(150, saturation.capacity(), 1e-9);

        PlanRate near = hinted.plan(new Rates(150.0, null, 120.0, 2), 300, 1, List.of());
        assertEquals(120, near.perReplica(), 1e-9, "the near rate is planned as it is: the SLO breaks above it");
        assertEquals("near", near.basis());

        PlanRate breach = hinted.plan(new Rates(150.0, new BreachRate(160, 160), null, 2), 20 * 160, 1, List.of());
        assertEquals(152, breach.perReplica(), 1e-9, "SLO_HEADROOM (0.95) below the breach rate, at twenty replicas");
        assertEquals("breach", breach.basis());
        assertEquals(150, breach.capacity(), 1e-9, "the capacity shown is still the saturation throughput");
        assertEquals(160, rates().plan(new Rates(null, new BreachRate(160, 160), null, 2), 20 * 160, 1, List.of()).capacity(), 1e-9);
    }

    @Test
    void neverBelowTargetUtilisationOfTheHighestRateSeenHealthy() {
        List<HealthySample> healthy = List.of(new HealthySample(0, 40, 180), new HealthySample(3, 40, 300), new HealthySample(6, 40, 200));
        PlanRate p = rates().plan(new Rates(null, new BreachRate(160, 160), null, 2), 20 * 160, 1, healthy);
        assertEquals(210, p.perReplica(), 1e-9, "0.7 x 300 is above 0.95 x 160");
        assertEquals("breach", p.basis());
        assertEquals(300, p.highestHealthy(), 0);
        assertNull(rates().plan(Rates.initial(), 300, 1, healthy).perReplica(), "a healthy rate alone is no rate to plan");
    }

    @Test
    void thePlanFractionHonoursSloHeadroomAndPlanNoiseZ() {
        assertEquals(1 - 2 / Math.sqrt(160 * WIN), rates().planFraction(160, 160, 1), 1e-12, "one replica: PLAN_NOISE_Z (2) standard errors");
        assertEquals(0.95, rates("PLAN_NOISE_Z", "0").planFraction(160, 160, 1), 1e-12, "no noise term: SLO_HEADROOM alone");
        assertEquals(0.9, rates("SLO_HEADROOM", "0.9").planFraction(160, 40 * 160, 1), 1e-12);
    }

    // ---- learn

    @Test
    void capacityIsLearnedFromSaturatedWindowsOnAStableFleet() {
        RateLearning rl = rates("SLO_P95_MS", "100");
        Rates r = new Rates(null, null, null, 2);
        assertNull(rl.learn(r, window(3, 300, 900, 300, 3), SLOW, SLO, List.of(), false).capacityRps(), "the fleet changed");
        assertNull(rl.learn(r, window(3, 300, 300, 320, 2), SLOW, SLO, List.of(), false).capacityRps(), "a backlog draining");
        assertNull(rl.learn(r, window(3, 30, 900, 300, 2), HEALTHY, SLO, List.of(), false).capacityRps(), "not overloaded");
        Rates learned = rl.learn(r, window(3, 300, 900, 300, 2), SLOW, SLO, List.of(), false);
        assertEquals(150, learned.capacityRps(), 1e-9);
        assertEquals(2, learned.lastReady());
        assertEquals(200, rl.learn(learned, window(6, 300, 900, 400, 2), SLOW, SLO, List.of(), false).capacityRps(), 1e-9,
                "a higher sample replaces it at once");
        assertEquals(140, rl.learn(learned, window(6, 300, 900, 200, 2), SLOW, SLO, List.of(), false).capacityRps(), 1e-9,
                "a lower one pulls by CAPACITY_DECAY (0.2)");
        assertEquals(125, rates("CAPACITY_DECAY", "0.5").learn(learned, window(6, 300, 900, 200, 2), SLOW, SLO, List.of(), false)
                .capacityRps(), 1e-9);
    }

    /** The healthy window before this one, 3 s earlier, at {@code p95} and {@code perReplica}. */
    static List<HealthySample> before(double p95, double perReplica) {
        return List.of(new HealthySample(0, p95, perReplica));
    }

    @Test
    void theNearRateTakesTwoSuccessiveHealthyWindowsPastHalfWay() {
        RateLearning rl = rates("SLO_P95_MS", "100");
        Rates r = new Rates(null, null, null, 2);
        assertEquals(95, rl.learn(r, window(3, 85, 190, 190, 2), HEALTHY, SLO, before(85, 90), false).nearRps(), 1e-9);
        assertNull(rl.learn(r, window(3, 85, 190, 190, 2), HEALTHY, SLO, before(75, 90), false).nearRps(), "the one before was not past 80 ms");
        assertNull(rl.learn(r, window(3, 75, 190, 190, 2), HEALTHY, SLO, before(85, 90), false).nearRps(), "this one is not");
        assertNull(rl.learn(r, window(9, 85, 190, 190, 2), HEALTHY, SLO, before(85, 90), false).nearRps(), "not the window just before");
        assertNull(rl.learn(new Rates(null, null, null, 3), window(3, 85, 190, 190, 2), HEALTHY, SLO, before(85, 90), false).nearRps(),
                "the fleet changed");
        assertNull(rl.learn(r, window(3, 85, 190, 250, 2), HEALTHY, SLO, before(85, 90), false).nearRps(), "a backlog draining");
        assertNull(rates("SLO_P95_MS", "100", "NEAR_RATE", "false").learn(r, window(3, 85, 190, 190, 2), HEALTHY, SLO, before(85, 90), false)
                .nearRps(), "NEAR_RATE off");

        Rates near = new Rates(null, null, 95.0, 2);
        assertEquals(110, rl.learn(near, window(3, 40, 220, 220, 2), HEALTHY, SLO, List.of(), false).nearRps(), 1e-9,
                "raised by any healthy window above it, whatever its latency");
        assertEquals(95, rl.learn(near, window(3, 40, 100, 100, 2), HEALTHY, SLO, List.of(), false).nearRps(), 1e-9, "never lowered");
    }

    @Test
    void aBreachReplacesTheNearRateAndIsPlacedBetweenTheWindowBeforeAndItself() {
        RateLearning rl = rates("SLO_P95_MS", "100");
        Rates near = new Rates(null, null, 95.0, 2);
        Rates r = rl.learn(near, window(3, 150, 300, 300, 2), SLOW, SLO, before(85, 95), false);
        assertNull(r.nearRps());
        assertEquals(95 + 55 * 15.0 / 65, r.breach().rate(), 1e-9, "linear in p95 between 95 rps at 85 ms and 150 at 150 ms");
        assertEquals(150, r.breach().ceiling(), 1e-9);
        Rates unplaced = rates("SLO_P95_MS", "100", "FIRST_BREACH_PLACEMENT", "false").learn(near, window(3, 150, 300, 300, 2), SLOW, SLO,
                before(85, 95), false);
        assertEquals(150, unplaced.breach().rate(), 1e-9, "FIRST_BREACH_PLACEMENT off: the breach's own rate");
    }

    @Test
    void anUnconfirmedLoweringIsForgivenOverBreachForgetSec() {
        RateLearning quick = rates("SLO_P95_MS", "100", "BREACH_FORGET_SEC", "60");
        Rates r = new Rates(null, new BreachRate(145, 160), null, 2);
        for (int i = 0; i < 20; i++) r = quick.learn(r, window(3 * i, 40, 200, 200, 2), HEALTHY, SLO, List.of(), false);
        assertEquals(145 + 15 * (1 - Math.exp(-1)), r.breach().rate(), 1e-9, "60 s of healthy windows forgive 63 %");
        Rates slow = new Rates(null, new BreachRate(145, 160), null, 2);
        for (int i = 0; i < 20; i++) slow = rates("SLO_P95_MS", "100").learn(slow, window(3 * i, 40, 200, 200, 2), HEALTHY, SLO, List.of(), false);
        assertTrue(slow.breach().rate() < 146, "at the default hour, a minute forgives 1.6 %: " + slow.breach().rate());
    }
}
