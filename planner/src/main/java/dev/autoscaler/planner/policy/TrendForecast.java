package dev.autoscaler.planner.policy;

import java.util.List;

/**
 * The rate one horizon ahead from its trend: Holt's linear trend, and during an overload a confirmed ramp (every one of
 * the last TREND_RECENT_WINDOWS windows above the one before, beyond counting noise) extrapolated from its latest rate.
 * Only a rising trend counts, so this is the demand now or above it; it is what sizing treats as the demand itself,
 * while the burst margin is a possibility ({@link BurstHeadroom}).
 */
public final class TrendForecast implements LoadEstimator {

    /**
     * Holt's state slice.
     *
     * @param smoothedRps    the smoothed rate
     * @param slopePerWindow the smoothed change of the rate per window
     */
    public record Holt(double smoothedRps, double slopePerWindow) {
        /** Holt after this window's rate (the first window starts it flat). */
        static Holt next(Holt prev, double rps, LoadEstimation.Settings s) {
            if (prev == null) return new Holt(rps, 0);
            double smoothed = s.holtAlpha() * rps + (1 - s.holtAlpha()) * (prev.smoothedRps + prev.slopePerWindow);
            double slope = s.holtBeta() * (smoothed - prev.smoothedRps) + (1 - s.holtBeta()) * prev.slopePerWindow;
            return new Holt(smoothed, slope);
        }
    }

    private final PolicyConfig cfg;

    TrendForecast(PolicyConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public Estimate estimate(Inputs in) {
        LoadEstimation.Settings s = cfg.load();
        double f = s.trendForecast() ? forecast(in.holt(), in.rps(), in.rises().recent(s.trendRecentWindows()), in.overloaded()) : in.rps();
        if (in.firmPeak() > 0) f = Math.min(f, in.firmPeak());
        return new Estimate("trend", f, f > in.rps() ? String.format(java.util.Locale.ROOT, "trend from %.1f rps", in.rps()) : "measured");
    }

    /**
     * rps one horizon ahead. A ramp that rose in every one of the recent windows during an overload is extrapolated along
     * its least-squares slope from the latest rate; otherwise a step may have risen and gone flat, and both slopes would
     * keep extrapolating it: the smaller of Holt's slope and the recent one, and only when both rise.
     */
    private double forecast(Holt holt, double rps, List<Double> recent, boolean overloaded) {
        LoadEstimation.Settings s = cfg.load();
        double ls = recent.size() < s.trendRecentWindows() ? 0 : LineFit.of(recent).slope();
        boolean ramp = s.overloadRamp() && overloaded && rising(recent, cfg.windowSec(), s);
        double slope = ramp ? ls : Math.min(holt.slopePerWindow(), ls);
        if (slope <= 0) return rps;
        double horizonWindows = cfg.horizonSec() / cfg.windowSec();
        double f = Math.max(rps, (ramp ? rps : holt.smoothedRps()) + slope * horizonWindows);
        return Math.min(f, (ramp ? s.overloadRampCap() : s.trendCap()) * rps);
    }

    /**
     * A confirmed ramp: every recent window above the one before it, and the whole rise beyond OVERLOAD_RAMP_Z standard
     * deviations of one window's Poisson rate estimate, sqrt(rps / window).
     */
    static boolean rising(List<Double> ys, double windowSec, LoadEstimation.Settings s) {
        if (ys.size() < s.trendRecentWindows()) return false;
        for (int i = 1; i < ys.size(); i++) if (ys.get(i) <= ys.get(i - 1)) return false;
        double last = ys.get(ys.size() - 1);
        return last - ys.get(0) > s.overloadRampZ() * Math.sqrt(last / windowSec);
    }
}
