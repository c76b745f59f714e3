package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.function.Executable;

class SeasonalProfileTest {
    static final int HOUR = 3600;
    static final double KEEP = 1 - 1.0 / 1200;
    /** The hourly ring's phase bin. */
    static final int BIN = SeasonalProfile.binSec(HOUR);
    /** The default seasonal settings. */
    static final SeasonalProfile.Settings SS = PolicyConfig.defaults().load().seasonal();

    /** One cycle of {@code period} seconds with a job at 420 s that adds {@code added} rps to a base of {@code base} rps. */
    static SeasonalProfile job(SeasonalProfile p, int period, int cycle, double base, double added) {
        for (int t = 0; t < period; t += 3) {
            boolean burst = t >= 420 - 33 && t < 420;
            p = p.record((long) cycle * period + t, burst ? (base + added) / base : 1, burst ? base + added : base, KEEP, SS);
        }
        return p;
    }

    /**
     * One hour of records every 3 s of a load that jumps at minute 7: every horizon (33 s) that begins in the 33 s
     * before the jump sees the rise {@code rise}, none other does (a job on a base of 100 rps).
     */
    static SeasonalProfile hour(SeasonalProfile p, int cycle, double rise) {
        return job(p, HOUR, cycle, 100, 100 * (rise - 1));
    }

    /** An hourly profile fed cycles 0, 1, ... with these rises at minute 7. */
    static SeasonalProfile hours(double... rises) {
        SeasonalProfile p = SeasonalProfile.of(List.of(HOUR));
        for (int c = 0; c < rises.length; c++) p = hour(p, c, rises[c]);
        return p;
    }

    @Test
    void aRiseAtTheSamePhaseOfTheLastTwoCyclesIsForecastOnceItHasEarnedTrust() {
        SeasonalProfile p = hours(2.0, 1.8);
        // two cycles seen, and the forecasts have not been scored yet: nothing is used
        assertEquals(1.0, p.predict(2 * HOUR + 400, SS), 0);
        assertEquals(1.8, p.periods().get(0).raw(Math.floorDiv(2 * HOUR + 400, BIN)), 1e-6,
                "the smaller of the two cycles' rises");
        // the third cycle rises again where forecast: the forecasts come true and beat the 1 % base rate of rises
        p = hour(p, 2, 2.2);
        assertTrue(p.periods().get(0).trusted(SS), p.periods().get(0).toString());
        // the horizons that began in bins 25 to 27 (375-419 s) rose; one bin of jitter either side counts
        assertEquals(15, BIN, "an hour has fine bins");
        assertEquals(1.8, p.predict(3 * HOUR + 400, SS), 1e-6);
        assertEquals(1.8, p.predict(3 * HOUR + 360, SS), 1e-6);
        assertEquals(1.8, p.predict(3 * HOUR + 434, SS), 1e-6);
        assertEquals(1.0, p.predict(3 * HOUR + 359, SS), 0);
        assertEquals(1.0, p.predict(3 * HOUR + 435, SS), 0);
        assertEquals(1.0, p.predict(3 * HOUR + 1800, SS), 0, "a phase that never rose");
    }

    @Test
    void withTheDefaultPeriodsAJobEveryFifteenMinutesIsForecastFromItsFourthRun() {
        SeasonalProfile withShort = SeasonalProfile.of(PolicyConfig.defaults().load().seasonal().periodsSec());
        SeasonalProfile hourOnly = SeasonalProfile.of(List.of(HOUR, 86_400));
        int period = 900;
        for (int t = 0; t < 3 * period; t += 3) {
            int phase = t % period;
            double rise = phase >= 420 - 33 && phase < 420 ? 3 : 1;
            withShort = withShort.record(t, rise, 100 * rise, KEEP, SS);
            hourOnly = hourOnly.record(t, rise, 100 * rise, KEEP, SS);
        }
        assertEquals(3.0, withShort.predict(3 * period + 400, SS), 1e-6, "the 15-minute ring has seen it come true once");
        assertEquals(1.0, hourOnly.predict(3 * period + 400, SS), 0, "an hour's ring has not seen two cycles yet");
    }

    @Test
    void aCycleOlderThanTheLastTwoIsForgotten() {
        SeasonalProfile p = hours(2.0, 2.0, 2.0);
        long b = Math.floorDiv(400, BIN);
        assertEquals(2.0, p.periods().get(0).at(b), 1e-6);
        // cycle 3 reuses cycle 0's third of the ring
        p = p.record(3 * HOUR, 1, 100, KEEP, SS);
        assertTrue(Double.isNaN(p.periods().get(0).at(b)), "cycle 0 is gone");
        assertEquals(2.0, p.periods().get(0).at(b + HOUR / BIN), 1e-6, "cycle 1 is kept");
    }

    @Test
    void aOneOffBurstIsNeverAForecast() {
        SeasonalProfile p = hours(3.0, 1.0, 1.0);
        assertEquals(1.0, p.periods().get(0).raw(Math.floorDiv(2 * HOUR + 400, BIN)), 0,
                "cycle 2 looks back at cycles 1 and 0: only one rose");
        assertEquals(0, p.periods().get(0).forecasts(), 0);
    }

    @Test
    void forecastsThatDoNotComeTrueAreNotUsed() {
        // rises recur at minute 7 for two cycles, then stop: every forecast of the following cycles fails
        SeasonalProfile p = hours(2.0, 2.0, 1.0);
        SeasonalProfile.Ring r = p.periods().get(0);
        assertTrue(r.forecasts() > SS.minForecasts(), r.toString());
        assertEquals(0, r.hits(), 0);
        assertFalse(r.trusted(SS));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void forecastsNoBetterThanChanceAreNotUsed(long seed) {
        // a load that rises in every other bin, so each phase rose in both previous cycles half the time by chance
        SeasonalProfile p = SeasonalProfile.of(List.of(HOUR));
        java.util.Random rnd = new java.util.Random(seed);
        for (int c = 0; c < 6; c++) {
            for (int t = 0; t < HOUR; t += BIN) {
                double rise = rnd.nextBoolean() ? 1.5 : 1;
                for (int s = 0; s < BIN; s += 3) p = p.record(c * HOUR + t + s, rise, 100 * rise, KEEP, SS);
            }
        }
        SeasonalProfile.Ring r = p.periods().get(0);
        assertTrue(r.hits() > SS.minPrecision() * r.forecasts(), "precision alone would pass: " + r);
        assertFalse(r.trusted(SS), "but the lift over the base rate is about 1: " + r);
    }

    @Test
    void periodsUpToHalfADayHaveFifteenSecondBinsLongerOnesThirty() {
        assertEquals(15, SeasonalProfile.binSec(HOUR));
        assertEquals(15, SeasonalProfile.binSec(43_200));
        assertEquals(30, SeasonalProfile.binSec(86_400), "a day's ring would be twice as large at 15 s");
        SeasonalProfile.Ring day = SeasonalProfile.of(List.of(86_400)).periods().get(0);
        assertEquals(2880, day.binsPerCycle());
        assertEquals(2880 * 3, day.rises().length);
        assertEquals(2, day.binOf(60) - day.binOf(0));
    }

    @Test
    void survivesAJsonRoundTrip() throws Exception {
        SeasonalProfile p = SeasonalProfile.of(List.of(HOUR, 86_400));
        p = hour(p, 0, 2.0);
        SeasonalProfile back = Json.read(Json.write(p), SeasonalProfile.class);
        assertEquals(p, back);
        // a stored profile with other periods keeps the rings that still apply
        SeasonalProfile only = back.forPeriods(List.of(HOUR));
        assertEquals(p.periods().get(0), only.periods().get(0));
        assertEquals(1, only.periods().size());
    }

    @Test
    void seasonalPeriodsAreParsedAndBadValuesNamed() {
        assertEquals(List.of(600, 900, 1200, 1800, 3600, 86_400), PolicyConfig.defaults().load().seasonal().periodsSec());
        assertEquals(List.of(), config("off").load().seasonal().periodsSec());
        assertEquals(List.of(900, 3600), config("900, 3600").load().seasonal().periodsSec());
        for (String bad : new String[] {"45", "3600,3600", "601", "abc", "3600,", "-3600", "864000"}) {
            Executable e = () -> config(bad);
            ConfigException ex = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, e, bad);
            assertTrue(ex.getMessage().startsWith("invalid SEASONAL_PERIODS=\"" + bad + "\""), ex.getMessage());
        }
    }

    static PolicyConfig config(String periods) {
        return PolicyConfig.from(new Env(Map.of("SEASONAL_PERIODS", periods)));
    }

    @Test
    void aJobThatAddsItsOwnRateIsForecastAtThePeakItReachedNotOnlyAsARatioOfAQuieterBase() {
        SeasonalProfile p = SeasonalProfile.of(List.of(HOUR));
        p = job(p, HOUR, 0, 200, 150);
        p = job(p, HOUR, 1, 190, 150);
        p = job(p, HOUR, 2, 60, 150); // the base has fallen: the same job is now a 3.5x rise
        assertTrue(p.periods().get(0).trusted(SS), p.periods().get(0).toString());
        double at = 3 * HOUR + 400;
        assertEquals(340.0 / 190, p.predict(at, SS), 1e-2, "the smaller of the last two cycles' rises");
        assertEquals(210, p.predictPeak(at, SS), 1e-9, "the smaller of the last two cycles' peaks");
        assertEquals(0, p.predictPeak(3 * HOUR + 1800, SS), 0, "a phase that never rose forecasts no peak, not the level");

        // a job every 20 minutes, seen by a 20-minute ring: its rise is forecast, but no peak
        SeasonalProfile short20 = SeasonalProfile.of(List.of(1200));
        for (int c = 0; c < 3; c++) short20 = job(short20, 1200, c, 200, 150);
        assertTrue(short20.predict(3 * 1200 + 400, SS) > 1.5, "the rise is forecast: " + short20.predict(3 * 1200 + 400, SS));
        assertEquals(0, short20.predictPeak(3 * 1200 + 400, SS), 0, "no peak from a period under an hour: its level drifts");

        SeasonalProfile untrusted = job(job(SeasonalProfile.of(List.of(HOUR)), HOUR, 0, 200, 150), HOUR, 1, 190, 150);
        assertEquals(0, untrusted.predictPeak(2 * HOUR + 400, SS), 0, "no peak before the period's forecasts have earned trust");
        assertEquals(340, untrusted.periods().get(0).rawPeak(Math.floorDiv(2 * HOUR + 400, BIN)), 1e-9);
    }

    @Test
    void aRecurringPeakIsFirmOnlyWhereThePreviousCyclesStoppedAtTheSameRate() {
        double at = 3 * HOUR + 400;
        SeasonalProfile same = SeasonalProfile.of(List.of(HOUR));
        for (int c = 0; c < 3; c++) same = job(same, HOUR, c, 100, 150);
        assertEquals(250, same.firmPeak(at, SS), 1e-9);

        SeasonalProfile close = job(job(job(SeasonalProfile.of(List.of(HOUR)), HOUR, 0, 100, 150), HOUR, 1, 100, 150), HOUR, 2, 100, 160);
        assertEquals(250, close.firmPeak(at, SS), 1e-9, "260 is within 5 % of 250");

        SeasonalProfile apart = job(job(job(SeasonalProfile.of(List.of(HOUR)), HOUR, 0, 100, 150), HOUR, 1, 100, 150), HOUR, 2, 100, 180);
        assertEquals(250, apart.predictPeak(at, SS), 1e-9, "still the peak it reaches");
        assertEquals(0, apart.firmPeak(at, SS), 0, "but 280 and 250 disagree on where it stops");
        assertEquals(0, same.firmPeak(3 * HOUR + 1800, SS), 0, "no peak, nothing firm");
    }

    @Test
    void peaksSurviveAJsonRoundTripAndAStateStoredWithoutThemStillLoads() {
        SeasonalProfile p = SeasonalProfile.of(List.of(HOUR));
        for (int c = 0; c < 3; c++) p = job(p, HOUR, c, 100, 100);
        p = p.record(3 * HOUR, 1.75, 175, KEEP, SS);
        String json = Json.write(p);
        // the fourth hour's first record took the oldest cycle's place: 1.75 there, and the rest of that cycle not seen
        assertTrue(json.contains("\"rises\":[1.75,0,0,"), "whole values are written as integers: " + json.substring(0, 200));
        SeasonalProfile back = Json.read(json, SeasonalProfile.class);
        assertEquals(p, back);
        assertEquals(200, back.predictPeak(3 * HOUR + 400, SS), 1e-9);
        String old = Json.write(p).replaceAll("\"peaks\":\\[[^\\]]*\\],", "");
        assertFalse(old.contains("peaks"), old.substring(0, 200));
        SeasonalProfile fromOld = Json.read(old, SeasonalProfile.class);
        assertEquals(p.predict(3 * HOUR + 400, SS), fromOld.predict(3 * HOUR + 400, SS), 0, "the rises a stored state learned are kept");
        assertEquals(0, fromOld.predictPeak(3 * HOUR + 400, SS), 0);
    }
}
