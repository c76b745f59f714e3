package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.Plan.Action;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import dev.autoscaler.planner.policy.PolicyHarness.Driver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingPolicyTest {
    static final double WIN = PolicyHarness.WIN;

    static PolicyConfig config(String... kv) {
        return PolicyHarness.config(kv);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void aTenMinuteOverloadIsStillOverloadAtMinuteTen(long seed) {
        Driver d = new Driver(config("MAX_REPLICAS", "1000", "MAX_STEP_UP", "1"), 2);
        Random rnd = new Random(seed);
        for (int i = 0; i < 30; i++) d.step(50 + rnd.nextGaussian() * 3, 10, 10);
        int windows = (int) (600 / WIN);
        for (int i = 0; i < windows; i++) {
            PolicyDecision dec = d.step(500 + rnd.nextGaussian() * 20, 10, 10);
            assertNotEquals(Action.scale_down, dec.action(), "scaled down under overload at window " + i);
        }
        PolicyDecision lastDecision = d.last;
        assertEquals("baseline", lastDecision.numbers().thresholdSource());
        assertEquals(50, lastDecision.numbers().baselineMs(), 5, "baseline must not absorb the overload");
        assertTrue(lastDecision.numbers().p95Ms() > lastDecision.numbers().thresholdMs(), "minute 10 is still a breach");
        assertTrue(lastDecision.reason().contains("p95"), lastDecision.reason());
    }

    @Test
    void aFourFoldRpsStepAsksForAboutFourFoldReplicasInOneDecision() {
        // RATE_SETTLE_SEC 0: the window right after the one in which the count settled teaches
        Driver d = new Driver(config("SLO_P95_MS", "100", "MAX_STEP_UP", "20", "UP_COOLDOWN_SEC", "1000", "RATE_SETTLE_SEC", "0"), 2);
        // learn capacity: 2 replicas saturated at 200 rps each while 600 rps arrive (the first window has no
        // stable ready count to compare with, the second teaches)
        d.step(400, 600, 400);
        d.current = 2;
        d.step(400, 600, 400);
        assertEquals(200, d.state.rates().capacityRps(), 1e-9);
        d.now += 2000;
        // settle at 2 replicas with 280 rps (70 % of capacity), healthy
        d.current = 2;
        for (int i = 0; i < 40; i++) d.step(40, 280, 280);
        assertEquals(2, d.current, d.last.reason());
        PolicyDecision dec = d.step(350, 1120, 400);
        assertEquals(Action.scale_up, dec.action());
        assertEquals(8, dec.targetReplicas(), dec.reason());
    }

    /** Two replicas of 200 rps, planned at 140 each, a 30 s start-up (11 windows ahead), no burst headroom. */
    static Driver rampDriver() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "MAX_STEP_UP", "40", "MAX_REPLICAS", "40",
                "REPLICA_STARTUP_SEC", "30", "RISE_QUANTILE", "0"), 2);
        for (int i = 0; i < 10; i++) d.step(60, 250, 250);
        return d;
    }

    @Test
    void aHealthyRampIsSizedForTheRateOneHorizonAhead() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "REPLICA_STARTUP_SEC", "30"), 2);
        for (int i = 0; i < 50; i++) d.step(60, 280, 280);
        assertEquals(2, d.current, d.last.reason());
        // +15 rps per window, healthy: six rising windows are a ramp (6 standard errors of counting noise), so the
        // load is the fitted latest rate plus 11 windows (30 s start-up + one window) of the slope: 370 + 165 rps.
        // (the burst headroom of a flat history adds nothing)
        for (int i = 1; i <= 6; i++) d.step(60, 280 + 15 * i, 280 + 15 * i);
        assertEquals(535, d.last.numbers().loadRps(), 1e-6, d.last.reason());
        assertEquals(370, d.last.numbers().rps(), 1e-6, "telemetry rps is the measured rate");
        assertEquals(4, d.last.targetReplicas(), d.last.reason()); // ceil(535 / 140): sized before the rate needs it
    }

    @Test
    void aStepThatWentFlatIsNotExtrapolatedAsARamp() {
        Driver d = rampDriver();
        for (int i = 0; i < 3; i++) {
            d.current = 2;
            d.step(300, 850, 400);
        }
        d.current = 2;
        PolicyDecision dec = d.step(300, 850, 400);
        // a step is no ramp for long, and a ramp's forecast is at most a doubling: 1700 rps, 13 replicas
        assertTrue(dec.numbers().forecastRps() <= 1700 + 1e-6, "forecast " + dec.numbers().forecastRps());
        assertTrue(dec.targetReplicas() <= 13, dec.reason());
    }

    @Test
    void capacityIsLearnedOnlyFromSaturatedWindowsWithAStableReplicaCount() {
        // RATE_SETTLE_SEC 0: a count the same as in the window before is stable (RateLearningTest covers a longer settle)
        var policy = new ScalingPolicy(config("SLO_P95_MS", "100", "RATE_SETTLE_SEC", "0"));
        PolicyState s = policy.decide(PolicyState.initial(), new Window(1, 30, 100, 100, 1, 100, 2, 2), 1).state();
        // replicas changed since the last window: no lesson
        PolicyState changed = policy.decide(s, new Window(4, 300, 900, 300, 1, 100, 3, 3), 4).state();
        assertEquals(null, changed.rates().capacityRps());
        // a backlog draining (served >= arrivals) is slow but not saturated: no lesson
        PolicyState draining = policy.decide(s, new Window(4, 300, 300, 320, 1, 100, 2, 2), 4).state();
        assertEquals(null, draining.rates().capacityRps());
        // saturated: 900 arriving, 300 served by 2 -> 150 each; a higher saturated sample replaces it at once
        PolicyState learned = policy.decide(s, new Window(4, 300, 900, 300, 1, 100, 2, 2), 4).state();
        assertEquals(150, learned.rates().capacityRps(), 1e-9);
        PolicyState higher = policy.decide(learned, new Window(7, 300, 900, 400, 1, 100, 2, 2), 7).state();
        assertEquals(200, higher.rates().capacityRps(), 1e-9);
        PolicyState lower = policy.decide(higher, new Window(10, 300, 900, 300, 1, 100, 2, 2), 10).state();
        assertEquals(190, lower.rates().capacityRps(), 1e-9, "a lower sample only pulls slowly");
    }

    @Test
    void aBacklogAfterAScaleUpDoesNotTriggerAnotherPanicScaleUp() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "UP_COOLDOWN_SEC", "30"), 1);
        PolicyDecision up = d.step(1500, 320, 200);
        assertEquals(3, up.targetReplicas(), up.reason());
        // replicas ready, load fits, but the old replica's queue still drains: p95 high for a while
        PolicyDecision next = d.step(600, 320, 380);
        assertEquals(Action.noop, next.action(), next.reason());
    }

    /**
     * Seed 7 as it always was. The bound of two actions holds for seeds 1, 6, 7 and 8 only: seeds 2 to 4 make two
     * excursions in the 50 minutes and seed 5 five (see PolicyPropertiesTest for what holds on every seed).
     */
    @Test
    void noFlappingOnANoisySteadyLoad() {
        // p95 here does not depend on the count: a capacity probe would rightly find two replicas enough (PROBE_SEC 0)
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "PROBE_SEC", "0"), 3);
        Random rnd = new Random(7);
        int actions = 0;
        for (int i = 0; i < 1000; i++) {
            double rps = 300 * (1 + 0.1 * rnd.nextGaussian());
            double p95 = Math.max(5, 40 + 10 * rnd.nextGaussian());
            if (d.step(p95, rps, rps).action() != Action.noop) actions++;
        }
        // 10 % noise per window is three times what Poisson counting gives at 300 rps over 3 s; over 50 minutes of it
        // the burst headroom may make one excursion (up and back), never a back-and-forth
        assertTrue(actions <= 2, "actions on a steady load: " + actions);
        assertEquals(3, d.current);
    }

    @Test
    void theBaselineIsLearnedFromHealthyWindowsOnly() {
        Driver d = new Driver(config("WARMUP_WINDOWS", "5"), 1);
        for (int i = 0; i < 5; i++) d.step(20, 5, 5);
        for (int i = 0; i < 20; i++) d.step(300, 5, 5);
        assertEquals(5, d.state.healthy().size());
        assertEquals(20, d.last.numbers().baselineMs(), 1e-9);
    }

    @Test
    void warmingUpInBaselineModeDoesNothingButSloModeActsAtOnce() {
        Driver baseline = new Driver(config("WARMUP_WINDOWS", "12"), 1);
        PolicyDecision dec = baseline.step(900, 5, 5);
        assertEquals(Action.noop, dec.action());
        assertTrue(dec.reason().startsWith("keep 1: warming"), dec.reason());

        Driver slo = new Driver(config("SLO_P95_MS", "100"), 1);
        PolicyDecision up = slo.step(150, 5, 5);
        assertEquals(Action.scale_up, up.action());
        assertEquals("slo", up.numbers().thresholdSource());
        assertEquals(100, up.numbers().thresholdMs());
    }

    @Test
    void idleHintSeedsTheBaselineBeforeWarmUp() {
        Driver d = new Driver(config("IDLE_HINT_MS", "20", "ALPHA_UP", "3"), 1);
        PolicyDecision dec = d.step(100, 5, 5);
        assertEquals("idle_hint", dec.numbers().thresholdSource());
        assertEquals(Action.scale_up, dec.action());
    }

    @Test
    void overloadWithoutCapacityGrowsByTheLatencyRatioAtMostDoubling() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "MAX_REPLICAS", "100"), 4);
        assertEquals(6, d.step(150, 0, 0).targetReplicas());
        d.now += 100;
        assertEquals(12, d.step(1000, 0, 0).targetReplicas());
    }

    @Test
    void panicBypassesTheUpCooldownButAMildBreachWaits() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "UP_COOLDOWN_SEC", "60", "PANIC_FACTOR", "2", "MAX_REPLICAS", "50"), 2);
        assertEquals(Action.scale_up, d.step(150, 0, 0).action());
        int after = d.current;
        PolicyDecision mild = d.step(150, 0, 0);
        assertEquals(Action.noop, mild.action());
        assertTrue(mild.reason().contains("up-cooldown"), mild.reason());
        PolicyDecision panic = d.step(450, 0, 0);
        assertEquals(Action.scale_up, panic.action());
        assertTrue(panic.targetReplicas() > after);
        assertTrue(panic.reason().contains("panic"), panic.reason());
    }

    @Test
    void scaleDownWaitsForTheStabilisationWindowAndTakesItsHighestRecommendation() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "DOWN_STABILIZATION_SEC", "60",
                "DOWN_COOLDOWN_SEC", "0", "LOW_NEED_N", "1", "MAX_STEP_DOWN", "100"), 10);
        for (int i = 0; i < 5; i++) d.step(30, 700, 700); // needs 10 at 70 rps per replica
        assertEquals(10, d.current);
        double lastTen = d.now; // 10 was recommended at this time
        d.step(30, 350, 350); // needs 5 now, but 10 was recommended within 60 s
        assertEquals(10, d.current);
        assertTrue(d.last.reason().contains("held"), d.last.reason());
        double firstDown = Double.NaN;
        for (int i = 0; i < 40 && d.current > 5; i++) {
            d.step(30, 350, 350);
            if (d.current < 10 && Double.isNaN(firstDown)) firstDown = d.now;
            assertTrue(d.current >= 5, "never below the sized count");
        }
        assertEquals(5, d.current, "after the window it goes down to the sized count: " + d.last.reason());
        assertTrue(firstDown - lastTen >= 60, "held for the whole window: first down " + (firstDown - lastTen) + " s after the 10");
    }

    @Test
    void eachStepOfAScaleDownWaitsForLowLatencyNotForAnotherStabilisationWindow() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "DOWN_STABILIZATION_SEC", "30",
                "DOWN_COOLDOWN_SEC", "0", "LOW_NEED_N", "3", "MAX_REPLICAS", "40"), 20);
        for (int i = 0; i < 5; i++) d.step(30, 1400, 1400); // needs 20 at 70 rps per replica
        assertEquals(20, d.current);
        double lastTwenty = d.now;
        java.util.List<Double> downs = new java.util.ArrayList<>();
        for (int i = 0; i < 60 && d.current > 2; i++) {
            int before = d.current;
            d.step(30, 140, 140); // needs 2
            if (d.current < before) downs.add(d.now);
        }
        assertEquals(2, d.current, d.last.reason());
        assertEquals(3, downs.size(), "20 -> 10 -> 5 -> 2: half, or MAX_STEP_DOWN (4) when that is more");
        assertTrue(downs.get(0) - lastTwenty >= 30, "the first step waits out the recommendation of 20");
        for (int i = 1; i < downs.size(); i++) {
            // a step leaves LOW_NEED_N windows of 'not low long enough' behind it; what they record is the need (2),
            // not the count they kept, so the next step waits only for those windows
            assertEquals(3 * WIN, downs.get(i) - downs.get(i - 1), 1e-9, "step " + i);
        }
    }
    @Test
    void aScaleDownLeavesRoomSoTheDemandsNoiseDoesNotTakeItStraightBackUp() {
        String[] quick = {"SLO_P95_MS", "100", "CAPACITY_RPS", "100", "DOWN_STABILIZATION_SEC", "0", "DOWN_COOLDOWN_SEC", "0",
                "LOW_NEED_N", "1"};
        Driver d = new Driver(config(quick), 10); // 70 rps per replica planned, 700 for the fleet
        for (int i = 0; i < 10; i++) {
            d.step(30, 600, 600); // 86 % of the fleet's 700, under the tolerance; but 9 replicas would be at 95 %
            assertEquals(10, d.current, d.last.reason());
        }
        d.step(30, 580, 580); // 9 replicas at 92 %
        assertEquals(9, d.current, d.last.reason());
    }

    @Test
    void aSlowWindowWidensTheMarginUnlessItIsABacklogDrainingOrASpikeNoMarginMeets() {
        PolicyConfig cfg = config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MAX_REPLICAS", "40");
        Driver d = new Driver(cfg, 10);
        for (int i = 0; i < 5; i++) d.step(30, 600, 600); // 70 rps per replica planned
        double before = d.state.budget().log();
        d.step(300, 650, 650); // slow at 65 rps per replica: a wider margin would have had more replicas
        double widened = d.state.budget().log();
        assertEquals(cfg.budget().step() * (1 - 0.004), widened - before, 1e-12);
        assertTrue(d.state.budget().lastSlow());
        d.step(300, 400, 700); // slow, but completions above arrivals: the backlog of the window before draining
        assertEquals(widened, d.state.budget().log(), 1e-12, "a backlog draining is not a margin too thin");
        d.step(300, 10 * 70 * 3, 10 * 70 * 3); // three times what ten replicas plan for: twice the margin would not do
        assertEquals(widened, d.state.budget().log(), 1e-12, "a spike beyond the widest margin is not chased");
    }

    static PolicyState withBudget(PolicyState s, ErrorBudget b) {
        return new PolicyState(s.healthy(), s.lowWindows(), s.rates(), s.guard(), s.rises(), b, s.windows());
    }

    /** Ten replicas planned at 70 rps each, with no seasonal or trend forecast: the burst headroom alone sizes. */
    static Driver jumpyLoadDriver() {
        return new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MAX_REPLICAS", "100",
                "SEASONAL_PERIODS", "off", "FORECAST", "false"), 10);
    }

    /** Window i of a load that jumps by half now and then (the burst headroom learns a margin above 1). */
    static double jumpyRps(int i, Random rnd) {
        return (i / 7) % 3 == 0 ? 600 : 400 + rnd.nextGaussian() * 5;
    }

    @Test
    void theErrorBudgetScalesTheBurstMarginNotTheDemand() {
        Driver d = jumpyLoadDriver();
        Random rnd = new Random(5);
        for (int i = 0; i < 600; i++) d.step(40, jumpyRps(i, rnd), 500);
        Window w = new Window(d.now + WIN, 40, 400, 400, 1.0, 100, d.current, d.current);
        double[] margin = new double[3];
        double[] multipliers = {1, 2, 0.5};
        for (int i = 0; i < 3; i++) {
            PolicyState s = withBudget(d.state, new ErrorBudget(Math.log(multipliers[i]), 0, false));
            var r = d.policy.decide(s, w, d.now + WIN);
            RiseHistory rises = r.state().rises();
            margin[i] = r.decision().numbers().loadRps() / (rises.base() * rises.forecastRise(d.policy.config())) - 1;
        }
        assertTrue(margin[0] > 0.1, "a margin was learned: " + margin[0]);
        assertEquals(2 * margin[0], margin[1], 1e-9, "m = 2 doubles the margin above the forecast base");
        assertEquals(margin[0] / 2, margin[2], 1e-9, "m = 0.5 halves it");

        Window busy = new Window(d.now + WIN, 40, 900, 900, 1.0, 100, d.current, d.current); // needs more replicas
        String wide = d.policy.decide(withBudget(d.state, new ErrorBudget(Math.log(2), 0.012, false)), busy, d.now + WIN)
                .decision().reason();
        assertTrue(wide.contains("burst margin x2.00 (1.20 % of recent windows slow)"), wide);
        String plain = d.policy.decide(withBudget(d.state, ErrorBudget.initial()), busy, d.now + WIN).decision().reason();
        assertTrue(plain.contains("needs") && !plain.contains("burst margin"), plain);
    }

    @Test
    void aReasonSaysHowFarTheLoadSizedForIsAboveTheRateNow() {
        // "1266 rps needs 11 replicas" under a steady 325 rps read as a bug in the demo: the headroom is named
        Driver d = jumpyLoadDriver();
        Random rnd = new Random(5);
        int explained = 0;
        for (int i = 0; i < 600; i++) {
            double rps = jumpyRps(i, rnd);
            PolicyDecision dec = d.step(40, rps, rps);
            double load = dec.numbers().loadRps();
            if (!dec.reason().contains("needs")) continue;
            boolean above = load > 1.1 * rps;
            assertEquals(above, dec.reason().contains(" now x"), dec.reason());
            if (above) {
                explained++;
                // ... and names the estimate that set it
                assertTrue(dec.reason().contains(String.format(Locale.ROOT, "%.1f rps (%.1f now x%.2f, %s: ", load, rps,
                        load / rps, dec.numbers().loadSource())), dec.reason());
            }
        }
        assertTrue(explained > 0, "the jumps taught a burst headroom that sized some windows");

        Driver steady = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "SEASONAL_PERIODS", "off"), 2);
        PolicyDecision up = steady.step(150, 490, 490);
        assertEquals(7, up.targetReplicas(), up.reason());
        assertTrue(up.reason().endsWith("490.0 rps needs 7 replicas at 70 rps each"), up.reason());
    }

    @Test
    void replicasStillStartingAreCancelledOnceTheBurstHasPassedReadyOnesWaitForTheWindow() {
        for (boolean started : new boolean[] {false, true}) {
            Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "DOWN_COOLDOWN_SEC", "0",
                    "DOWN_STABILIZATION_SEC", "30", "MAX_REPLICAS", "40"), 10);
            for (int i = 0; i < 5; i++) d.step(30, 600, 600);
            d.step(30, 1400, 1400, 10); // a burst: more replicas asked for, all of them starting
            int asked = d.current;
            assertTrue(asked > 12, d.last.reason());
            double burst = d.now;
            while (d.current == asked && d.now - burst < 60) d.step(30, 600, 600, started ? asked : 10); // the burst is over
            double after = d.now - burst;
            if (started) {
                assertTrue(after >= 30, "ready replicas wait out the stabilisation window: " + after + " s");
            } else {
                assertTrue(d.current < asked && d.current >= 10, "the starting ones the load no longer needs are cancelled, the ready"
                        + " ten kept: " + d.current + ", " + d.last.reason());
                assertTrue(after <= 3 * WIN, "within LOW_NEED_N windows, not after the 30 s window: " + after + " s");
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void lowLatencyWithoutACapacityNeverScalesUp(long seed) {
        // no capacity learned (never overloaded, and neither the proven rate nor a probe: p95 here does not depend on
        // the load); the highest healthy per-replica rate falls as replicas are added, which once made the low-latency
        // branch ratchet the count upwards
        Driver d = new Driver(config("SLO_P95_MS", "100", "LOW_NEED_N", "1", "DOWN_COOLDOWN_SEC", "0",
                "DOWN_STABILIZATION_SEC", "0", "MAX_REPLICAS", "40", "PROVEN_RATE", "false", "PROBE_SEC", "0"), 4);
        Random rnd = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            PolicyDecision dec = d.step(60, 500 * (1 + 0.1 * rnd.nextGaussian()), 500);
            assertNotEquals(Action.scale_up, dec.action(), dec.reason());
        }
        assertTrue(d.current <= 4, "replicas: " + d.current);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void aFleetStartedLargerThanItsLoadNeedsTriesFewerReplicasUntilItLearnsARate(long seed) {
        // ten replicas for a steady 250 rps, and an app whose p95 sits at its idle 20 ms until a replica nears 160 rps
        // (past it the SLO breaks). Nothing raises a replica's rate on its own, so without trying fewer the fleet
        // stayed at ten, "keeping at most 25 rps per replica", for good
        // the exploration with no rate at all: neither a capacity probe (it steps down one at a time from the start; see
        // the test below) nor the proven rate
        Driver d = new Driver(config("SLO_P95_MS", "100", "PROBE_SEC", "0", "PROVEN_RATE", "false"), 10);
        Random rnd = new Random(seed);
        List<Integer> tried = new ArrayList<>();
        double breachedSec = 0;
        for (int i = 0; i < (int) (4 * 3600 / WIN); i++) {
            double rps = 250 * (1 + 0.03 * rnd.nextGaussian());
            double p95 = 20 + 80 * Math.pow(rps / d.current / 160, 8);
            if (p95 > 100) breachedSec += WIN;
            int before = d.current;
            PolicyDecision dec = d.step(p95, rps, rps);
            if (dec.action() == Action.scale_down && dec.reason().contains("trying")) {
                tried.add(before);
                assertEquals((int) Math.ceil(before / d.policy.config().sizing().maxExploreRise()), dec.targetReplicas(), dec.reason());
                assertTrue(before > 2, "never from two to one: " + dec.reason());
            }
        }
        assertEquals(List.of(10, 7, 5, 4, 3), tried, "ceil(n / 1.5) every EXPLORE_SEC with the count unchanged, never from two");
        assertEquals(2, d.current, "250 rps at 160 a replica needs two: " + d.last.reason());
        assertEquals(0, breachedSec, "the steps of at most 1.5x never crossed the knee");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void aFleetStartedLargerThanItsLoadNeedsProbesDownToWhatTheLoadNeedsWithinMinutes(long seed) {
        // the same app and load with the defaults: the capacity probe steps down one replica at a time while p95 stays
        // low, and stops where one fewer would raise each replica's rate by more than PROBE_MAX_RISE
        Driver d = new Driver(config("SLO_P95_MS", "100"), 10);
        Random rnd = new Random(seed);
        double settledAt = Double.NaN;
        double start = d.now;
        List<String> ups = new ArrayList<>();
        for (int i = 0; i < (int) (1800 / WIN); i++) {
            double rps = 250 * (1 + 0.03 * rnd.nextGaussian());
            double p95 = 20 + 80 * Math.pow(rps / d.current / 160, 8);
            assertTrue(p95 <= 100, "never past the knee: " + d.last);
            int before = d.current;
            PolicyDecision dec = d.step(p95, rps, rps);
            if (dec.action() == Action.scale_up) ups.add(dec.reason());
            if (d.current != before) settledAt = d.now - start;
        }
        // the burst margin this noise (3 % on top of Poisson's) earns on a fleet of eight can add one back, once
        assertTrue(ups.size() <= 1, "a scale-up on a steady load with p95 low: " + ups);
        assertEquals(2, d.current, "250 rps at 160 a replica needs two: " + d.last.reason());
        assertTrue(settledAt < 600, "settled within ten minutes: " + settledAt);
        assertEquals("proven", d.last.numbers().rateBasis(), d.last.reason());
    }

    @Test
    void anIdleFleetLeftByALoadThatStoppedComesDownToMinWithinTwoMinutes() {
        // the demo after its load: eight replicas, the monitor's probes at 5 rps, p95 25 ms; the rate learned under load
        // (100 rps per replica) says the load needs one, but each step down of one would wait PROBE_SEC
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "140", "SAMPLE_INTERVAL", "2", "COOLDOWN_SEC", "10"), 8);
        double start = d.now;
        while (d.current > 1 && d.now - start < 600) d.step(25, 5, 5);
        assertEquals(1, d.current, d.last.reason());
        assertTrue(d.now - start <= 120, "MIN_REPLICAS after " + (d.now - start) + " s: " + d.last.reason());
    }

    @Test
    void anIdleFleetWithoutARateHalvesByProbes() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "SAMPLE_INTERVAL", "2", "COOLDOWN_SEC", "10"), 8);
        List<Integer> counts = new ArrayList<>();
        double start = d.now;
        while (d.now - start < 300) {
            int before = d.current;
            PolicyDecision dec = d.step(25, 5, 5);
            if (d.current != before) {
                counts.add(d.current);
                assertTrue(dec.reason().contains("idle"), dec.reason());
            }
        }
        assertEquals(List.of(4, 2, 1), counts);
    }

    @Test
    void aFailedProbeIsUndoneAtOnceAndNotTriedAgainForAnHour() {
        // p95 is low at 100 rps per replica and over LOW_P95_FRACTION of the SLO at 133: the probe from 4 to 3 fails
        Driver d = new Driver(config("SLO_P95_MS", "100"), 4);
        List<String> probes = new ArrayList<>();
        for (int i = 0; i < (int) (7200 / WIN); i++) {
            double perReplica = 400.0 / d.current;
            PolicyDecision dec = d.step(perReplica > 110 ? 85 : 40, 400, 400);
            if (dec.reason().contains("probe")) probes.add(Math.round(d.now) + ": " + dec.reason());
            if (dec.action() == Action.scale_down) assertEquals(3, dec.targetReplicas(), dec.reason());
        }
        assertEquals(4, d.current);
        assertEquals(4, probes.size(), "two probes in two hours, each undone at once: " + probes);
        assertTrue(probes.get(1).contains("failed (p95 85.0 ms): back to 4"), probes.get(1));
        double first = Double.parseDouble(probes.get(0).split(":")[0]);
        double second = Double.parseDouble(probes.get(2).split(":")[0]);
        assertTrue(second - first >= 3600, "PROBE_FORGET_SEC between them: " + probes);
    }

    @Test
    void aStepSeenOnceIsNoBurstMarginARecurringOneIs() {
        // 80 rps, then 320 held: the step lies in every horizon that holds it, yet it is one rise
        // one histogram for every level (the level classes would file the steps under two classes as the mean moves)
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "SAMPLE_INTERVAL", "2", "MAX_REPLICAS", "20",
                "LEVEL_CLASSES", "false"), 1);
        for (int i = 0; i < 30; i++) d.step(30, 80, 80);
        for (int i = 0; i < 120; i++) d.step(30, 320, 320);
        assertEquals(1.0, d.state.rises().quantile(d.policy.config()), 0.05, "one step: " + d.last.reason());
        assertTrue(d.current <= 3, "320 rps at 140 a replica: " + d.last.reason());
        // the same step three more times: now it is a pattern, and the margin says how often it came
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 30; i++) d.step(30, 80, 80);
            for (int i = 0; i < 30; i++) d.step(30, 320, 320);
        }
        for (int i = 0; i < 10; i++) d.step(30, 80, 80);
        assertTrue(d.state.rises().quantile(d.policy.config()) > 2, "recurring: " + d.last.reason());
        assertTrue(d.last.reason().contains("rises remembered"), d.last.reason());
    }

    @Test
    void boundsAndMaxStepAreAlwaysApplied() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "10", "MIN_REPLICAS", "2", "MAX_REPLICAS", "6",
                "MAX_STEP_UP", "3"), 1);
        PolicyDecision first = d.step(30, 1, 1);
        assertEquals(2, first.targetReplicas());
        assertTrue(first.reason().contains("MIN_REPLICAS"), first.reason());
        d.now += 100;
        PolicyDecision up = d.step(500, 1000, 20);
        assertEquals(5, up.targetReplicas(), "max step of 3");
        d.now += 100;
        assertEquals(6, d.step(500, 1000, 30).targetReplicas(), "never above MAX_REPLICAS");
    }

    @Test
    void aScaleDownRemovesHalfTheFleetOrMaxStepDownWhicheverIsMore() {
        String[] quick = {"SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MAX_REPLICAS", "40", "DOWN_STABILIZATION_SEC", "0",
                "DOWN_COOLDOWN_SEC", "0", "LOW_NEED_N", "1"};
        Driver d = new Driver(config(quick), 30);
        java.util.List<Integer> path = new java.util.ArrayList<>();
        for (int i = 0; i < 6 && d.current > 1; i++) path.add(d.step(30, 50, 50).targetReplicas()); // 50 rps needs 1
        assertEquals(java.util.List.of(15, 7, 3, 1), path, "30 - 50 %, 15 - 50 % (floor), 7 - 4, then the sized count");

        String[] countOnly = java.util.Arrays.copyOf(quick, quick.length + 2);
        countOnly[quick.length] = "MAX_STEP_DOWN_PERCENT";
        countOnly[quick.length + 1] = "0";
        Driver c = new Driver(config(countOnly), 30);
        assertEquals(26, c.step(30, 50, 50).targetReplicas(), "MAX_STEP_DOWN_PERCENT=0: MAX_STEP_DOWN (4) alone");
    }

    @Test
    void lowSuccessRateCountsAsOverloadAndIsNotLearnedAsHealthy() {
        var policy = new ScalingPolicy(config("SLO_P95_MS", "100"));
        var r = policy.decide(PolicyState.initial(), new Window(10, 5, 50, 50, 0.5, 40, 1, 1), 10);
        assertEquals(Action.scale_up, r.decision().action());
        assertTrue(r.decision().reason().contains("success rate"));
        assertTrue(r.state().healthy().isEmpty());
    }

    @Test
    void everyDecisionIsExplainedWithTheNumbersItUsed() {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "50"), 2);
        for (double p95 : new double[] {20, 40, 150, 400, 30, 30, 30}) {
            int before = d.current;
            PolicyDecision dec = d.step(p95, 120, 100);
            assertNotNull(dec.reason());
            assertTrue(!dec.reason().isBlank());
            // the reason starts with what was decided
            String decided = switch (dec.action()) {
                case scale_up -> "scale up " + before + " -> " + dec.targetReplicas() + (dec.numbers().guardrail() == null ? ": " : " (");
                case scale_down -> "scale down " + before + " -> " + dec.targetReplicas() + (dec.numbers().guardrail() == null ? ": " : " (");
                default -> "keep " + before + (dec.numbers().guardrail() == null ? ": " : " (");
            };
            assertTrue(dec.reason().startsWith(decided), decided + " | " + dec.reason());
            assertTrue(dec.confidence() > 0 && dec.confidence() <= 1);
            assertEquals(p95, dec.numbers().p95Ms());
            assertEquals(120, dec.numbers().rps(), "the measured rate");
            assertTrue(dec.numbers().loadRps() >= 120, "the load sized for is at least the measured rate: " + dec.numbers().loadRps());
            assertNotNull(dec.numbers().loadSource());
            assertNotNull(dec.numbers().thresholdMs());
            assertNotNull(dec.numbers().capacityRps());
        }
    }

    @Test
    void stateSurvivesAJsonRoundTrip() throws Exception {
        // RATE_SETTLE_SEC 0: the breach below comes within seconds of a scale-up and must still teach a rate
        Driver d = new Driver(config("SLO_P95_MS", "100", "RATE_SETTLE_SEC", "0"), 2);
        d.step(400, 600, 400);
        for (int i = 0; i < 5; i++) d.step(40, 200, 200);
        int n = d.current;
        d.step(300, 50.0 * n, 50.0 * n); // a breach below saturation on a stable fleet: teaches the breach rate
        d.step(300, 48.0 * n, 48.0 * n); // and confirms it
        for (int i = 0; i < 5; i++) d.step(40, 200, 200);
        assertNotNull(d.state.breach());
        assertTrue(d.state.budget().log() != 0 && d.state.budget().slowRate() > 0, d.state.budget().toString());
        String json = dev.autoscaler.common.msg.Json.write(d.state);
        PolicyState back = dev.autoscaler.common.msg.Json.read(json, PolicyState.class);
        assertEquals(d.state, back);
        assertEquals(d.state.breach(), back.breach());
        assertEquals(d.state.budget(), back.budget());
    }

    /**
     * A job that triples the load at minute 7 of every hour for 90 s. Replicas here are ready at once, so this checks
     * the decision, not the start-up: where the replica count stands 3-18 s before the jump.
     */
    static int[] replicasJustBeforeTheJump(String periods, int hours) {
        // p95 is 50 ms at any rate up to the cliff at 100 rps a replica, so neither the proven rate nor a probe has a
        // knee to find here: both off, this is about the seasonal forecast alone
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "REPLICA_STARTUP_SEC", "30",
                "SEASONAL_PERIODS", periods, "MAX_REPLICAS", "20", "PROBE_SEC", "0", "PROVEN_RATE", "false"), 2);
        d.now = 0;
        int[] before = new int[hours];
        while (d.now < hours * 3600.0 - WIN) {
            double phase = (d.now + WIN) % 3600;
            double rps = phase > 420 && phase <= 510 ? 420 : 140;
            double served = Math.min(rps, 100.0 * d.current);
            d.step(rps / d.current <= 100 ? 50 : 300, rps, served);
            if (phase > 402 && phase <= 417) before[(int) (d.now / 3600)] = Math.max(before[(int) (d.now / 3600)], d.current);
        }
        return before;
    }

    @Test
    void anHourlyJumpIsMetByReplicasAskedForBeforeItOnceItHasRecurred() {
        int[] seasonal = replicasJustBeforeTheJump("3600", 6);
        int[] off = replicasJustBeforeTheJump("off", 6);
        // 420 rps at 70 rps per replica (TARGET_UTILIZATION of the capacity hint) is 6 replicas
        assertEquals(2, seasonal[0], "the first hour has nothing to go by");
        assertEquals(2, seasonal[1], "one jump is not a pattern");
        for (int h = 4; h < 6; h++) assertTrue(seasonal[h] >= 6, "hour " + h + ": " + java.util.Arrays.toString(seasonal));
        // without the seasonal profile the jump, 1 % of all horizons, is too rare for the burst headroom
        for (int h = 0; h < 6; h++) assertEquals(2, off[h], "hour " + h + ": " + java.util.Arrays.toString(off));
    }

    @Test
    void anHourlyJobIsSizedForThePeakItReachedWhenTheBaseHasFallen() {
        // a job adds 150 rps for a minute at minute 5 of every hour; for six hours on a base of 200 rps (1.75x), then on a
        // base of 60 rps, where the same job is a 3.5x rise: the rise seen before under-states it
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "MAX_REPLICAS", "40", "SEASONAL_PERIODS", "3600",
                "REPLICA_STARTUP_SEC", "30"), 3);
        d.now = -WIN;
        double loadBeforeJob = 0;
        double ratioBeforeJob = 0;
        for (int cycle = 0; cycle < 7; cycle++) {
            double base = cycle < 6 ? 200 : 60;
            for (int t = 0; t < 3600; t += (int) WIN) {
                double rps = base + (t >= 300 && t < 360 ? 150 : 0);
                d.step(60, rps, rps);
                if (cycle == 6 && t == 285) {
                    loadBeforeJob = d.last.numbers().loadRps();
                    ratioBeforeJob = d.state.rises().base() * d.state.rises().seasonal();
                }
            }
        }
        assertTrue(ratioBeforeJob > 60 && ratioBeforeJob < 150, "the ratio forecast from the base now: " + ratioBeforeJob);
        assertEquals(350, loadBeforeJob, 1, "15 s before the job, sized for the rate it reached in the previous hours");
    }

    @Test
    void aRampIntoAnHourlyJobThatAlwaysStopsAtTheSameRateIsNotExtrapolatedPastIt() {
        // the job climbs from 200 to 700 rps in 30 s at minute 5 of every hour and holds for a minute. Extrapolated, the
        // climb asks for a fleet far above the peak; where the previous hours agree on the peak, it is sized for the peak
        double firm = highestLoadDuringTheLastClimb(new double[] {700, 700, 700, 700, 700, 700, 700});
        // the same job peaking at 700 or 760 by turns: the previous hours disagree, and the climb is extrapolated
        double unsettled = highestLoadDuringTheLastClimb(new double[] {760, 700, 760, 700, 760, 700, 760});
        assertTrue(firm < 700 * 1.1, "sized for the peak the job stopped at before: " + firm);
        assertTrue(unsettled > 760 * 1.2, "extrapolated when the previous peaks disagree: " + unsettled);
    }

    /** The highest load sized for while the last hour's job climbs, the job at minute 5 peaking at {@code peaks[hour]}. */
    private static double highestLoadDuringTheLastClimb(double[] peaks) {
        Driver d = new Driver(config("SLO_P95_MS", "100", "CAPACITY_RPS", "200", "MAX_REPLICAS", "40", "SEASONAL_PERIODS", "3600",
                "REPLICA_STARTUP_SEC", "30"), 3);
        d.now = -WIN;
        double highest = 0;
        for (int cycle = 0; cycle < peaks.length; cycle++) {
            for (int t = 0; t < 3600; t += (int) WIN) {
                double rps = t < 300 || t >= 390 ? 200 : t < 330 ? 200 + (peaks[cycle] - 200) * (t - 300) / 30.0 : peaks[cycle];
                d.step(60, rps, rps);
                if (cycle == peaks.length - 1 && t >= 300 && t < 330) highest = Math.max(highest, d.last.numbers().loadRps());
            }
        }
        return highest;
    }
}
