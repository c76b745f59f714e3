package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.RateLearning.PlanRate;
import dev.autoscaler.planner.policy.RateLearning.Rates;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 2 alone: which per-replica rate is planned, and how each is learned. */
class RateLearningTest {
    static final double WIN = 3;
    static final Verdict HEALTHY = new Verdict(false, false, false, false);
    static final Verdict SLOW = new Verdict(false, false, true, false);
    /** Ready replicas unchanged since long before any window here, whatever RATE_SETTLE_SEC is. */
    static final double LONG_AGO = Double.NEGATIVE_INFINITY;

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
        PlanRate p = rates().plan(Rates.initial(), 1, List.of());
        assertNull(p.perReplica());
        assertFalse(p.known());
        assertEquals("none", p.basis());
        assertNull(p.capacity());
    }

    @Test
    void theBestKnownRateIsPlannedBreachThenSaturationThenTheHint() {
        RateLearning hinted = rates("CAPACITY_RPS", "200");
        PlanRate hint = hinted.plan(Rates.initial(), 1, List.of());
        assertEquals(140, hint.perReplica(), 1e-9, "TARGET_UTILIZATION (0.7) of the hint");
        assertEquals("hint", hint.basis());
        assertEquals(200, hint.capacity(), 1e-9);

        PlanRate saturation = hinted.plan(new Rates(150.0, null, 2, LONG_AGO), 1, List.of());
        assertEquals(105, saturation.perReplica(), 1e-9, "a learned saturation throughput replaces the hint");
        assertEquals("saturation", saturation.basis());
        assertEquals(150, saturation.capacity(), 1e-9);

        PlanRate breach = hinted.plan(new Rates(150.0, new BreachRate(160, 160), 2, LONG_AGO), 1, List.of());
        assertEquals(152, breach.perReplica(), 1e-9, "SLO_HEADROOM (0.95) below the breach rate");
        assertEquals("breach", breach.basis());
        assertEquals(150, breach.capacity(), 1e-9, "the capacity shown is still the saturation throughput");
        assertEquals(160, rates().plan(new Rates(null, new BreachRate(160, 160), 2, LONG_AGO), 1, List.of()).capacity(), 1e-9);
    }

    @Test
    void neverBelowTargetUtilisationOfTheHighestRateSeenHealthy() {
        List<HealthySample> healthy = List.of(new HealthySample(0, 40, 180), new HealthySample(3, 40, 300), new HealthySample(6, 40, 200));
        PlanRate p = rates().plan(new Rates(null, new BreachRate(160, 160), 2, LONG_AGO), 1, healthy);
        assertEquals(210, p.perReplica(), 1e-9, "0.7 x 300 is above 0.95 x 160");
        assertEquals("breach", p.basis());
        assertEquals(300, p.highestHealthy(), 0);
        assertNull(rates().plan(Rates.initial(), 1, healthy).perReplica(), "a healthy rate alone is no rate to plan");
    }

    @Test
    void thePlanFractionIsSloHeadroomScaledByTheErrorBudget() {
        RateLearning rl = rates();
        assertEquals(0.95, rl.planFraction(1), 1e-12, "SLO_HEADROOM (0.95)");
        assertEquals(0.9, rates("SLO_HEADROOM", "0.9").planFraction(1), 1e-12);
        assertEquals(0.975, rl.planFraction(0.5), 1e-12, "an unspent budget halves the headroom");
        assertEquals(0.90, rl.planFraction(2), 1e-12, "an overspent one doubles it");
        assertEquals(160 * 0.975, rl.plan(new Rates(null, new BreachRate(160, 160), 2, LONG_AGO), 0.5, List.of()).perReplica(), 1e-9,
                "and the plan follows it");
    }

    // ---- learn

    @Test
    void capacityIsLearnedFromSaturatedWindowsOnAStableFleet() {
        RateLearning rl = rates("SLO_P95_MS", "100");
        Rates r = new Rates(null, null, 2, LONG_AGO);
        assertNull(rl.learn(r, window(3, 300, 900, 300, 3), SLOW, false).capacityRps(), "the fleet changed");
        assertNull(rl.learn(r, window(3, 300, 300, 320, 2), SLOW, false).capacityRps(), "a backlog draining");
        assertNull(rl.learn(r, window(3, 30, 900, 300, 2), HEALTHY, false).capacityRps(), "not overloaded");
        Rates learned = rl.learn(r, window(3, 300, 900, 300, 2), SLOW, false);
        assertEquals(150, learned.capacityRps(), 1e-9);
        assertEquals(2, learned.lastReady());
        assertEquals(200, rl.learn(learned, window(6, 300, 900, 400, 2), SLOW, false).capacityRps(), 1e-9,
                "a higher sample replaces it at once");
        assertEquals(140, rl.learn(learned, window(6, 300, 900, 200, 2), SLOW, false).capacityRps(), 1e-9,
                "a lower one pulls by CAPACITY_DECAY (0.2)");
        assertEquals(125, rates("CAPACITY_DECAY", "0.5").learn(learned, window(6, 300, 900, 200, 2), SLOW, false)
                .capacityRps(), 1e-9);
    }

    @Test
    void aBreachOnAStableFleetTeachesItsOwnRate() {
        RateLearning rl = rates("SLO_P95_MS", "100");
        Rates r = rl.learn(new Rates(null, null, 2, LONG_AGO), window(3, 150, 300, 300, 2), SLOW, false);
        assertEquals(150, r.breach().rate(), 1e-9, "300 rps on two replicas, neither saturated nor draining");
        assertEquals(150, r.breach().ceiling(), 1e-9);
        assertNull(rl.learn(new Rates(null, null, 2, LONG_AGO), window(3, 40, 300, 300, 2), HEALTHY, false).breach(),
                "a healthy window teaches no breach rate");
    }

    @Test
    void anUnconfirmedLoweringIsForgivenOverBreachForgetSec() {
        RateLearning quick = rates("SLO_P95_MS", "100", "BREACH_FORGET_SEC", "60");
        Rates r = new Rates(null, new BreachRate(145, 160), 2, LONG_AGO);
        for (int i = 0; i < 20; i++) r = quick.learn(r, window(3 * i, 40, 200, 200, 2), HEALTHY, false);
        assertEquals(145 + 15 * (1 - Math.exp(-1)), r.breach().rate(), 1e-9, "60 s of healthy windows forgive 63 %");
        Rates slow = new Rates(null, new BreachRate(145, 160), 2, LONG_AGO);
        for (int i = 0; i < 20; i++) slow = rates("SLO_P95_MS", "100").learn(slow, window(3 * i, 40, 200, 200, 2), HEALTHY, false);
        assertTrue(slow.breach().rate() < 146, "at the default hour, a minute forgives 1.6 %: " + slow.breach().rate());
    }

    // ---- RATE_SETTLE_SEC

    /** The rates after the ready count went from two to three in a healthy window at ts 0. */
    static Rates changedAtZero(RateLearning rl) {
        Rates r = rl.learn(new Rates(null, null, 2, LONG_AGO), window(0, 40, 300, 300, 3), HEALTHY, false);
        assertEquals(3, r.lastReady());
        assertEquals(0, r.readySinceTs(), 0, "the count changed in this window");
        return r;
    }

    /** A breach at 150 rps per replica on three replicas, neither saturated nor draining. */
    static Window breachAt(double ts) {
        return window(ts, 150, 450, 450, 3);
    }

    /** Three replicas saturated: 900 rps arrive, 450 are served (150 per replica). */
    static Window saturatedAt(double ts) {
        return window(ts, 300, 900, 450, 3);
    }

    @Test
    void withRateSettleSecABreachSoonAfterAReplicaJoinedTeachesNoBreachRate() {
        RateLearning rl = rates("SLO_P95_MS", "100", "RATE_SETTLE_SEC", "10");
        assertEquals(10, rl.settings().settleSec(), 0);
        Rates r = changedAtZero(rl);
        for (double ts = WIN; ts < 10; ts += WIN) {
            Rates breach = rl.learn(r, breachAt(ts), SLOW, false);
            assertNull(breach.breach(), ts + " s after the change: no breach rate");
            Rates saturated = rl.learn(r, saturatedAt(ts), SLOW, false);
            // a cold replica only under-states capacity, and a higher sample replaces it at once: no wait there
            assertEquals(150, saturated.capacityRps(), 1e-9, ts + " s after the change: capacity is learned");
            assertEquals(0, breach.readySinceTs(), 0, "the count has not changed since");
            r = rl.learn(r, window(ts, 40, 300, 300, 3), HEALTHY, false); // what came in fact: healthy windows
        }
        // the first window 10 s after the change (at 12 s) teaches; a scale-down does not restart the wait
        Rates down = rl.learn(r, window(12, 40, 200, 200, 2), HEALTHY, false);
        assertEquals(0, down.readySinceTs(), 0, "the replicas left after a scale-down are warm");
        Rates breach = rl.learn(r, breachAt(12), SLOW, false);
        assertEquals(150, breach.breach().rate(), 1e-9, "10 s of an unchanged count: the breach teaches its rate");

        // a run of breaches from the change on teaches too, once the count has held for 10 s
        Rates run = changedAtZero(rl);
        for (double ts = WIN; ts < 10; ts += WIN) {
            run = rl.learn(run, breachAt(ts), SLOW, ts > WIN);
            assertNull(run.breach(), "breaching " + ts + " s after the change");
        }
        run = rl.learn(run, breachAt(12), SLOW, true);
        assertEquals(150, run.breach().rate(), 1e-9);
    }

    @Test
    void withRateSettleSecZeroOnlyTheWindowInWhichTheCountChangedIsExcluded() {
        RateLearning rl = rates("SLO_P95_MS", "100", "RATE_SETTLE_SEC", "0");
        Rates before = new Rates(null, null, 2, LONG_AGO);
        assertNull(rl.learn(before, breachAt(0), SLOW, false).breach(), "the window in which the count went from two to three");
        assertNull(rl.learn(before, saturatedAt(0), SLOW, false).capacityRps());
        Rates r = changedAtZero(rl);
        assertEquals(150, rl.learn(r, breachAt(WIN), SLOW, false).breach().rate(), 1e-9, "the first window after the change teaches");
        assertEquals(150, rl.learn(r, saturatedAt(WIN), SLOW, false).capacityRps(), 1e-9);
    }
}
