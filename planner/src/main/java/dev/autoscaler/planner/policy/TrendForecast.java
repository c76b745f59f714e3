package dev.autoscaler.planner.policy;

import java.util.List;

/**
 * The rate one horizon ahead from its trend: Holt's linear trend, counted only while the least-squares slope of the last
 * TREND_RECENT_WINDOWS windows rises too (a step that rose and went flat keeps Holt's slope up for a while). Only a
 * rising trend counts, so this is the demand now or above it; it is what sizing treats as the demand itself, while the
 * burst margin is a possibility ({@link BurstHeadroom}).
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
        double f = s.trendForecast() ? forecast(in.holt(), in.rps(), in.rises().recent(s.trendRecentWindows())) : in.rps();
        if (in.firmPeak() > 0) f = Math.min(f, in.firmPeak());
        return new Estimate("trend", f, f > in.rps() ? String.format(java.util.Locale.ROOT, "trend from %.1f rps", in.rps()) : "measured");
    }

    /** rps one horizon ahead: the smaller of Holt's slope and the recent one, only when both rise, at most TREND_CAP×. */
    private double forecast(Holt holt, double rps, List<Double> recent) {
        LoadEstimation.Settings s = cfg.load();
        double ls = recent.size() < s.trendRecentWindows() ? 0 : LineFit.of(recent).slope();
        double slope = Math.min(holt.slopePerWindow(), ls);
        if (slope <= 0) return rps;
        double horizonWindows = cfg.horizonSec() / cfg.windowSec();
        double f = Math.max(rps, holt.smoothedRps() + slope * horizonWindows);
        return Math.min(f, s.trendCap() * rps);
    }
}
