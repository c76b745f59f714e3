package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.planner.policy.LoadEstimation.Load;
import dev.autoscaler.planner.policy.LoadEstimator.Estimate;
import dev.autoscaler.planner.policy.LoadEstimator.Inputs;
import java.util.List;
import org.apache.commons.math3.distribution.PoissonDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/** Each load estimator on hand-made rate series, and how {@link LoadEstimation} combines them. */
class LoadEstimatorsTest {
    /** A 30 s start-up: the horizon is 33 s, eleven 3 s windows. No seasonal rings, so only what is fed is learned. */
    static final PolicyConfig LONG = PolicyHarness.config("REPLICA_STARTUP_SEC", "30", "SEASONAL_PERIODS", "off");
    /** The default 5 s start-up: the horizon is three windows. */
    static final PolicyConfig SHORT = PolicyHarness.config("SEASONAL_PERIODS", "off");

    /** The stage's memory fed one rate per window, as {@link ScalingPolicy#decide} feeds it. */
    static final class Series {
        final PolicyConfig cfg;
        final LoadEstimation estimation;
        RiseHistory rises = RiseHistory.empty();
        double now = 0;
        double rps;

        Series(PolicyConfig cfg) {
            this.cfg = cfg;
            this.estimation = new LoadEstimation(cfg);
        }

        Series feed(double... rates) {
            for (double r : rates) {
                now += cfg.windowSec();
                rises = estimation.observe(rises, r, now);
                rps = r;
            }
            return this;
        }

        Inputs inputs() {
            return new Inputs(rps, now, rises, 0, ErrorBudget.initial());
        }

        Load load() {
            return estimation.estimate(rps, now, rises, ErrorBudget.initial());
        }
    }

    static Series ramp(PolicyConfig cfg, double from, double step, int windows) {
        Series s = new Series(cfg);
        for (int i = 0; i < windows; i++) s.feed(from + step * i);
        return s;
    }

    // ---- TrendForecast

    @Test
    void aSteadyRampIsExtrapolatedOneHorizonAhead() {
        assertEquals(11, LONG.horizonWindows());
        // 100 .. 690 rps, +10 per window for three minutes: over twice the slope's standard error from counting noise
        Series s = ramp(LONG, 100, 10, 60);
        Estimate e = new TrendForecast(LONG).estimate(s.inputs());
        assertEquals("trend", e.source());
        assertEquals(690 + 10 * 11, e.rps(), 1e-6, "the fitted line eleven windows on: " + e);
        assertTrue(e.basis().startsWith("trend from 690.0 rps"), e.basis());
        // a slope within counting noise is not a trend
        Series slow = ramp(LONG, 100, 5, 60);
        assertEquals(395, new TrendForecast(LONG).estimate(slow.inputs()).rps(), 0, "+5 per window at 395 rps is 1.8 standard errors");
    }

    @Test
    void aStepThatWentFlatIsNotExtrapolated() {
        Series s = new Series(LONG);
        for (int i = 0; i < 20; i++) s.feed(100);
        s.feed(200, 200, 200, 200, 200, 200);
        assertTrue(LineFit.of(s.rises.recent(6)).slope() == 0, "the last six windows are flat");
        TrendForecast trend = new TrendForecast(LONG);
        Estimate e = trend.estimate(s.inputs());
        assertEquals(200, e.rps(), 0);
        assertEquals("measured", e.basis());
    }

    @Test
    void theTrendIsCappedAtRampCap() {
        // a five-minute start-up: 101 windows of any slope is a fleet
        PolicyConfig far = PolicyHarness.config("REPLICA_STARTUP_SEC", "300", "SEASONAL_PERIODS", "off");
        Series s = ramp(far, 100, 50, 40); // ... 2050 rps; the base is the mean of the last two windows
        assertEquals(2 * 2025, new TrendForecast(far).estimate(s.inputs()).rps(), 1e-9, "RAMP_CAP 2");
        PolicyConfig capped = PolicyHarness.config("REPLICA_STARTUP_SEC", "300", "SEASONAL_PERIODS", "off", "RAMP_CAP", "1.5");
        assertEquals(1.5 * 2025, new TrendForecast(capped).estimate(s.inputs()).rps(), 1e-9);
        // a recurring peak that every previous cycle stopped at caps it further
        Inputs firm = new Inputs(2050, s.now, s.rises, 2500, ErrorBudget.initial());
        assertEquals(2500, new TrendForecast(far).estimate(firm).rps(), 1e-9);
    }

    @Test
    void withForecastOffTheTrendIsTheMeasuredRate() {
        PolicyConfig off = PolicyHarness.config("REPLICA_STARTUP_SEC", "30", "SEASONAL_PERIODS", "off", "FORECAST", "false");
        Series s = ramp(off, 100, 10, 60);
        assertEquals(690, new TrendForecast(off).estimate(s.inputs()).rps(), 0);
    }

    // ---- BurstHeadroom

    /** 100 rps with a 2x burst every tenth window, ending on six windows at the base. */
    static Series recurringBursts(PolicyConfig cfg) {
        Series s = new Series(cfg);
        for (int i = 0; i < 400; i++) s.feed(i % 10 == 9 ? 200 : 100);
        return s.feed(100, 100, 100, 100, 100, 100);
    }

    @Test
    void recurringTwofoldBurstsTeachAMarginNearTwo() {
        Series s = recurringBursts(SHORT);
        Estimate e = new BurstHeadroom(SHORT).estimate(s.inputs());
        assertEquals("burst", e.source());
        double margin = e.rps() / s.rises.base();
        assertEquals(100, s.rises.base(), 0);
        assertTrue(margin >= 1.9 && margin <= 2.1, "margin " + margin + ", " + e.basis());
        assertTrue(e.basis().contains("100.0 rps x"), e.basis());
        // the error budget scales the margin above 1
        Inputs wide = new Inputs(s.rps, s.now, s.rises, 0, new ErrorBudget(Math.log(2), 0, false));
        assertEquals(1 + 2 * (margin - 1), new BurstHeadroom(SHORT).estimate(wide).rps() / 100, 1e-9);
    }

    @Test
    void aFlatLoadLearnsAMarginOfOne() {
        Series s = new Series(SHORT);
        for (int i = 0; i < 400; i++) s.feed(100);
        assertEquals(100, new BurstHeadroom(SHORT).estimate(s.inputs()).rps(), 1e-9);
    }

    @Test
    void countingNoiseAloneLearnsAMarginNearOne() {
        // Poisson counts of 3000 requests a window (1000 rps): a window's rate varies by about 1.8 %
        for (long seed = 1; seed <= 4; seed++) {
            var counts = new PoissonDistribution(new Well19937c(seed), 3000, PoissonDistribution.DEFAULT_EPSILON,
                    PoissonDistribution.DEFAULT_MAX_ITERATIONS);
            Series s = new Series(SHORT);
            for (int i = 0; i < 600; i++) s.feed(counts.sample() / 3.0);
            double margin = new BurstHeadroom(SHORT).estimate(s.inputs()).rps() / s.rises.base();
            assertTrue(margin >= 1 && margin < 1.1, "seed " + seed + ": margin " + margin);
        }
    }

    @Test
    void withoutRisesRememberedTheBurstEstimateIsTheBase() {
        Series s = new Series(SHORT).feed(120, 80);
        assertEquals(100, new BurstHeadroom(SHORT).estimate(s.inputs()).rps(), 1e-9, "the mean of the last two windows");
    }

    // ---- RecurringPeak

    @Test
    void noRecurringPeakWithoutSeasonalHistory() {
        Series off = recurringBursts(SHORT);
        assertNull(new RecurringPeak(SHORT).estimate(off.inputs()), "no seasonal periods");
        PolicyConfig seasonal = PolicyHarness.config();
        Series young = recurringBursts(seasonal);
        assertNull(new RecurringPeak(seasonal).estimate(young.inputs()), "20 minutes are not two cycles of an hour");
    }

    /** An hourly job that adds 150 rps to 100 at minute 7, seen for three hours; 100 rps now, 3 h 6 min 40 s in. */
    static Inputs beforeTheFourthJob(ErrorBudget budget) {
        SeasonalProfile p = SeasonalProfile.of(List.of(3600));
        for (int c = 0; c < 3; c++) p = SeasonalProfileTest.job(p, 3600, c, 100, 150);
        RiseHistory rises = new RiseHistory(null, List.of(100.0, 100.0), 100, null, p);
        return new Inputs(100, 3 * 3600 + 400, rises, 0, budget);
    }

    @Test
    void aRecurringPeakIsTheRateTheJobReachedInThePreviousCycles() {
        PolicyConfig cfg = PolicyHarness.config("SEASONAL_PERIODS", "3600");
        Estimate e = new RecurringPeak(cfg).estimate(beforeTheFourthJob(ErrorBudget.initial()));
        assertNotNull(e);
        assertEquals("recurring_peak", e.source());
        assertEquals(250, e.rps(), 1e-9);
        PolicyConfig off = PolicyHarness.config("SEASONAL_PERIODS", "3600", "RECURRING_PEAK", "false");
        assertNull(new RecurringPeak(off).estimate(beforeTheFourthJob(ErrorBudget.initial())));
    }

    // ---- LoadEstimation

    static void assertTheLoadIsTheHighestEstimate(Load l, String decisive) {
        double highest = l.estimates().stream().mapToDouble(Estimate::rps).max().orElseThrow();
        assertEquals(highest, l.rps(), 0, l.toString());
        assertEquals(l.rps(), l.decisive().rps(), 0);
        assertEquals(decisive, l.decisive().source(), l.toString());
        assertEquals(l.estimates().size(), l.estimates().stream().map(Estimate::source).distinct().count(), "one estimate per estimator");
        assertTrue(l.demand() <= l.rps(), "the demand is one of the estimates: " + l);
    }

    @Test
    void theLoadIsTheHighestEstimateAndNamesIt() {
        // bursty, now at its base: the burst margin decides; the demand is the rate now
        Load bursty = recurringBursts(SHORT).load();
        assertTheLoadIsTheHighestEstimate(bursty, "burst");
        assertEquals(100, bursty.demand(), 0);
        assertTrue(bursty.rps() > 190, bursty.toString());

        // a steep climb: the trend decides, and is the demand (the ramp's line one horizon on, at most 2x the base)
        Load ramp = new Series(LONG).feed(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 550, 700, 850).load();
        assertTheLoadIsTheHighestEstimate(ramp, "trend");
        assertTrue(ramp.rps() > 850 && ramp.rps() <= 1700, ramp.toString());
        assertEquals(ramp.rps(), ramp.demand(), 1e-9);

        // a recurring peak from a quiet base
        PolicyConfig hourly = PolicyHarness.config("SEASONAL_PERIODS", "3600");
        Inputs in = beforeTheFourthJob(ErrorBudget.initial());
        Load peak = new LoadEstimation(hourly).estimate(in.rps(), in.now(), in.rises(), in.budget());
        assertTheLoadIsTheHighestEstimate(peak, "recurring_peak");
        assertEquals(250, peak.rps(), 1e-9);
        assertEquals(3, peak.estimates().size());

        // a flat load: every estimate is the rate, and the first (the trend, measured) is named
        Series flat = new Series(SHORT);
        for (int i = 0; i < 100; i++) flat.feed(100);
        Load l = flat.load();
        assertEquals(100, l.rps(), 1e-9);
        assertEquals(List.of("trend", "burst"), l.estimates().stream().map(Estimate::source).toList(), "no seasonal history: no recurring peak");
        assertTheLoadIsTheHighestEstimate(l, "trend");
    }
}
