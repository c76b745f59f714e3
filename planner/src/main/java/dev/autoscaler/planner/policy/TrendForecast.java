package dev.autoscaler.planner.policy;

import java.util.Locale;

/**
 * The rate one horizon ahead from the trend: while the ramp detector ({@link RiseHistory#trendRise}, the policy's one
 * trend detector) sees a ramp, the fitted line extrapolated over the horizon, else the rate now. Only a rising trend
 * counts, so this is the demand now or above it; it is what sizing treats as the demand itself, while the burst margin
 * is a possibility ({@link BurstHeadroom}).
 */
public final class TrendForecast implements LoadEstimator {

    private final PolicyConfig cfg;

    TrendForecast(PolicyConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public Estimate estimate(Inputs in) {
        double f = cfg.load().trendForecast() ? Math.max(in.rps(), in.rises().base() * in.rises().trendRise(cfg)) : in.rps();
        if (in.firmPeak() > 0) f = Math.min(f, in.firmPeak());
        return new Estimate("trend", f, f > in.rps() ? String.format(Locale.ROOT, "trend from %.1f rps", in.rps()) : "measured");
    }
}
