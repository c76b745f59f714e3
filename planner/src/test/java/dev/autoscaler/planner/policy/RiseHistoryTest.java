package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.Json;
import org.apache.commons.math3.distribution.PoissonDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RiseHistoryTest {
    static final double MEMORY = 1000;
    /**
     * K = 3 windows: a 6 s start-up plus the 3 s window; memory 1000 windows; no seasonal periods; RAMP_Z 3, the bar the
     * ramp series below are worked out against.
     */
    static final PolicyConfig CFG = withQuantile(0.97);

    /** CFG with another RISE_QUANTILE. */
    static PolicyConfig withQuantile(double q) {
        return PolicyHarness.config("REPLICA_STARTUP_SEC", "6", "SAMPLE_INTERVAL", "3", "RISE_MEMORY_SEC", String.valueOf(3 * MEMORY),
                "SEASONAL_PERIODS", "off", "RISE_QUANTILE", String.valueOf(q), "RAMP_Z", "3");
    }

    static double quantile(RiseHistory h, double q) {
        return h.quantile(withQuantile(q));
    }

    double now;

    RiseHistory feed(RiseHistory h, double... rps) {
        for (double r : rps) h = h.observe(r, now += 3, CFG);
        return h;
    }

    @Test
    void theHorizonIsThreeWindows() {
        assertEquals(3, CFG.horizonWindows());
    }

    @Test
    void aSeasonalRiseThatHasComeIsNotForecastAgain() {
        java.util.List<Double> flat = java.util.List.of(100.0, 100.0, 100.0, 100.0, 100.0, 100.0);
        assertEquals(3.0, RiseHistory.unrealised(3, flat, 3, 3), 1e-12, "nothing has risen yet: the whole rise is to come");
        java.util.List<Double> half = java.util.List.of(100.0, 100.0, 100.0, 150.0, 150.0, 150.0);
        assertEquals(2.0, RiseHistory.unrealised(3, half, 3, 3), 1e-12, "risen 1.5x of the 3x: 2x to come");
        java.util.List<Double> risen = java.util.List.of(100.0, 100.0, 300.0, 320.0, 320.0, 320.0);
        assertEquals(1.0, RiseHistory.unrealised(3, risen, 3, 3), 1e-12, "risen beyond the forecast: nothing to come");
        java.util.List<Double> noisy = java.util.List.of(90.0, 110.0, 90.0, 110.0, 100.0, 100.0);
        assertEquals(3.03, RiseHistory.unrealised(3, noisy, 3, 3), 1e-12,
                "the rate before is the mean of the bases (two windows' means) within noise of the lowest (101), not one low window (90)");
        assertEquals(1.0, RiseHistory.unrealised(1, half, 3, 3), 1e-12, "no forecast stays no forecast");
    }

    @Test
    void theRateBeforeASeasonalRiseIsNotTheLowestOfSeveralNoisyBases() {
        // 8 rps in 3 s windows is 24 requests a window: bases (two windows) of 5 and 11 are both counting noise around 8.
        // The lowest alone would forecast the 300x rise from 5 rps (1500 rps); the bases within noise of it average 7.5
        java.util.List<Double> trickle = java.util.List.of(8.0, 8.0, 11.0, 11.0, 6.0, 4.0, 8.0, 8.0, 9.0, 7.0, 8.0, 8.0);
        double load = 8 * RiseHistory.unrealised(300, trickle, 3, 3);
        assertTrue(load > 2100 && load <= 2400, "forecast load " + load);
        // a real rise (to 150 from 100) is far beyond the noise of 100 rps: the bases after it are not "before"
        java.util.List<Double> half = java.util.List.of(100.0, 100.0, 100.0, 100.0, 150.0, 150.0, 150.0, 150.0);
        assertEquals(2.0, RiseHistory.unrealised(3, half, 3, 3), 1e-12);
    }

    @Test
    void aFlatLoadNeedsNoHeadroomAndTooFewSamplesSayNothing() {
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 10; i++) h = feed(h, 100);
        assertEquals(1.0, h.quantile(CFG), "10 windows: fewer samples than the minimum");
        for (int i = 0; i < 100; i++) h = feed(h, 100);
        assertEquals(1.0, h.quantile(CFG), 1e-12);
        assertEquals(100, h.base(), 1e-12);
    }

    @Test
    void theQuantileCoversTheRisesSeenWithinOneHorizon() {
        // every 10th window jumps to 150 for one window: the rise from the base to the peak of the next K windows is
        // 1.5 for the K bases before each jump, 1 otherwise (3 of 10 samples)
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 400; i++) h = feed(h, i % 10 == 9 ? 150 : 100);
        h = feed(h, 100, 100); // the base back at the usual rate, where the samples were taken
        double q97 = h.quantile(CFG);
        assertTrue(q97 >= 1.5 && q97 <= 1.5 * Math.exp(RiseHistory.BIN_LOG) + 1e-9, "q97 " + q97);
        // 60 % of the samples saw no rise at all
        assertEquals(1.0, quantile(h, 0.5), 1e-12);
    }

    @Test
    void oldRisesFadeWithTheMemory() {
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 400; i++) h = feed(h, i % 10 == 9 ? 200 : 100);
        h = feed(h, 100, 100);
        assertTrue(h.quantile(CFG) > 1.9, "q97 " + h.quantile(CFG));
        // ten memories of a flat load later, the old bursts weigh e^-10 of what they did
        for (int i = 0; i < 10 * MEMORY; i++) h = feed(h, 100);
        assertEquals(1.0, h.quantile(CFG), 1e-12);
    }

    @Test
    void theHeadroomDependsOnWhereTheRateStandsAgainstItsLongRunMean() {
        // a load that sits at 100 and bursts to 400: from the trough it often quadruples, from the top it never rises
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 3000; i++) h = feed(h, (i / 20) % 3 == 2 ? 400 : 100);
        // end in a trough: the trough's own samples apply
        h = feed(h, 100, 100, 100, 100, 100, 100);
        double trough = h.quantile(CFG);
        RiseHistory top = feed(h, 400, 400);
        double peak = top.quantile(CFG);
        assertTrue(trough > 3.5, "from the trough: " + trough);
        assertTrue(peak < 1.1, "from the top: " + peak);
    }

    @Test
    void aLevelRarelyReachedBorrowsTheRisesOfTheLevelsNextToItBeforeThoseOfTheTroughs() {
        // the trough class (base under half the mean) often quadruples; the class just below the top (1.25-2x the mean)
        // never rose; nothing was seen at the top class itself
        double[] w = new double[RiseHistory.GROUPS * RiseHistory.CLASSES * RiseHistory.BINS];
        w[RiseHistory.ONE_BIN] = 90;
        w[RiseHistory.BINS - 1] = 10;
        w[3 * RiseHistory.BINS + RiseHistory.ONE_BIN] = 100;
        RiseHistory atTop = new RiseHistory(w, java.util.List.of(300.0, 300.0), 100, null, null);
        assertEquals(1.0, atTop.quantile(CFG), 1e-12, "3x the mean: the neighbouring class, not the trough's bursts");
        RiseHistory inTrough = new RiseHistory(w, java.util.List.of(40.0, 40.0), 100, null, null);
        assertTrue(inTrough.quantile(CFG) > 3.9, "the trough has its own samples: " + inTrough.quantile(CFG));
        // with no neighbour either, every class of the group is pooled
        w[3 * RiseHistory.BINS + RiseHistory.ONE_BIN] = 0;
        RiseHistory alone = new RiseHistory(w, java.util.List.of(300.0, 300.0), 100, null, null);
        assertTrue(alone.quantile(CFG) > 3.9, "all classes: " + alone.quantile(CFG));
    }

    @Test
    void survivesAJsonRoundTripInsideTheState() throws Exception {
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 200; i++) h = feed(h, i % 7 == 0 ? 180 : 120);
        RiseHistory back = Json.read(Json.write(h), RiseHistory.class);
        assertEquals(h, back);
        assertEquals(quantile(h, 0.9), quantile(back, 0.9), 0);
    }

    @Test
    void aRampBeyondCountingNoiseIsExtrapolatedOverTheHorizon() {
        RiseHistory h = feed(RiseHistory.empty(), 100, 100, 100, 100, 100, 100);
        assertEquals(1.0, h.rampRise(CFG), 0);
        // counting noise at 100 rps is sqrt(100 / 3) = 5.8 rps per 3 s window: neither wiggles of that size nor a
        // slope of 1 rps per window (0.7 standard errors) is a ramp
        assertEquals(1.0, feed(h, 100, 103, 97, 104, 98, 102).rampRise(CFG), 0);
        assertEquals(1.0, feed(h, 101, 102, 103, 104, 105, 106).rampRise(CFG), 0);
        // 10 rps per window is 6 standard errors: from the fitted latest rate (160) on for K = 3 windows, 190 rps,
        // against a base of 155 (the mean of the last two windows)
        RiseHistory ramp = feed(h, 110, 120, 130, 140, 150, 160);
        assertEquals(190 / 155.0, ramp.rampRise(CFG), 1e-9);
        assertEquals(ramp.rampRise(CFG), ramp.forecastRise(CFG), 0, "no seasonal forecast here");
    }

    /** {@code cycles} times: ten windows at 100, then {@code up} windows rising by 4.7 rps each. */
    RiseHistory ramps(int cycles, int up) {
        RiseHistory h = RiseHistory.empty();
        for (int c = 0; c < cycles; c++) {
            for (int i = 0; i < 10; i++) h = feed(h, 100);
            for (int i = 1; i <= up; i++) h = feed(h, 100 + 4.7 * i);
        }
        return h;
    }

    @Test
    void rampsThatRunOnAreMetAndRampsThatStopAreNotPaidFor() {
        // 4.7 rps per window is a ramp (3.2 standard errors) once the last six windows all rise, not before (2.8):
        // so the forecast is made at the fifth window of every ramp, the same in both histories below
        RiseHistory runOn = feed(ramps(60, 30), 100, 100, 100, 100, 100, 104.7, 109.4, 114.1, 118.8, 123.5);
        RiseHistory stop = feed(ramps(60, 5), 100, 100, 100, 100, 100, 104.7, 109.4, 114.1, 118.8, 123.5);
        assertEquals(137.6 / 121.15, stop.rampRise(CFG), 1e-9, "fitted 123.5, + 3 windows of 4.7, over the base");
        assertEquals(stop.rampRise(CFG), runOn.rampRise(CFG), 1e-9);
        // where ramps ran on, the rate one horizon later was what the extrapolation said: a residual of 1
        assertEquals(1.0, runOn.quantile(CFG), 0.03);
        // where every ramp stopped at its fifth window, the rate fell back to the base: the residual learned cancels
        // the extrapolation, and the load sized for stays at the base
        assertEquals(1.0, stop.rampRise(CFG) * stop.quantile(CFG), 0.03);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void countingNoiseAtALowRateIsNotASeasonalRise(long seed) {
        // two hours of a flat 8 rps in 3 s windows (about 24 requests each, Poisson): the highest of a horizon's eleven
        // windows over a two-window base is itself a "rise" of up to 2x here, and at four standard deviations of one
        // window it was recorded about 30 times an hour; two cycles agreeing on such noise at a phase made forecasts
        // that diluted the precision of a real 30-minute job until its ring flickered off the minute before the job
        PolicyConfig cfg = PolicyHarness.config("REPLICA_STARTUP_SEC", "30", "SAMPLE_INTERVAL", "3", "SEASONAL_PERIODS", "1800");
        var counts = new PoissonDistribution(new Well19937c(seed), 24, PoissonDistribution.DEFAULT_EPSILON,
                PoissonDistribution.DEFAULT_MAX_ITERATIONS);
        RiseHistory h = RiseHistory.empty();
        for (int i = 0; i < 2400; i++) h = h.observe(counts.sample() / 3.0, i * 3.0, cfg);
        SeasonalProfile.Ring ring = h.seasons().periods().get(0);
        // decayed counts over the last hour's ~1000 samples: 20-32 at four standard deviations, 0-1 at six (seeds 1-8)
        assertTrue(ring.risen() < 3, "rises beyond noise recorded (decayed count): " + ring.risen());
    }

    @Test
    void risesMeasuredFromAnOverloadedBaseAreNotRecordedAndEachRiseIsOneEvent() {
        // an overload's arrival counts swing (backlog, retries): 300, 100, 500, 300 ... while slow
        RiseHistory h = RiseHistory.empty();
        double t = 0;
        double[] chaos = {300, 100, 500, 120, 480, 300, 90, 510};
        for (double r : chaos) h = h.observe(r, t += 3, true, CFG);
        for (int i = 0; i < 10; i++) h = h.observe(300, t += 3, false, CFG);
        assertEquals(0, h.rises().size(), "no rise from an overloaded base: " + h.rises());
        // the same swings while healthy are rises, and consecutive samples of one are one event
        for (int i = 0; i < 20; i++) h = h.observe(100, t += 3, false, CFG);
        for (int i = 0; i < 10; i++) h = h.observe(400, t += 3, false, CFG);
        assertEquals(1, h.rises().size(), "one step, one rise: " + h.rises());
        assertTrue(h.largest().cells().size() > 1, "the step lies in several horizons: " + h.largest());
    }
}
