package dev.autoscaler.planner.policy;

import java.util.Locale;

/**
 * The rate a rise recurring at this phase of an hour or a day reached in each of the previous cycles (the smaller):
 * a timer job adds its own rate whatever the base is, so from a quiet base the ratio it rose by from a busier one
 * under-states it. See {@link SeasonalProfile#predictPeak}.
 */
final class RecurringPeak implements LoadEstimator {
    private final PolicyConfig cfg;

    RecurringPeak(PolicyConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public Estimate estimate(Inputs in) {
        double peak = in.rises().recurringPeak(in.now(), cfg.load().seasonal());
        return peak > 0 ? new Estimate("recurring_peak", peak, String.format(Locale.ROOT, "%.1f rps reached at this phase in each previous cycle", peak)) : null;
    }
}
