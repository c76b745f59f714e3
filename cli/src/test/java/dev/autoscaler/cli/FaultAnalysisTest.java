package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.FaultAnalysis.Exit;
import dev.autoscaler.cli.FaultAnalysis.Live;
import dev.autoscaler.cli.FaultAnalysis.Observed;
import dev.autoscaler.cli.FaultAnalysis.PlanSeen;
import dev.autoscaler.cli.FaultAnalysis.Result;
import dev.autoscaler.cli.FaultAnalysis.Second;
import dev.autoscaler.cli.FaultAnalysis.Spec;
import dev.autoscaler.cli.SettleAnalysis.Verdict;
import dev.autoscaler.cli.SettleAnalysis.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The faults table's numbers and verdicts from recorded samples (no stack). */
class FaultAnalysisTest {
    static final double W = 2;
    static final double SLO = 100;

    @Test
    void aFaultThatChangesNothingPassesEveryTarget() {
        // a Redis restart at t=100..103, observed to t=143: four replicas throughout, p95 20 ms, a plan every window
        Result r = FaultAnalysis.analyze(spec("redis-kill-3s", 100, 103, 143, 4, false),
                seen(live(80, 143, t -> 4), seconds(80, 143, t -> 20), plans(80, 143, W), 0, 0));
        assertEquals(4, r.lowest());
        assertEquals(0.0, r.countBackSec());
        assertEquals(0.0, r.p95BackSec());
        assertEquals(0, r.decisionsLost());
        assertTrue(r.passed(), r.verdicts().toString());
        assertEquals(List.of("ready", "planned", "failed", "back", "exits"), r.verdicts().stream().map(Verdict::target).toList());
    }

    @Test
    void theIssuesRedisRestartThatCutEightReplicasToOneFailsTheReadyAndBackTargets() {
        // 8 ready; after the restart at t=103 the count falls to 1 at t=106 and is back at 8 only at t=140
        Result r = FaultAnalysis.analyze(spec("redis-kill-3s", 100, 103, 150, 8, false),
                seen(live(80, 150, t -> t < 106 ? 8 : t < 140 ? 1 : 8), seconds(80, 150, t -> t >= 106 && t < 141 ? 900 : 20),
                        plans(80, 150, W), 0, 0));
        assertEquals(1, r.lowest());
        assertEquals(37.0, r.countBackSec());
        assertEquals(37.0, r.p95BackSec()); // the second t=141 covers 140..141: p95 under the SLO from t=140
        assertEquals(FaultAnalysis.FAIL, verdict(r, "ready").status());
        assertEquals("ready before 8, lowest 1", verdict(r, "ready").detail());
        assertEquals(FaultAnalysis.FAIL, verdict(r, "back").status());
        assertEquals(FaultAnalysis.PASS, verdict(r, "failed").status());
    }

    @Test
    void aPlanForFewerFailsEvenWhenTheNextWindowUndoesItBeforeAReplicaStops() {
        // after a Redis restart the planner read 0 and asked for MIN_REPLICAS (1) at t=104, then 6 again at t=106
        List<PlanSeen> plans = new ArrayList<>(plans(80, 150, W));
        plans.add(new PlanSeen(104.1, false, 1));
        plans.add(new PlanSeen(106.1, false, 6));
        Result r = FaultAnalysis.analyze(spec("redis-kill-3s", 100, 103, 150, 6, false),
                seen(live(80, 150, t -> 6), seconds(80, 150, t -> 20), plans, 0, 0));
        assertEquals(6, r.lowest());
        assertEquals(1, r.lowestPlanned());
        assertEquals(FaultAnalysis.PASS, verdict(r, "ready").status());
        assertEquals(FaultAnalysis.FAIL, verdict(r, "planned").status());
        assertEquals("the lowest count a plan asked for: 1 (before 6)", verdict(r, "planned").detail());
        assertTrue(FaultAnalysis.table(List.of(r)).get(2).startsWith("| redis-kill-3s | 0 / 0 | 6 → 6 (planned 1) |"), FaultAnalysis.table(List.of(r)).get(2));
    }

    @Test
    void inAnLlmFaultThePolicysOwnScaleDownIsNotTheFaultsButAdvicesIs() {
        // the LLM answers 429 from t=100 to 160; its held advice goes stale and the policy, deciding alone again, scales
        // 6 -> 5 at t=150: that is the fallback working, and the count to hold is then 5
        List<PlanSeen> plans = new ArrayList<>(plans(80, 200, W));
        plans.add(new PlanSeen(150.1, false, 5, "heuristic"));
        var live = live(80, 200, t -> t < 151 ? 6 : 5);
        Spec llm = new Spec("llm-429", 100, 160, 200, 6, 6, 100, W, false, true);
        Result r = FaultAnalysis.analyze(llm, seen(live, seconds(80, 200, t -> 20), plans, 0, 0));
        assertEquals(FaultAnalysis.PASS, verdict(r, "ready").status(), verdict(r, "ready").detail());
        assertEquals("ready before 6, lowest 5 (the policy's own scale-down to 5 meanwhile, not advice)", verdict(r, "ready").detail());
        assertEquals(FaultAnalysis.PASS, verdict(r, "planned").status(), verdict(r, "planned").detail());
        assertEquals(FaultAnalysis.PASS, verdict(r, "back").status(), verdict(r, "back").detail());

        // the same drop decided by advice is the fault's doing
        List<PlanSeen> advised = new ArrayList<>(plans(80, 200, W));
        advised.add(new PlanSeen(150.1, false, 5, "llm"));
        Result a = FaultAnalysis.analyze(llm, seen(live, seconds(80, 200, t -> 20), advised, 0, 0));
        assertEquals(FaultAnalysis.FAIL, verdict(a, "ready").status());
        assertEquals(FaultAnalysis.FAIL, verdict(a, "planned").status());

        // and outside the LLM faults a scale-down the policy decides is judged like any other
        Spec redis = new Spec("redis-kill-3s", 100, 103, 200, 6, 6, 100, W, false);
        Result b = FaultAnalysis.analyze(redis, seen(live, seconds(80, 200, t -> 20), plans, 0, 0));
        assertEquals(FaultAnalysis.FAIL, verdict(b, "ready").status());
    }

    @Test
    void aKilledReplicaMayLowerTheCountByOneAndFailOnlyItsOwnRequestsInFlight() {
        Spec s = spec("replica-kill", 100, 100, 140, 4, true);
        var live = live(80, 140, t -> t >= 100 && t < 103 ? 3 : 4);
        Result within = FaultAnalysis.analyze(s, seen(live, seconds(80, 140, t -> 20), plans(80, 140, W), 3, 5));
        assertEquals(3, within.lowest());
        assertEquals(FaultAnalysis.PASS, verdict(within, "ready").status());
        assertEquals(FaultAnalysis.PASS, verdict(within, "failed").status());
        assertEquals(3.0, within.countBackSec());

        Result tooMany = FaultAnalysis.analyze(s, seen(live, seconds(80, 140, t -> 20), plans(80, 140, W), 6, 5));
        assertEquals(FaultAnalysis.FAIL, verdict(tooMany, "failed").status());
        assertEquals("6 failed of 1000, 5 allowed {status 502=6}", verdict(tooMany, "failed").detail());

        Result twoGone = FaultAnalysis.analyze(s, seen(live(80, 140, t -> t >= 100 && t < 103 ? 2 : 4), seconds(80, 140, t -> 20),
                plans(80, 140, W), 0, 5));
        assertEquals(FaultAnalysis.FAIL, verdict(twoGone, "ready").status());
    }

    @Test
    void theCountIsBackOnlyFromTheLastRecoveryThatHolds() {
        var live = live(100, 140, t -> t < 105 ? 2 : t < 110 ? 4 : t < 112 ? 3 : 4);
        assertEquals(12.0, FaultAnalysis.countBack(live, 100, 140, 4));
        assertNull(FaultAnalysis.countBack(live(100, 140, t -> t < 139 ? 4 : 3), 100, 140, 4));
    }

    @Test
    void aSecondInWhichNothingCompletedIsNotUnderTheSlo() {
        List<Second> s = new ArrayList<>();
        for (int t = 101; t <= 120; t++) s.add(new Second(t, t < 110 ? 0 : 30, t < 110 ? 0 : 300));
        // p95 reads 0 while nothing completes (an outage): back from t=109, the second that ends at 110
        assertEquals(9.0, FaultAnalysis.p95Back(s, 100, 120, SLO));
        assertNull(FaultAnalysis.p95Back(s.subList(0, 12), 100, 120, SLO));
    }

    @Test
    void decisionsLostAreWindowsWithoutAPlanAndALateWindowIsNotOne() {
        List<PlanSeen> steady = new ArrayList<>();
        for (int k = 0; k < 30; k++) steady.add(new PlanSeen(2 * k + 0.2 + 0.3 * (k % 3), false, 4)); // one a window, some late
        assertEquals(0, FaultAnalysis.decisionsLost(steady, 0, 60, W));

        List<PlanSeen> gap = new ArrayList<>();
        for (double t = 1; t < 60; t += 2) if (t < 20 || t > 30) gap.add(new PlanSeen(t, false, 4)); // 19 -> 31: five windows missed
        assertEquals(5, FaultAnalysis.decisionsLost(gap, 0, 60, W));
        assertEquals(30, FaultAnalysis.decisionsLost(List.of(), 0, 60, W), "no plan at all: every window of the span lost");
    }

    @Test
    void twoPlannersThatBothActDoubleThePlansAndAHandoverIsJudgedAgainstTheLease() {
        // from t=100 a second planner; both publish a plan per window until the first is killed at t=130; the next plan at t=142
        List<PlanSeen> plans = new ArrayList<>(plans(80, 130, W));
        plans.addAll(plans(100.3, 130, W));
        plans.addAll(plans(141, 170, W)); // the first at 142
        Observed o = new Observed(1000, 0, Map.of(), 0, live(80, 170, t -> 4), seconds(80, 170, t -> 20), List.<Window>of(), plans,
                List.<Exit>of(), null, null, new FaultAnalysis.TwoPlanners(100, 130, 10, "planner active, planner-2 active"), null, null);
        Result r = FaultAnalysis.analyze(spec("second-planner", 100, 130, 170, 4, false), o);
        assertEquals(2.0, r.plansPerWindow(), 0.1);
        assertEquals(FaultAnalysis.FAIL, verdict(r, "one-acts").status());
        assertEquals(12.0, r.handoverSec(), 1e-9);
        assertEquals(FaultAnalysis.PASS, verdict(r, "handover").status()); // lease 10 s + one 2 s window

        List<PlanSeen> slow = new ArrayList<>(plans(80, 130, W));
        slow.addAll(plans(145, 170, W)); // the first at 146: 16 s
        Observed late = new Observed(1000, 0, Map.of(), 0, o.live(), o.seconds(), List.of(), slow, List.of(), null, null, o.twoPlanners(), null, null);
        Result r2 = FaultAnalysis.analyze(spec("second-planner", 100, 130, 170, 4, false), late);
        assertEquals(1.0, r2.plansPerWindow(), 0.1);
        assertEquals(FaultAnalysis.PASS, verdict(r2, "one-acts").status());
        assertEquals(FaultAnalysis.FAIL, verdict(r2, "handover").status());
    }

    @Test
    void rssAfterTheFloodIsJudgedPerServiceAgainstOneAndAHalfTimesBefore() {
        Observed o = new Observed(1000, 0, Map.of(), 0, live(80, 150, t -> 4), seconds(80, 150, t -> 20), List.of(), plans(80, 150, W),
                List.of(), Map.of("planner", 100L, "monitor", 80L), Map.of("planner", 150L, "monitor", 121L), null, null, null);
        Result r = FaultAnalysis.analyze(spec("flood", 100, 130, 150, 4, false), o);
        assertEquals(FaultAnalysis.FAIL, verdict(r, "rss").status());
        assertTrue(verdict(r, "rss").detail().endsWith("over 1.5x: [monitor]"), verdict(r, "rss").detail());
    }

    @Test
    void anExitedServiceABrokenFileLeftAloneAndAStrayReplicaEachFail() {
        Observed o = new Observed(1000, 0, Map.of(), 0, live(80, 150, t -> 4), seconds(80, 150, t -> 20), List.of(), plans(80, 150, W),
                List.of(new Exit(120, "watcher", 1)), null, null, null, new FaultAnalysis.Restore(null), 1);
        Result r = FaultAnalysis.analyze(spec("nginx-conf-broken", 100, 100, 140, 4, false), o);
        assertEquals(FaultAnalysis.FAIL, verdict(r, "exits").status());
        assertEquals("watcher exited (code 1) at t=120 s", verdict(r, "exits").detail());
        assertEquals(FaultAnalysis.FAIL, verdict(r, "conf").status());
        assertEquals(FaultAnalysis.FAIL, verdict(r, "strays").status());
        assertFalse(r.passed());
    }

    @Test
    void theTableHasARowPerFaultNamingTheFailedTargetsAndADetailLineForEach() {
        Result ok = FaultAnalysis.analyze(spec("planner-kill", 100, 104, 144, 4, false),
                seen(live(80, 144, t -> 4), seconds(80, 144, t -> 20), plans(80, 144, W), 0, 0));
        Result bad = FaultAnalysis.analyze(spec("redis-kill-3s", 100, 103, 143, 8, false),
                seen(live(80, 143, t -> t < 106 ? 8 : 1), seconds(80, 143, t -> 20), plans(80, 143, W), 0, 0));
        List<String> lines = FaultAnalysis.table(List.of(ok, bad));
        assertEquals("| planner-kill | 0 / 0 | 4 → 4 | - | 20 | 0 | 0 | 0 | PASS |", lines.get(2));
        assertEquals("| redis-kill-3s | 0 / 0 | 8 → 1 | - | 20 | never | 0 | 0 | FAIL: ready, back |", lines.get(3));
        assertTrue(lines.contains("- redis-kill-3s, ready: ready before 8, lowest 1"), lines.toString());
        assertEquals(8, FaultAnalysis.toMap(bad).get("ready_before"));
        assertEquals(false, FaultAnalysis.toMap(bad).get("passed"));
    }

    private static Verdict verdict(Result r, String target) {
        return r.verdicts().stream().filter(v -> v.target().equals(target)).findFirst().orElseThrow();
    }

    private static Spec spec(String fault, double start, double back, double end, int before, boolean replicaKilled) {
        return new Spec(fault, start, back, end, before, before, SLO, W, replicaKilled);
    }

    private static Observed seen(List<Live> live, List<Second> seconds, List<PlanSeen> plans, long failed, long allowed) {
        return new Observed(1000, failed, failed == 0 ? Map.of() : Map.of("status 502", failed), allowed, live, seconds, List.of(), plans,
                List.of(), null, null, null, null, null);
    }

    private static List<Live> live(int from, int to, IntUnaryOperator count) {
        List<Live> out = new ArrayList<>();
        for (int t = from; t <= to; t++) out.add(new Live(t, count.applyAsInt(t)));
        return out;
    }

    private static List<Second> seconds(int from, int to, java.util.function.IntToDoubleFunction p95) {
        List<Second> out = new ArrayList<>();
        for (int t = from + 1; t <= to; t++) out.add(new Second(t, p95.applyAsDouble(t), 300));
        return out;
    }

    private static List<PlanSeen> plans(double from, double to, double every) {
        List<PlanSeen> out = new ArrayList<>();
        for (double t = from + every / 2; t < to; t += every) out.add(new PlanSeen(t, false, null));
        return out;
    }
}
