package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.LoadEstimator.Estimate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Stage 3: the load to size for over the coming horizon. Its memory (the {@link RiseHistory}) takes in
 * each window; then each estimator ({@link TrendForecast}, {@link BurstHeadroom}, {@link RecurringPeak}) gives its
 * estimate, and they are combined here and nowhere else: the load is the highest of them.
 */
public final class LoadEstimation {

    /**
     * @param trendForecast      size for the ramp's forecast one horizon ahead when it is above the rate now (FORECAST)
     * @param riseQuantile       the burst margin covers the rise within one horizon that this fraction of recent
     *                           horizons stayed within (0.97; 0 turns the margin off)
     * @param riseMemorySec      how long rises are remembered (3600: long enough for a quantile of a rare burst, short
     *                           enough to forget a load's old habits within the hour)
     * @param levelClasses       keep rises per level class (the rate relative to its long-run mean): from a trough a
     *                           bursty load often doubles, from a peak it rarely does
     * @param riseNoiseZ         a rise counts as one for the seasonal profile only beyond this many standard deviations
     *                           of a window's counting noise (6: at low rates the highest of a horizon's windows is itself
     *                           a "rise", and noise two cycles agree on by chance is not a pattern)
     * @param rampForecast       the burst margin forecasts the rise of a ramp seen in the last RAMP_WINDOWS windows
     * @param rampWindows        windows in the least-squares slope that detects a ramp (6: 18 s at 3 s windows)
     * @param rampZ              a slope is a ramp beyond this many standard errors of counting noise (2: the detector
     *                           also drives the trend forecast, and slow ramps that climb for hours rise little per
     *                           window; ramp windows keep their own histograms of what the ramp did not explain, so a
     *                           false ramp learns a residual below 1)
     * @param rampCap            a ramp is extrapolated to at most this multiple of the base (2: noise cannot ask for a
     *                           fleet)
     * @param riseEvents         one rise is one observation: the burst quantile leaves out the samples of the largest
     *                           rise remembered, so a step seen once adds no margin (true: on the demo's pipeline one step
     *                           became a x3.9 margin that held a steady load at twice its need)
     * @param skipOverloadedBase no rise is recorded from windows that were overloaded (true: an overload's arrival counts
     *                           are its backlog and retries, 98 to 508 rps a window under a flat 300 on the demo's pipeline)
     * @param seasonal           the seasonal profile's settings
     */
    public record Settings(boolean trendForecast, double riseQuantile,
                           double riseMemorySec, boolean levelClasses, double riseNoiseZ, boolean rampForecast, int rampWindows,
                           double rampZ, double rampCap, boolean riseEvents, boolean skipOverloadedBase, SeasonalProfile.Settings seasonal) {
        static Settings from(Env env) {
            return new Settings(
                    env.bool("FORECAST", true),
                    env.number("RISE_QUANTILE", 0.97, 0, 1.0),
                    env.number("RISE_MEMORY_SEC", 3600, 60, 30 * 86_400),
                    env.bool("LEVEL_CLASSES", true),
                    env.number("RISE_NOISE_Z", 6, 0, 100),
                    env.bool("RAMP_FORECAST", true),
                    env.integer("RAMP_WINDOWS", 6, 2, 100),
                    env.number("RAMP_Z", 2, 0, 100),
                    env.number("RAMP_CAP", 2, 1, 100),
                    env.bool("RISE_EVENTS", true),
                    env.bool("RISE_SKIP_OVERLOADED", true),
                    SeasonalProfile.Settings.from(env));
        }
    }

    /**
     * The load sized for.
     *
     * @param rps       the highest estimate: what sizing divides by the per-replica rate
     * @param demand    the rate now or its trend one horizon ahead, without any burst margin: what the fleet needs even
     *                  if no burst comes
     * @param estimates every estimate, with its provenance
     */
    public record Load(double rps, double demand, List<Estimate> estimates) {
        /** The estimate that set the load. */
        public Estimate decisive() {
            return estimates.stream().max(Comparator.comparingDouble(Estimate::rps)).orElseThrow();
        }
    }

    private final PolicyConfig cfg;
    private final List<LoadEstimator> estimators;
    private final TrendForecast trend;

    public LoadEstimation(PolicyConfig cfg) {
        this.cfg = cfg;
        this.trend = new TrendForecast(cfg);
        this.estimators = List.of(trend, new BurstHeadroom(cfg), new RecurringPeak(cfg));
    }

    /** The memory after this window's rate. */
    public RiseHistory observe(RiseHistory rises, double rps, double now) {
        return observe(rises, rps, now, false);
    }

    /** The same, {@code slow}: the window was overloaded (a rise measured from it is not recorded). */
    public RiseHistory observe(RiseHistory rises, double rps, double now, boolean slow) {
        return rises.observe(rps, now, slow, cfg);
    }

    /** The load to size for, from the memory as it is after this window. */
    public Load estimate(double rps, double now, RiseHistory rises, ErrorBudget budget) {
        double firm = rises.firmPeak(now, cfg.load().seasonal());
        boolean capped = firm > rps && rises.base() > 0;
        var in = new LoadEstimator.Inputs(rps, now, rises, capped ? firm : 0, budget);
        List<Estimate> out = new ArrayList<>();
        double load = 0;
        double demand = rps;
        for (LoadEstimator e : estimators) {
            Estimate est = e.estimate(in);
            if (est == null) continue;
            out.add(est);
            load = Math.max(load, est.rps());
            if (e == trend) demand = est.rps();
        }
        return new Load(load, demand, List.copyOf(out));
    }
}
