package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.Plan.Action;
import dev.autoscaler.planner.policy.AdviceRules.Advice;
import dev.autoscaler.planner.policy.PolicyHarness.Driver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Advice judged beside the policy: what passes, what is rejected and why, and that a rejection leaves the policy's decision. */
class AdviceRulesTest {
    static final PolicyConfig CFG = PolicyHarness.config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MIN_REPLICAS", "1",
            "MAX_REPLICAS", "10", "MAX_STEP_UP", "4", "LLM_HEARTBEAT_SEC", "300",
            // the windows' p95 here does not depend on the count, so a capacity probe would rightly step down
            "PROBE_SEC", "0");
    Driver d;

    /** Four replicas serving 200 rps well within the SLO for a minute and a half. */
    @BeforeEach
    void steady() {
        d = new Driver(CFG, 4);
        for (int i = 0; i < 30; i++) d.step(40, 200, 200);
        assertEquals(4, d.current, d.last.reason());
    }

    Advice advice(int target, double confidence) {
        return new Advice(target, confidence, "the model's reasons", "llm", d.now);
    }

    /** The policy alone, from the same state, on the same window. */
    PolicyDecision policyAlone(double p95, double rps) {
        var r = d.policy.decide(d.state, new Window(d.now + PolicyHarness.WIN, p95, rps, rps, 1.0, 100, d.current, d.current),
                d.now + PolicyHarness.WIN);
        return r.decision();
    }

    @Test
    void adviceThatPassesDecidesInTheDecideRole() {
        unbounded();
        var r = d.advised(40, 200, 200, advice(6, 0.9), true);
        assertTrue(r.advice().accepted());
        assertTrue(r.advice().applied());
        assertNull(r.advice().rejection());
        assertEquals(6, r.decision().targetReplicas());
        assertEquals(Action.scale_up, r.decision().action());
        assertEquals("llm", r.decision().source());
        assertEquals(0.9, r.decision().confidence());
        assertTrue(r.decision().reason().startsWith("scale up 4 -> 6: llm advice, confidence 0.90: the model's reasons [policy: keep 4"),
                r.decision().reason());
        assertEquals(4, r.advice().policyReplicas());
    }

    @Test
    void inTheAdviseRoleThePolicyDecidesAndTheOutcomeSaysWhatAdviceWouldDo() {
        unbounded();
        PolicyDecision alone = policyAlone(40, 200);
        var r = d.advised(40, 200, 200, advice(6, 0.9), false);
        assertTrue(r.advice().accepted());
        assertFalse(r.advice().applied());
        assertEquals(6, r.advice().replicas());
        assertEquals(alone.targetReplicas(), r.decision().targetReplicas());
        assertEquals(alone.reason(), r.decision().reason());
        assertEquals("heuristic", r.decision().source());
    }

    /** A rejected advice leaves exactly the decision the policy makes alone. */
    void rejected(double p95, double rps, Advice a, String reason) {
        PolicyDecision alone = policyAlone(p95, rps);
        var r = d.advised(p95, rps, rps, a, true);
        assertFalse(r.advice().accepted(), String.valueOf(r.advice()));
        assertTrue(r.advice().rejection().startsWith(reason), r.advice().rejection());
        assertEquals(alone.targetReplicas(), r.decision().targetReplicas());
        assertEquals(alone.reason(), r.decision().reason());
        assertEquals("heuristic", r.decision().source());
    }

    @Test
    void lowConfidenceIsRejected() {
        rejected(40, 200, advice(6, 0.3), "confidence 0.30 below LLM_MIN_CONFIDENCE 0.50");
    }

    @Test
    void adviceOlderThanTwoHeartbeatsIsStale() {
        rejected(40, 200, new Advice(6, 0.9, "old", "llm", d.now - 700), "stale: asked 703 s ago (limit 600 s, two heartbeats)");
    }

    @Test
    void noScaleDownWhileSlow() {
        rejected(250, 200, advice(2, 0.9), "no scale-down while slow");
    }

    @Test
    void neverBelowWhatTheLoadNeeds() {
        // 200 rps at 70 rps each (TARGET_UTILIZATION 0.7 of the CAPACITY_RPS hint) needs 3
        PolicyDecision alone = policyAlone(40, 200);
        assertEquals(70, alone.numbers().perReplicaRps(), 1e-9);
        rejected(40, 200, advice(2, 0.9), "below the 3 replicas the load needs now");
    }

    @Test
    void aScaleDownBroughtForwardKeepsTheRoomThePolicysOwnWouldKeep() {
        // 200 rps needs 3 at 70 each, but 3 would run at 95 % of that rate: the policy's own scale-down stops at 4,
        // which keeps DOWN_ROOM (5 %) free, and advice may go no lower
        rejected(40, 200, advice(3, 0.9), "below the 4 replicas a scale-down keeps (the need with DOWN_ROOM free)");
        // with room at 3 (180 rps: 86 % of 3 × 70) advice may go there
        var r = d.advised(40, 180, 180, advice(3, 0.9), true);
        assertTrue(r.advice().accepted(), String.valueOf(r.advice()));
        assertEquals(3, r.decision().targetReplicas(), r.decision().reason());
    }

    @Test
    void neverDelaysAScaleUpThePolicyAsksFor() {
        int up = policyAlone(40, 560).targetReplicas();
        assertTrue(up == 6, "the policy scales up on its own: " + up);
        rejected(40, 560, advice(5, 0.9), "would delay the policy's scale-up to " + up);
        assertEquals(up, d.current, "the rejected window went the policy's way");
    }

    /** The same steady start with the advice extra switched off, for the rules that come after it. */
    void unbounded() {
        d = new Driver(PolicyHarness.config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MIN_REPLICAS", "1", "MAX_REPLICAS", "10",
                "MAX_STEP_UP", "4", "LLM_HEARTBEAT_SEC", "300", "PROBE_SEC", "0", "ADVICE_MAX_EXTRA_REPLICAS", "10000"), 4);
        for (int i = 0; i < 30; i++) d.step(40, 200, 200);
    }

    @Test
    void adviceForMoreIsCutToOneAboveWhatTheLoadNeeds() {
        // 200 rps at 70 rps each needs 3; one replica is more than a quarter of 3
        var r = d.advised(40, 200, 200, advice(9, 0.9), true);
        assertTrue(r.advice().accepted());
        assertEquals(4, r.decision().targetReplicas(), r.decision().reason());
        assertEquals("advice cut to 4: at most 1 above the 3 the load needs", r.advice().rejection());
        assertTrue(r.decision().reason().startsWith("keep 4 (advice cut to 4: at most 1 above the 3 the load needs): llm advice"),
                r.decision().reason());
    }

    @Test
    void aLargerFleetMayTakeAQuarterMore() {
        // 1400 rps at 77 each (the rate this fleet proved) needs 19; a quarter of 19 is 4, more than one replica
        d = new Driver(PolicyHarness.config("SLO_P95_MS", "100", "CAPACITY_RPS", "100", "MIN_REPLICAS", "1", "MAX_REPLICAS", "100",
                "LLM_HEARTBEAT_SEC", "300", "PROBE_SEC", "0"), 20);
        for (int i = 0; i < 30; i++) d.step(40, 1400, 1400);
        assertEquals(20, d.current, d.last.reason());
        var r = d.advised(40, 1400, 1400, advice(60, 0.9), true);
        assertEquals(23, r.decision().targetReplicas(), r.decision().reason());
        assertEquals("advice cut to 23: at most 4 above the 19 the load needs", r.advice().rejection());
    }

    @Test
    void heldAdviceIsJudgedAgainWithEveryWindowAndFollowsTheLoadDown() {
        Advice high = advice(10, 0.9);
        d.advised(40, 200, 200, high, true);
        assertEquals(4, d.current, "cut to 3 needed + 1");
        // the same advice, held while the load halves: each window cuts it to what that window's load needs + 1
        for (int i = 0; i < 20; i++) d.advised(40, 100, 100, high, true);
        assertEquals(3, d.current, "100 rps needs 2, + 1: " + d.last.reason());
        // and a slow window in between rejects it while it lasts (no scale-down while slow), then it passes again
        var slow = d.advised(250, 100, 100, advice(1, 0.9), true);
        assertEquals("no scale-down while slow", slow.advice().rejection());
        var again = d.advised(40, 100, 100, high, true);
        assertTrue(again.advice().accepted(), String.valueOf(again.advice()));
    }

    @Test
    void inTheAdviseRoleTheOutcomeShowsTheCutToo() {
        var r = d.advised(40, 200, 200, advice(9, 0.9), false);
        assertEquals(4, r.advice().replicas());
        assertEquals("heuristic", r.decision().source());
    }

    @Test
    void adviceForMoreIsTakenWithinTheStep() {
        unbounded();
        var r = d.advised(40, 200, 200, advice(9, 0.9), true);
        assertEquals(8, r.decision().targetReplicas(), "MAX_STEP_UP 4 from 4: " + r.decision().reason());
        assertEquals("MAX_STEP_UP 4", r.advice().rejection());
    }

    @Test
    void outOfBoundsAdviceIsClampedToTheBounds() {
        unbounded();
        for (int i = 0; i < 3; i++) d.advised(40, 200, 200, advice(9, 0.9), true);
        assertEquals(9, d.current);
        var r = d.advised(40, 200, 200, advice(50, 0.9), true);
        assertTrue(r.advice().accepted());
        assertEquals(10, r.decision().targetReplicas());
        assertEquals("capped at MAX_REPLICAS 10", r.advice().rejection());
    }

    @Test
    void aScaleDownAdviceGoesNoLowerThanItAsksAndMeetsTheDownCooldown() {
        unbounded();
        d.advised(40, 200, 200, advice(8, 0.9), true);
        assertEquals(8, d.current);
        // right after a scale-up the down-cooldown (COOLDOWN_SEC 20) holds a scale-down, advice or not
        var held = d.advised(40, 200, 200, advice(6, 0.9), true);
        assertEquals(8, held.decision().targetReplicas());
        assertTrue(held.advice().rejection().startsWith("down-cooldown"), held.advice().rejection());
        // keep 8 until the policy alone would scale down: to 4, as 3 are needed and it halves at most
        for (int i = 0; i < 40 && policyAlone(40, 200).targetReplicas() == 8; i++) d.advised(40, 200, 200, advice(8, 0.9), true);
        assertEquals(8, d.current);
        assertEquals(4, policyAlone(40, 200).targetReplicas());
        var r = d.advised(40, 200, 200, advice(6, 0.9), true);
        assertEquals(6, r.decision().targetReplicas(), "a firm proposal: " + r.decision().reason());
    }

    Advice manual(int target) {
        return new Advice(target, 1.0, "manual scale to " + target, AdviceRules.MANUAL, d.now);
    }

    @Test
    void aManualScaleMeetsOnlyTheBounds() {
        // the operator's count is not cut to the need plus the advice extra (3 + 1 here)
        // more than the step, while nothing needs it: the operator chose
        var up = d.advised(40, 200, 200, manual(9), false);
        assertEquals(9, up.decision().targetReplicas(), up.decision().reason());
        assertEquals("manual", up.decision().source());
        assertEquals("manual", up.advice().rejection());
        assertTrue(up.decision().reason().startsWith("scale up 4 -> 9 (manual): manual scale to 9 [policy: "), up.decision().reason());
        // down while slow and below the need: still the operator's call
        var down = d.advised(250, 200, 200, manual(2), false);
        assertEquals(2, down.decision().targetReplicas(), down.decision().reason());
        // but never outside the bounds
        assertEquals(10, d.advised(40, 200, 200, manual(50), false).decision().targetReplicas());
        assertEquals("manual, capped at MAX_REPLICAS 10", d.last.numbers().guardrail());
        assertEquals(1, d.advised(40, 200, 200, manual(0), false).decision().targetReplicas());
        assertEquals("manual, raised to MIN_REPLICAS 1", d.last.numbers().guardrail());
    }
}
