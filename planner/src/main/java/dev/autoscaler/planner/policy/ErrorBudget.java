package dev.autoscaler.planner.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The SLO error budget: how wide the burst margin (and the headroom below the breach rate, see
 * {@link ScalingPolicy#planFraction}) should be for this load, learned from how often the SLO broke.
 *
 * <p>The burst headroom ({@link RiseHistory#quantile}) covers the rises that RISE_QUANTILE of recent horizons stayed
 * within, whatever that costs. On one load that margin leaves a few windows over the SLO; on another it leaves many.
 * An operator states the share of windows that may be slow (SLO_BUDGET_PCT, as an SRE error budget), and this
 * controller scales the margin above 1 by a multiplier m = e^x in [BUDGET_MIN_MULTIPLIER, BUDGET_MAX_MULTIPLIER]
 * so that the slow share meets the budget: wider where bursts break it, thinner where it is not being spent.
 *
 * <p>It is a stochastic-approximation (Robbins–Monro) controller on x: a slow window that a wider margin could have
 * prevented raises x by BUDGET_STEP × (1 − budget), and a window within the SLO lowers it by BUDGET_STEP × budget, so x stands still
 * when the slow share is the budget. Lowering waits while the slow share over the last few hours ({@code slowRate}, an
 * EWMA) is above the budget: slow windows a margin cannot prevent (a spike of several times the rate) still spend the
 * budget, and the margin must not be thinned to pay for them. The steps are small, so one burst moves the margin by a
 * percent or two and the multiplier follows the load over hours to days, not windows.
 *
 * @param log      x, the natural log of the multiplier (0: the margin as the quantile says)
 * @param slowRate the share of recent windows over the SLO (EWMA over BUDGET_MEMORY_SEC)
 * @param lastSlow the last window was over the SLO ({@link BreachRate} takes a breach right after one as confirmed)
 */
public record ErrorBudget(double log, double slowRate, boolean lastSlow) {

    /**
     * @param sloBudgetPct  the share of windows (%) that may be over the SLO (0.4; 0 keeps the margins as RISE_QUANTILE
     *                      and SLO_HEADROOM set them)
     * @param minMultiplier never thinner than this share of the quantile's margin (0.6: a quiet week is no promise about
     *                      the next burst)
     * @param maxMultiplier never wider than this multiple of it (2: beyond that a spike is not a burst a margin meets)
     * @param step          change of ln m per window, scaled by the budget (down) or its complement (up) (0.003: at a
     *                      0.4 % budget thinning to the floor takes a day and a half of quiet windows, doubling about
     *                      230 slow windows, so the margin follows the load over hours, not windows)
     * @param rateMemorySec memory of the slow share that gates the thinning (4 h: longer than a burst, shorter than a day)
     */
    public record Settings(double sloBudgetPct, double minMultiplier, double maxMultiplier, double step, double rateMemorySec) {
        static Settings from(dev.autoscaler.common.config.Env env) {
            return new Settings(
                    env.number("SLO_BUDGET_PCT", 0.4, 0, 50),
                    env.number("BUDGET_MIN_MULTIPLIER", 0.6, 0.01, 1),
                    env.number("BUDGET_MAX_MULTIPLIER", 2, 1, 100),
                    env.number("BUDGET_STEP", 0.003, 0, 1),
                    env.number("BUDGET_MEMORY_SEC", 4 * 3600, 60, 30 * 86_400));
        }
    }

    public static ErrorBudget initial() {
        return new ErrorBudget(0, 0, false);
    }

    /** The factor on the burst margin above 1 (1 with no budget set). */
    @JsonIgnore
    public double multiplier() {
        return Math.exp(log);
    }

    /** The rise to size for: a margin above 1 scaled by the multiplier; a rise below 1 (a forecast that overshoots) kept. */
    public double scale(double rise) {
        return rise > 1 ? 1 + (rise - 1) * multiplier() : rise;
    }

    /**
     * After a window measured against a threshold with a per-replica rate to size by: {@code slow} when its p95 was over
     * the threshold (or its errors too many), {@code avoidable} when a margin MAX_MULTIPLIER wide would have had the
     * replicas for its rate.
     */
    public ErrorBudget observe(boolean slow, boolean avoidable, PolicyConfig cfg) {
        Settings s = cfg.budget();
        double budget = s.sloBudgetPct() / 100;
        if (budget <= 0) return track(slow, cfg);
        double x = log;
        if (slow && avoidable) x += s.step() * (1 - budget);
        else if (!slow && slowRate < budget) x -= s.step() * budget;
        x = Math.max(Math.log(s.minMultiplier()), Math.min(Math.log(s.maxMultiplier()), x));
        return new ErrorBudget(x, rate(slow, cfg), slow);
    }

    /** After a window measured against a threshold while no rate sizes the fleet: it spends the budget, the margin waits. */
    public ErrorBudget track(boolean slow, PolicyConfig cfg) {
        return new ErrorBudget(log, rate(slow, cfg), slow);
    }

    /** After a window with nothing to judge (no requests, or no threshold yet): it spends nothing and saves nothing. */
    public ErrorBudget unmeasured() {
        return new ErrorBudget(log, slowRate, false);
    }

    private double rate(boolean slow, PolicyConfig cfg) {
        double keep = Math.exp(-cfg.windowSec() / cfg.budget().rateMemorySec());
        return keep * slowRate + (1 - keep) * (slow ? 1 : 0);
    }
}
