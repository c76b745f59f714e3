package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.SettleAnalysis.Change;
import dev.autoscaler.cli.SettleAnalysis.PlanEvent;
import dev.autoscaler.cli.SettleAnalysis.Result;
import dev.autoscaler.cli.SettleAnalysis.Sample;
import dev.autoscaler.cli.SettleAnalysis.Spec;
import dev.autoscaler.cli.SettleAnalysis.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The settle bench's judgement over recorded samples, windows and plans, without a pipeline. */
class SettleAnalysisTest {
    private static final double SLO = 100;

    /** The step case: 80 rps until 60 s, then 320 held to 660 s; r_slo 200, so the need is 2. */
    private static Spec step(double end) {
        return new Spec("step", 1, 60, end, 320, 200, SLO, 1);
    }

    @Test
    void theNeedIsCeilOfTheRateOverRsloAtLeastMinAndMinWhenIdle() {
        assertEquals(2, step(660).need());
        assertEquals(2, new Spec("flat", 1, 0, 600, 300, 200, SLO, 1).need());
        assertEquals(2, new Spec("flat", 1, 0, 600, 400, 200, SLO, 1).need(), "exactly r_slo x 2 needs 2");
        assertEquals(3, new Spec("flat", 1, 0, 600, 100, 200, SLO, 3).need());
        assertEquals(1, new Spec("idle", 1, 30, 180, 0, 200, SLO, 1).need());
        assertEquals(-1, new Spec("flat", 1, 0, 600, 300, Double.NaN, SLO, 1).need());
    }

    @Test
    void changesComeFromEnforcedPlansNoopsOnlySetACountNotYetSet() {
        List<Change> changes = SettleAnalysis.changes(List.of(
                plan(-2, "noop", 1, 1, "p95 within threshold", 20.0, 2.0),
                plan(3, "scale_up", 3, 1, "p95 above SLO", 300.0, 298.0),
                plan(5, "noop", 3, 3, "held", 90.0, 300.0),
                plan(4, "scale_up", 3, 3, "already there", 150.0, 300.0),
                plan(40, "scale_down", 2, 3, "low for 30 s", 30.0, 301.0)));
        assertEquals(2, changes.size());
        assertEquals(new Change(3, 1, 3, "scale_up", "p95 above SLO", 300.0, 298.0), changes.get(0));
        assertEquals(new Change(40, 3, 2, "scale_down", "low for 30 s", 30.0, 301.0), changes.get(1));
    }

    @Test
    void aChangeWithoutTheCountItPlannedFromIsFromTheLastCountSeen() {
        List<Change> changes = SettleAnalysis.changes(List.of(plan(1, "noop", 1, null, "", 20.0, 80.0),
                plan(2, "scale_up", 4, null, "up", 200.0, 320.0)));
        assertEquals(List.of(new Change(2, 1, 4, "scale_up", "up", 200.0, 320.0)), changes);
    }

    @Test
    void replicaSecondsHoldEachSampleUntilTheNextAndTheFirstBackToTheStart() {
        List<Sample> s = List.of(new Sample(10, 2, 1), new Sample(12, 3, 2), new Sample(20, 3, 3));
        assertEquals(1 * 4 + 2 * 8 + 3 * 10, SettleAnalysis.integral(s, 8, 30, Sample::ready), 1e-9);
        assertEquals(3 * 5 + 3 * 5, SettleAnalysis.integral(s, 15, 25, Sample::desired), 1e-9);
        assertEquals(0, SettleAnalysis.integral(List.of(), 0, 10, Sample::ready), 1e-9);
    }

    @Test
    void aStepThatSettlesAtNeedPlusOneWithinThreeMinutesPasses() {
        // up to 4 on the step (over the SLO), down to 3 at 150 s, then unchanged
        List<PlanEvent> plans = List.of(plan(62, "scale_up", 4, 1, "p95 250 ms above SLO", 250.0, 310.0),
                plan(150, "scale_down", 3, 4, "low need for 30 s", 30.0, 321.0), plan(400, "noop", 3, 3, "ok", 35.0, 320.0));
        List<Sample> samples = samples(0, 660, t -> t < 62 ? 1 : t < 150 ? 4 : 3, t -> t < 64 ? 1 : t < 155 ? 4 : 3);
        List<Window> windows = new ArrayList<>();
        for (int t = 2; t <= 660; t += 2) windows.add(new Window(t, 2, t <= 60 ? 80 : 320, t == 62 || t == 64 ? 250 : 40, 1, "access_log"));

        Result r = SettleAnalysis.analyze(step(660), samples, windows, plans);

        assertEquals(2, r.need());
        assertEquals(1, r.startCount());
        assertEquals(4, r.peakCount());
        assertEquals(90, r.settledAtSec(), 1e-9);
        assertEquals(3, r.settledCount());
        assertEquals(150, r.settledMoment(), 1e-9, "a scale-down has settled as it is decided: ready is not below desired");
        assertEquals(2, r.violating().size());
        assertEquals(2, r.violatingSteady());
        assertTrue(r.violatingAfterSettle().isEmpty());
        assertTrue(r.steadyUps().isEmpty(), "the scale-up on the step was over the SLO");
        assertEquals(2 * 600, r.needSec(), 1e-9);
        assertEquals(4 * 1 + 91 * 4 + 505 * 3, r.replicaSecReady(), 1e-9);
        assertEquals(2 * 1 + 88 * 4 + 510 * 3, r.replicaSecDesired(), 1e-9);
        assertEquals(List.of("PASS", "PASS", "PASS"), statuses(r));
        List<String> lines = SettleAnalysis.summaryLines(r);
        assertTrue(lines.contains("  at t=0: desired 1, ready 1; when the load became steady (t=60 s): desired 1"), String.join("\n", lines));
        assertTrue(lines.contains("  settled 90 s after the load became steady, at 3 (need 2, <= need + 1); peak 4"), String.join("\n", lines));
        assertTrue(lines.get(lines.size() - 3).startsWith("  PASS count <= need + 1 within 180 s of steady, unchanged after: settled 90 s"),
                String.join("\n", lines));
    }

    @Test
    void aCountAboveNeedPlusOneOrAChangeAfterThreeMinutesFails() {
        List<Sample> samples = samples(0, 660, t -> t < 62 ? 1 : 4, t -> t < 64 ? 1 : 4);
        Result high = SettleAnalysis.analyze(step(660), samples, List.of(), List.of(plan(62, "scale_up", 4, 1, "up", 300.0, 320.0)));
        assertEquals("FAIL", high.verdicts().get(0).status());
        assertEquals(4, high.settledCount());

        List<Sample> late = samples(0, 660, t -> t < 62 ? 1 : t < 300 ? 2 : 3, t -> t < 64 ? 1 : t < 302 ? 2 : 3);
        Result changed = SettleAnalysis.analyze(step(660), late, List.of(),
                List.of(plan(62, "scale_up", 2, 1, "up", 300.0, 320.0), plan(300, "scale_up", 3, 2, "up again", 120.0, 320.0)));
        assertEquals(240, changed.settledAtSec(), 1e-9);
        assertEquals(3, changed.settledCount(), "need + 1, but it changed after three minutes");
        assertEquals("FAIL", changed.verdicts().get(0).status());
    }

    @Test
    void scaleUpsWhileSteadyAndUnderTheSloCountFromThirtySecondsAfterTheStep() {
        List<PlanEvent> plans = List.of(
                plan(63, "scale_up", 2, 1, "over the SLO on the step", 180.0, 320.0),
                plan(75, "scale_up", 3, 2, "trend, 15 s after the step", 80.0, 320.0),
                plan(200, "scale_up", 4, 3, "trend", 60.0, 330.0),
                plan(260, "scale_up", 5, 4, "rate not steady", 60.0, 250.0),
                plan(300, "scale_up", 6, 5, "over the SLO", 150.0, 320.0),
                plan(350, "scale_up", 7, 6, "exactly at the SLO", 100.0, 290.0),
                plan(30, "scale_up", 8, 7, "before the step", 60.0, 80.0));
        Result r = SettleAnalysis.analyze(step(660), samples(0, 660, t -> 1, t -> 1), List.of(), plans);

        assertEquals(List.of(200.0, 350.0), r.steadyUps().stream().map(Change::t).toList());
        assertEquals(List.of(75.0), r.steadyUpsInGrace().stream().map(Change::t).toList());
        assertEquals("FAIL", r.verdicts().get(1).status());
        assertTrue(r.verdicts().get(1).detail().startsWith("2 such scale-up(s), 1 more in the first 30 s"), r.verdicts().get(1).detail());
    }

    @Test
    void theFlatCaseCountsFromTheFirstSecondAndJudgesWindowsThatBeganAfterSettling() {
        Spec flat = new Spec("flat", 2, 0, 600, 300, 200, SLO, 1);
        List<PlanEvent> plans = List.of(plan(4, "scale_up", 3, 1, "p95 over", 400.0, 300.0));
        List<Sample> samples = samples(-3, 600, t -> t < 4 ? 1 : 3, t -> t < 7 ? 1 : 3);
        List<Window> windows = List.of(new Window(4, 2, 300, 400, 1, "access_log"), new Window(6, 2, 300, 300, 1, "access_log"),
                new Window(8, 2, 300, 120, 3, "access_log"), new Window(10, 2, 300, 30, 3, "access_log"),
                new Window(400, 2, 300, 101, 3, "access_log"), new Window(-1, 2, 0, 500, 1, "probe"));

        Result r = SettleAnalysis.analyze(flat, samples, windows, plans);

        assertEquals(new Sample(0, 1, 1), r.atStart());
        assertEquals(4, r.settledAtSec(), 1e-9);
        assertEquals(7, r.settledMoment(), 1e-9);
        assertEquals(4, r.violating().size(), "the window before the load is not the case's");
        assertEquals(List.of(400.0), r.violatingAfterSettle().stream().map(Window::t).toList(),
                "the window from 6 to 8 s began before ready caught up");
        assertEquals(List.of("PASS", "PASS", "FAIL"), statuses(r));
    }

    @Test
    void aShortHoldDoesNotJudgeTheThreeMinutes() {
        Result r = SettleAnalysis.analyze(step(120), samples(0, 120, t -> t < 62 ? 1 : 2, t -> t < 63 ? 1 : 2), List.of(),
                List.of(plan(62, "scale_up", 2, 1, "up", 300.0, 320.0)));
        assertEquals("n/a", r.verdicts().get(0).status());
        assertTrue(r.verdicts().get(0).detail().contains("held 60 s < 180 s"), r.verdicts().get(0).detail());
        assertEquals("PASS", r.verdicts().get(1).status());

        Result noRslo = SettleAnalysis.analyze(new Spec("step", 1, 60, 660, 320, Double.NaN, SLO, 1), samples(0, 660, t -> 1, t -> 1),
                List.of(), List.of());
        assertEquals("n/a", noRslo.verdicts().get(0).status());
    }

    @Test
    void idleReachesMinReplicasWithinTwoMinutes() {
        Spec idle = new Spec("idle", 1, 30, 180, 0, 200, SLO, 1);
        List<PlanEvent> plans = List.of(plan(10, "scale_up", 3, 1, "over", 300.0, 300.0), plan(75, "scale_down", 2, 3, "low", 5.0, 1.0),
                plan(110, "scale_down", 1, 2, "low", 5.0, 1.0));
        Result r = SettleAnalysis.analyze(idle, samples(0, 180, t -> t < 10 ? 1 : t < 75 ? 3 : t < 110 ? 2 : 1,
                t -> t < 12 ? 1 : t < 81 ? 3 : t < 116 ? 2 : 1), List.of(), plans);

        assertEquals(1, r.need());
        assertEquals(3, r.startCount());
        assertEquals(80, r.secondsToMin(), 1e-9);
        assertEquals(86, r.readySecondsToMin(), 1e-9);
        assertEquals(80, r.settledAtSec(), 1e-9);
        assertEquals(1 * 150, r.needSec(), 1e-9);
        assertEquals(List.of("PASS", "PASS"), statuses(r));
        assertTrue(r.verdicts().get(0).detail().contains("from 3 to 1 in 80 s"), r.verdicts().get(0).detail());
    }

    @Test
    void idleThatStaysUpOrComesDownLateFailsAndOneThatStartsAtMinSaysSo() {
        Spec idle = new Spec("idle", 1, 30, 180, 0, 200, SLO, 1);
        Result stuck = SettleAnalysis.analyze(idle, samples(0, 180, t -> t < 10 ? 1 : 3, t -> 3), List.of(),
                List.of(plan(10, "scale_up", 3, 1, "over", 300.0, 300.0)));
        assertNull(stuck.secondsToMin());
        assertEquals("FAIL", stuck.verdicts().get(0).status());

        Result late = SettleAnalysis.analyze(idle, samples(0, 180, t -> t < 10 ? 1 : t < 160 ? 3 : 1, t -> 1), List.of(),
                List.of(plan(10, "scale_up", 3, 1, "over", 300.0, 300.0), plan(160, "scale_down", 1, 3, "low", 5.0, 1.0)));
        assertEquals(130, late.secondsToMin(), 1e-9);
        assertEquals("FAIL", late.verdicts().get(0).status());

        Result atMin = SettleAnalysis.analyze(idle, samples(0, 180, t -> 1, t -> 1), List.of(), List.of());
        assertEquals(0, atMin.secondsToMin(), 1e-9);
        assertEquals("PASS", atMin.verdicts().get(0).status());
        assertTrue(atMin.verdicts().get(0).detail().contains("nothing to show"), atMin.verdicts().get(0).detail());
    }

    @Test
    void theTimelineHasARowEveryPeriodAndEachChangeInTimeOrder() {
        Spec flat = new Spec("flat", 1, 0, 12, 300, 200, SLO, 1);
        List<Sample> samples = samples(-1, 12, t -> t < 4 ? 1 : 3, t -> t < 6 ? 1 : 3);
        List<Window> windows = List.of(new Window(2, 2, 290, 150, 1, "access_log"), new Window(8, 2, 301, 40, 3, "access_log"));
        Result r = SettleAnalysis.analyze(flat, samples, windows, List.of(plan(3.5, "scale_up", 3, 1, "p95 150 ms over", 150.0, 290.0)));

        List<String> lines = SettleAnalysis.timeline(r, samples, windows, 5);

        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("t=    0 s  desired  1  ready  1  window: -"), lines.get(0));
        assertTrue(lines.get(1).contains("desired 1 -> 3  scale_up: p95 150 ms over  (window 290.0 rps, p95 150.0 ms)"), lines.get(1));
        assertTrue(lines.get(2).contains("t=    5 s  desired  3  ready  1  window:  290.0 rps  p95   150.0 ms  > SLO"), lines.get(2));
        assertTrue(lines.get(3).contains("t=   10 s  desired  3  ready  3  window:  301.0 rps  p95    40.0 ms"), lines.get(3));
        assertFalse(lines.get(3).contains("> SLO"));
    }

    @Test
    void theJsonAndTheTableCarryTheVerdicts() {
        Result r = SettleAnalysis.analyze(step(660), samples(0, 660, t -> t < 62 ? 1 : 2, t -> t < 64 ? 1 : 2), List.of(),
                List.of(plan(62, "scale_up", 2, 1, "up", 300.0, 320.0, 140.0, 200.0)));
        var json = SettleAnalysis.toMap(r, samples(0, 660, t -> 1, t -> 1), 5);
        assertEquals(2, json.get("need"));
        assertEquals(true, json.get("settled_within_need_plus_one"));
        assertEquals(133, ((List<?>) json.get("samples")).size());
        assertEquals(140.0, json.get("learned_rps_per_replica"));
        assertEquals(-30.0, json.get("learned_vs_r_slo_pct"));
        List<String> table = SettleAnalysis.table(List.of(r));
        assertTrue(table.get(2).startsWith("step    1  200.0    2     1        2     2   "), table.get(2));
        assertTrue(table.get(2).endsWith("PASS PASS PASS"), table.get(2));
    }

    private static List<String> statuses(Result r) {
        return r.verdicts().stream().map(SettleAnalysis.Verdict::status).toList();
    }

    /** One sample a second over [from, to], desired and ready as functions of the second. */
    private static List<Sample> samples(int from, int to, IntUnaryOperator desired, IntUnaryOperator ready) {
        List<Sample> out = new ArrayList<>();
        for (int t = from; t <= to; t++) out.add(new Sample(t, desired.applyAsInt(t), ready.applyAsInt(t)));
        return out;
    }

    private static PlanEvent plan(double t, String action, int target, Integer current, String reason, Double p95, Double rps) {
        return plan(t, action, target, current, reason, p95, rps, null, null);
    }

    private static PlanEvent plan(double t, String action, int target, Integer current, String reason, Double p95, Double rps,
                                  Double perReplica, Double capacity) {
        return new PlanEvent(t, action, target, current, reason, p95, rps, perReplica, capacity);
    }
}
