package dev.autoscaler.planner.policy;

import java.util.Locale;

/**
 * The burst headroom: the recent rate (the mean of the last two windows) times the rise forecast for the horizon (the
 * larger of the ramp's and the seasonal profile's, not their product: a recurring burst is also a ramp while it climbs)
 * times the margin that RISE_QUANTILE of recent horizons' unexplained rises stayed within, that margin above 1 scaled
 * by the error budget. See {@link RiseHistory} for how the rises are remembered.
 */
final class BurstHeadroom implements LoadEstimator {
    private final PolicyConfig cfg;

    BurstHeadroom(PolicyConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public Estimate estimate(Inputs in) {
        RiseHistory rises = in.rises();
        double seasonal = rises.seasonal();
        double ramp = rises.rampRise(cfg);
        // a climb into a recurring peak that every previous cycle stopped at is that rise, not a ramp running on
        if (in.firmPeak() > 0) ramp = Math.min(ramp, in.firmPeak() / rises.base());
        double rise = Math.max(seasonal, ramp);
        double margin = in.budget().scale(rises.quantile(cfg));
        double rps = rises.base() * rise * margin;
        String basis = String.format(Locale.ROOT, "%.1f rps x%.2f margin", rises.base(), margin);
        if (margin > 1) basis += " (" + rises.evidence(in.now()) + ")";
        if (rise > 1) basis += String.format(Locale.ROOT, " x%.2f %s", rise, seasonal >= ramp ? "recurring rise" : "ramp");
        return new Estimate("burst", rps, basis);
    }
}
