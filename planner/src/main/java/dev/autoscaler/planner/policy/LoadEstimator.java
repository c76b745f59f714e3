package dev.autoscaler.planner.policy;

/**
 * One view of the load to size for over the coming horizon (a replica asked for now serves after start-up plus one
 * window). {@link LoadEstimation} asks each estimator and combines their estimates in one place.
 */
public interface LoadEstimator {

    /** The estimate, or null when this estimator has nothing to say now. */
    Estimate estimate(Inputs in);

    /**
     * An estimate with its provenance.
     *
     * @param source which estimator (trend, burst, recurring_peak)
     * @param rps    the load it expects, requests per second
     * @param basis  the numbers behind it, for the decision's reason
     */
    record Estimate(String source, double rps, String basis) {}

    /**
     * What every estimator sees of this window, after the stage's memory took it in.
     *
     * @param rps        the measured arrival rate
     * @param now        the clock
     * @param rises      the rise memory (burst histograms, ramp, seasonal profile), this window included
     * @param firmPeak   a recurring peak above the rate now that every previous cycle stopped at (0: none): neither the
     *                   ramp nor the trend is extrapolated past it
     * @param budget     the error budget, whose multiplier scales the burst margin
     */
    record Inputs(double rps, double now, RiseHistory rises, double firmPeak,
                  ErrorBudget budget) {}
}
