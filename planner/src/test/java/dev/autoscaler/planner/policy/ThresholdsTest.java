package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 1 alone: the threshold, the verdict on a window, the healthy history, and what counts as low. */
class ThresholdsTest {
    static Thresholds thresholds(String... kv) {
        return new Thresholds(PolicyHarness.config(kv).thresholds());
    }

    static List<HealthySample> history(double... p95s) {
        List<HealthySample> h = new ArrayList<>();
        for (int i = 0; i < p95s.length; i++) h.add(new HealthySample(3.0 * i, p95s[i], 50));
        return h;
    }

    /** A window of 100 requests at 100 rps on two replicas, served as they came. */
    static Window window(double p95) {
        return new Window(100, p95, 100, 100, 1.0, 100, 2, 2);
    }

    @Test
    void sloModeJudgesAgainstTheSloFromTheFirstWindow() {
        Thresholds th = thresholds("SLO_P95_MS", "100");
        Threshold t = th.of(List.of());
        assertEquals(100, t.valueMs());
        assertEquals("slo", t.source());
        assertNull(t.baselineMs());
        Threshold later = th.of(history(20, 30, 40));
        assertEquals(100, later.valueMs(), "the SLO, whatever the history");
        assertEquals(30, later.baselineMs(), 1e-12, "the baseline is still reported");
        assertEquals(3, later.history());
    }

    @Test
    void baselineModeWaitsForWarmUpOrUsesTheIdleHint() {
        Thresholds th = thresholds("WARMUP_WINDOWS", "5");
        Threshold warming = th.of(history(20, 20, 20, 20));
        assertNull(warming.valueMs());
        assertEquals("warming", warming.source());
        assertFalse(th.judge(window(5000), warming).slow(), "nothing is slow without a threshold");
        assertFalse(th.judge(window(5000), warming).panic());

        Threshold warm = th.of(history(20, 20, 20, 20, 20));
        assertEquals("baseline", warm.source());
        assertEquals(60, warm.valueMs(), 1e-12, "ALPHA_UP (3) x the median, sigma being 0");

        Threshold hinted = thresholds("WARMUP_WINDOWS", "5", "IDLE_HINT_MS", "30").of(history(20));
        assertEquals("idle_hint", hinted.source());
        assertEquals(90, hinted.valueMs(), 1e-12, "ALPHA_UP x the hint");
    }

    @Test
    void aNoisyBaselineKeepsTheThresholdKSigmaAway() {
        // median 20, absolute deviations 15, 15, 0, 60, 60: MAD 15
        Threshold t = thresholds("WARMUP_WINDOWS", "5").of(history(5, 5, 20, 80, 80));
        assertEquals(20, t.baselineMs(), 1e-12);
        assertEquals(1.4826 * 15, t.sigmaMs(), 1e-9);
        assertEquals(20 + 2.5 * 1.4826 * 15, t.valueMs(), 1e-9, "above 3 x 20");
        Threshold k1 = thresholds("WARMUP_WINDOWS", "5", "K_SIGMA", "1").of(history(5, 5, 20, 80, 80));
        assertEquals(60, k1.valueMs(), 1e-9, "with K_SIGMA 1 the ALPHA_UP multiple is further");
    }

    @Test
    void aWindowIsSlowPanicErroneousOrWithoutData() {
        Thresholds th = thresholds("SLO_P95_MS", "100");
        Threshold t = th.of(List.of());
        Verdict atSlo = th.judge(window(100), t);
        assertTrue(atSlo.healthy() && !atSlo.slow(), "at the SLO is within it");
        Verdict slow = th.judge(window(150), t);
        assertTrue(slow.slow() && slow.overloaded() && !slow.panic() && !slow.healthy());
        assertFalse(th.judge(window(199.9), t).panic());
        assertTrue(th.judge(window(200), t).panic(), "PANIC_FACTOR (2) x the threshold");
        assertFalse(thresholds("SLO_P95_MS", "100", "PANIC_FACTOR", "3").judge(window(250), t).panic());

        Verdict errors = th.judge(new Window(100, 5, 100, 100, 0.9, 100, 2, 2), t);
        assertTrue(errors.errors() && errors.overloaded() && errors.panic() && !errors.slow(), "errors are an overload, whatever the latency");
        assertFalse(th.judge(new Window(100, 5, 100, 100, 0.95, 100, 2, 2), t).errors(), "MIN_SUCCESS_RATE itself is enough");

        Verdict none = th.judge(new Window(100, 5000, 0, 0, 0, 0, 2, 2), t);
        assertTrue(none.noData() && !none.slow() && !none.errors() && !none.overloaded());
        assertFalse(none.healthy(), "no data is not evidence of health either");
    }

    @Test
    void onlyHealthyWindowsJoinTheHistoryWithTheirPerReplicaRate() {
        Thresholds th = thresholds("SLO_P95_MS", "100", "HIST_WINDOWS", "3");
        Threshold t = th.of(List.of());
        List<HealthySample> h = List.of();
        h = th.remember(h, window(40), th.judge(window(40), t));
        assertEquals(List.of(new HealthySample(100, 40, 50)), h, "100 rps on 2 ready replicas");
        List<HealthySample> same = th.remember(h, window(150), th.judge(window(150), t));
        assertEquals(h, same, "a slow window is not remembered");
        Window noData = new Window(103, 5, 0, 0, 0, 0, 2, 2);
        assertEquals(h, th.remember(h, noData, th.judge(noData, t)));
        Window errors = new Window(103, 5, 100, 100, 0.5, 100, 2, 2);
        assertEquals(h, th.remember(h, errors, th.judge(errors, t)));
        Window none = new Window(106, 30, 10, 10, 1, 30, 0, 0);
        assertEquals(0, th.remember(h, none, th.judge(none, t)).get(1).perReplicaRps(), "no ready replicas: 0, not infinity");
        for (int i = 0; i < 5; i++) h = th.remember(h, new Window(200 + i, 30 + i, 100, 100, 1, 100, 2, 2), th.judge(window(30), t));
        assertEquals(List.of(32.0, 33.0, 34.0), h.stream().map(HealthySample::p95Ms).toList(), "HIST_WINDOWS, the latest");
    }

    @Test
    void sloModeIsLowWellUnderTheSloOrNearTheBaselineBelowIt() {
        Thresholds th = thresholds("SLO_P95_MS", "100");
        Threshold none = th.of(List.of());
        assertTrue(th.isLow(70, none), "LOW_P95_FRACTION (0.7) of the SLO");
        assertFalse(th.isLow(71, none), "no baseline yet");
        Threshold b80 = th.of(history(80, 80, 80));
        assertTrue(th.isLow(93, b80), "BETA_DOWN x 80 + 5 ms");
        assertFalse(th.isLow(93.5, b80));
        Threshold b95 = th.of(history(95, 95, 95));
        assertTrue(th.isLow(99, b95), "an idle p95 close to the SLO still lets the fleet scale down");
        assertFalse(th.isLow(100, b95), "but never at the SLO itself");
    }

    @Test
    void baselineModeIsLowNearTheBaselineOnly() {
        Thresholds th = thresholds("WARMUP_WINDOWS", "3");
        assertFalse(th.isLow(1, th.of(history(20))), "warming: nothing is low");
        Threshold t = th.of(history(20, 20, 20));
        assertTrue(th.isLow(27, t), "1.1 x 20 + 5");
        assertFalse(th.isLow(27.5, t));
    }
}
