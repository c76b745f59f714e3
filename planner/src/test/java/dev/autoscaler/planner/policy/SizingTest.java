package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.planner.policy.LoadEstimation.Load;
import dev.autoscaler.planner.policy.LoadEstimator.Estimate;
import dev.autoscaler.planner.policy.RateLearning.PlanRate;
import dev.autoscaler.planner.policy.Sizing.Context;
import dev.autoscaler.planner.policy.Sizing.Proposal;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 4 alone: the count a window asks for, from a load, a rate and the verdict, before any guardrail. */
class SizingTest {
    static final Threshold SLO = new Threshold(100.0, "slo", 40.0, 5.0, 30, 12);
    static final Threshold WARMING = new Threshold(null, "warming", 40.0, 5.0, 5, 12);
    static final Verdict HEALTHY = new Verdict(false, false, false, false);
    static final Verdict SLOW = new Verdict(false, false, true, false);
    static final Verdict PANIC = new Verdict(false, false, true, true);
    static final Verdict NO_DATA = new Verdict(true, false, false, false);
    /** 70 rps per replica. */
    static final PlanRate RATE = new PlanRate(70.0, 100.0, 60, "hint");
    static final PlanRate NO_RATE = new PlanRate(null, null, 0, "none");

    static Sizing sizing(String... kv) {
        return new Sizing(PolicyHarness.config(kv).sizing());
    }

    static final Sizing SIZING = sizing();

    /** A load sized for {@code rps} whose demand (the trend estimate) is {@code demand}. */
    static Load load(double demand, double rps) {
        return new Load(rps, demand, List.of(new Estimate("trend", demand, "measured"), new Estimate("burst", rps, "margin")));
    }

    static Load load(double rps) {
        return load(rps, rps);
    }

    static Window window(double p95, double rps, int n) {
        return new Window(100, p95, rps, rps, 1.0, 100, n, n);
    }

    static Context context(int lowWindows) {
        return new Context(lowWindows, 3600, 3600, 1, ErrorBudget.initial());
    }

    @Test
    void theSizedCountIsTheCeilingOfLoadOverRateIgnoringFloatingPointDust() {
        assertEquals(2, Sizing.sized(load(280), new PlanRate(200 * 0.7, 200.0, 0, "hint")), "280 / 140.00000000000003 is 2");
        assertEquals(3, Sizing.sized(load(281), new PlanRate(140.0, 200.0, 0, "hint")));
        assertNull(Sizing.sized(load(280), NO_RATE));
        assertNull(Sizing.sized(load(0), RATE), "no load, nothing to size");
    }

    @Test
    void aHealthyWindowScalesUpAtOnceWhenTheDemandNeedsMore() {
        Proposal p = SIZING.propose(window(40, 490, 2), HEALTHY, SLO, RATE, load(490), context(0));
        assertEquals(7, p.replicas());
        assertEquals(7, p.need());
        assertFalse(p.urgent());
        assertTrue(p.reason().startsWith("490.0 rps needs 7 replicas at 70 rps each"), p.reason());
        assertTrue(p.reason().endsWith("(p95 40.0 ms still under 100.0 ms)"), p.reason());
    }

    @Test
    void theBurstMarginAloneScalesUpOnlyBeyondTheTolerance() {
        // four replicas serve 280 rps; the demand is 250
        Proposal within = SIZING.propose(window(40, 250, 4), HEALTHY, SLO, RATE, load(250, 300), context(0));
        assertEquals(4, within.replicas(), within.reason());
        assertEquals(5, within.need(), "the need is still what the load sized for");
        Proposal beyond = SIZING.propose(window(40, 250, 4), HEALTHY, SLO, RATE, load(250, 320), context(0));
        assertEquals(5, beyond.replicas(), "320 is over 280 x (1 + SCALE_TOLERANCE)");
        assertTrue(beyond.reason().contains("320.0 rps (250.0 now x1.28, burst: margin)"), "the reason names the decisive estimate: "
                + beyond.reason());
        Proposal demand = SIZING.propose(window(40, 290, 4), HEALTHY, SLO, RATE, load(290), context(0));
        assertEquals(5, demand.replicas(), "the demand itself needs no tolerance");
        assertEquals(4, sizing("SCALE_TOLERANCE", "0.2").propose(window(40, 250, 4), HEALTHY, SLO, RATE, load(250, 320), context(0)).replicas());
    }

    @Test
    void aScaleDownWaitsForLowNeedNLowWindowsAndKeepsDownRoom() {
        // ten replicas serve 700 rps; 350 needs 5, or 6 with DOWN_ROOM (5 %) to spare
        Proposal early = SIZING.propose(window(30, 350, 10), HEALTHY, SLO, RATE, load(350), context(2));
        assertEquals(10, early.replicas());
        assertEquals(5, early.need(), "what it needs is remembered even while it waits");
        Proposal down = SIZING.propose(window(30, 350, 10), HEALTHY, SLO, RATE, load(350), context(3));
        assertEquals(6, down.replicas(), down.reason());
        assertEquals(5, down.need());
        assertTrue(down.reason().startsWith("p95 low for 3 windows; 350.0 rps needs 5 replicas"), down.reason());
        assertEquals(10, SIZING.propose(window(30, 640, 10), HEALTHY, SLO, RATE, load(640), context(3)).replicas(),
                "640 of 700 is within SCALE_TOLERANCE");
        assertEquals(10, SIZING.propose(window(30, 600, 10), HEALTHY, SLO, RATE, load(600), context(3)).replicas(),
                "nine would be at 95 %: no room");
        assertEquals(9, SIZING.propose(window(30, 580, 10), HEALTHY, SLO, RATE, load(580), context(3)).replicas());
        assertEquals(5, sizing("DOWN_ROOM", "0").propose(window(30, 350, 10), HEALTHY, SLO, RATE, load(350), context(3)).replicas());
        assertEquals(10, sizing("LOW_NEED_N", "4").propose(window(30, 350, 10), HEALTHY, SLO, RATE, load(350), context(3)).replicas());
        Context atMin = new Context(3, 3600, 3600, 10, ErrorBudget.initial());
        assertEquals(10, SIZING.propose(window(30, 350, 10), HEALTHY, SLO, RATE, load(350), atMin).replicas(), "no scale-down at MIN_REPLICAS");
    }

    @Test
    void anOverloadWithARateAsksForTheSizedCountAndOneMoreWhenThatIsNoMore() {
        Proposal up = SIZING.propose(window(150, 490, 2), SLOW, SLO, RATE, load(490), context(0));
        assertEquals(7, up.replicas());
        assertFalse(up.urgent());
        assertTrue(up.reason().startsWith("p95 150.0 ms > 100.0 ms (1.5x); 490.0 rps needs 7"), up.reason());
        assertTrue(SIZING.propose(window(250, 490, 2), PANIC, SLO, RATE, load(490), context(0)).urgent(), "panic and more needed: urgent");

        Proposal more = SIZING.propose(window(250, 300, 5), PANIC, SLO, RATE, load(300), context(0));
        assertEquals(6, more.replicas(), "five serve 300 rps: a backlog, so one more");
        assertFalse(more.urgent(), "a backlog is no emergency");
        Window draining = new Window(100, 250, 300, 400, 1.0, 100, 5, 5);
        assertEquals(5, SIZING.propose(draining, PANIC, SLO, RATE, load(300), context(0)).replicas(), "completions above arrivals: it drains");
        Window starting = new Window(100, 250, 300, 300, 1.0, 100, 4, 5);
        assertEquals(5, SIZING.propose(starting, PANIC, SLO, RATE, load(300), context(0)).replicas(), "a replica still starting");
        Window errors = new Window(100, 20, 300, 300, 0.5, 100, 5, 5);
        assertTrue(SIZING.propose(errors, new Verdict(false, true, false, true), SLO, RATE, load(300), context(0)).reason()
                .startsWith("success rate 50.0%"));
    }

    @Test
    void anOverloadWithoutARateGrowsByTheLatencyRatioAtMostDoublingOrWaitsForStartingReplicas() {
        assertEquals(6, SIZING.propose(window(150, 0, 4), SLOW, SLO, NO_RATE, load(0), context(0)).replicas());
        Proposal panic = SIZING.propose(window(1000, 0, 4), PANIC, SLO, NO_RATE, load(0), context(0));
        assertEquals(8, panic.replicas());
        assertTrue(panic.urgent());
        assertEquals(2, SIZING.propose(window(101, 0, 1), SLOW, SLO, NO_RATE, load(0), context(0)).replicas(), "at least one more");
        Window starting = new Window(100, 500, 0, 0, 1.0, 100, 2, 4);
        Proposal wait = SIZING.propose(starting, PANIC, SLO, NO_RATE, load(0), context(0));
        assertEquals(4, wait.replicas());
        assertTrue(wait.reason().endsWith("waiting for 2 starting replica(s)"), wait.reason());
    }

    @Test
    void noDataOrNoThresholdKeepsTheCount() {
        Proposal none = SIZING.propose(window(0, 0, 4), NO_DATA, SLO, RATE, load(0), context(3));
        assertEquals(4, none.replicas());
        assertEquals(4, none.need());
        Proposal warming = SIZING.propose(window(300, 490, 4), HEALTHY, WARMING, RATE, load(490), context(3));
        assertEquals(4, warming.replicas());
        assertEquals(7, warming.need(), "what the load needs is remembered");
        assertTrue(warming.reason().startsWith("warming: 6/12"), warming.reason());
    }

    @Test
    void lowLatencyWithoutARateStepsDownByOneNoFurtherThanTheHighestHealthyRate() {
        PlanRate highest50 = new PlanRate(null, null, 50, "none");
        assertEquals(9, SIZING.propose(window(30, 300, 10), HEALTHY, SLO, highest50, load(300), context(3)).replicas());
        Context recent = new Context(3, 600, 600, 1, ErrorBudget.initial());
        assertEquals(10, SIZING.propose(window(30, 480, 10), HEALTHY, SLO, highest50, load(480), recent).replicas(),
                "480 at 50 a replica needs the ten");
        assertEquals(9, SIZING.propose(window(30, 300, 10), HEALTHY, SLO, NO_RATE, load(300), context(3)).replicas(),
                "nothing seen: one at a time");
        assertEquals(10, SIZING.propose(window(30, 300, 10), HEALTHY, SLO, highest50, load(300), context(2)).replicas(), "not low for long enough");
    }

    @Test
    void withNoRateLearnedInExploreSecFewerReplicasAreTried() {
        PlanRate highest30 = new PlanRate(null, null, 30, "none");
        Proposal tried = SIZING.propose(window(30, 300, 10), HEALTHY, SLO, highest30, load(300), new Context(3, 1200, 1200, 1, ErrorBudget.initial()));
        assertEquals(7, tried.replicas(), "ceil(10 / MAX_EXPLORE_RISE 1.5)");
        assertTrue(tried.reason().contains("trying 7 replicas"), tried.reason());
        assertEquals(10, SIZING.propose(window(30, 300, 10), HEALTHY, SLO, highest30, load(300), new Context(3, 1199, 5000, 1, ErrorBudget.initial()))
                .replicas(), "changed 1199 s ago");
        assertEquals(10, SIZING.propose(window(30, 300, 10), HEALTHY, SLO, highest30, load(300), new Context(3, 5000, 1199, 1, ErrorBudget.initial()))
                .replicas(), "watched for 1199 s only");
        assertEquals(5, sizing("MAX_EXPLORE_RISE", "2").propose(window(30, 300, 10), HEALTHY, SLO, highest30, load(300),
                new Context(3, 1200, 1200, 1, ErrorBudget.initial())).replicas());
        assertEquals(10, sizing("EXPLORE_SEC", "0").propose(window(30, 300, 10), HEALTHY, SLO, highest30, load(300),
                new Context(3, 1e9, 1e9, 1, ErrorBudget.initial())).replicas(), "EXPLORE_SEC 0 turns it off");
        assertEquals(2, SIZING.propose(window(30, 60, 2), HEALTHY, SLO, highest30, load(60), new Context(3, 1e9, 1e9, 1, ErrorBudget.initial()))
                .replicas(), "never from two to one");
    }

    @Test
    void aWindowIsLowWhenHealthyAndEitherSizedOrLowInLatency() {
        Thresholds th = new Thresholds(PolicyHarness.config("SLO_P95_MS", "100").thresholds());
        assertTrue(SIZING.low(window(90, 300, 4), HEALTHY, SLO, 5, th), "with a sized count, any healthy window");
        assertFalse(SIZING.low(window(90, 300, 4), HEALTHY, SLO, null, th), "without one, 90 ms is not low");
        assertTrue(SIZING.low(window(60, 300, 4), HEALTHY, SLO, null, th));
        assertFalse(SIZING.low(window(150, 300, 4), SLOW, SLO, 5, th));
        assertFalse(SIZING.low(window(0, 0, 4), NO_DATA, SLO, 5, th));
    }
}
