package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.util.List;

/**
 * Every knob of the decision policy. The names in {@link #from(Env)} are the README's configuration table;
 * the PoC's names keep their meaning.
 *
 * @param sloP95Ms            SLO on p95 in ms, or null for baseline mode (thresholds from the learned baseline)
 * @param upCooldownSec       seconds between scale-ups outside the panic path. 0 by default, as HPA's scale-up
 *                            stabilisation: sizing is absolute (ceil(load / rate)), so a second scale-up soon after
 *                            the first only comes from a higher measured load, and waiting only meets it later
 *                            (measured on the bench: 11 % fewer violation seconds than 10 s, at +0.4 % replica-seconds)
 * @param maxStepDownPercent a scale-down may also remove this percentage of the replicas in one decision, when that is
 *                            more than maxStepDown (HPA's Pods and Percent policies under selectPolicy Max; KPA halves
 *                            at most, which is 50). A count alone is too slow for a large fleet: 30 replicas after a
 *                            spike took four minutes to come down four at a time
 * @param targetUtilisation   fraction of a replica's learned capacity to plan for (headroom for bursts)
 * @param alphaUp             baseline mode: overload when p95 >= alphaUp × baseline (PoC ALPHA_UP)
 * @param betaDown            baseline mode: "near baseline" when p95 <= betaDown × baseline + cushion (PoC BETA_DOWN)
 * @param kSigma              baseline mode: the overload threshold is never closer than kSigma × sigma to the baseline
 * @param panicFactor         p95 >= panicFactor × threshold bypasses the up-cooldown
 * @param lowFraction         SLO mode: a window is "low" when p95 <= lowFraction × SLO
 * @param tolerance           proportional sizing ignores changes smaller than this fraction (as HPA does)
 * @param capacityRpsPrior    optional operator hint of one replica's capacity (rps); learned values replace it
 * @param minSuccessRate      a window below this success rate is unhealthy (errors are treated as overload)
 * @param replicaStartupSec   how long a new replica takes to serve; with windowSec it sets the forecast horizon
 * @param windowSec           the monitor's window (SAMPLE_INTERVAL)
 * @param forecast            size for the rps forecast (Holt's linear trend) when it is above the current rps
 * @param sloHeadroom         fraction of the per-replica rate at which the SLO was seen to break that sizing plans for
 * @param riseQuantile        burst headroom: plan for the rise within one start-up horizon that this fraction of recent
 *                            horizons stayed within (0 turns it off)
 * @param riseMemorySec       how far back the rises that set the burst headroom are remembered (decay time)
 * @param seasonalPeriodsSec  periods at which rises are expected to recur (SEASONAL_PERIODS); empty turns it off
 * @param sloBudgetPct        the share of windows (%) that may be over the SLO; the burst margin and the headroom below
 *                            the breach rate widen or thin towards it ({@link ErrorBudget}); 0 keeps them as
 *                            RISE_QUANTILE and SLO_HEADROOM set them
 */
public record PolicyConfig(
        Double sloP95Ms,
        int minReplicas,
        int maxReplicas,
        double upCooldownSec,
        double downCooldownSec,
        int maxStepUp,
        int maxStepDown,
        double maxStepDownPercent,
        double downStabilisationSec,
        double targetUtilisation,
        double alphaUp,
        double betaDown,
        double kSigma,
        int histWindows,
        int warmupWindows,
        int lowNeedN,
        double idleHintMs,
        double panicFactor,
        double lowFraction,
        double tolerance,
        Double capacityRpsPrior,
        double minSuccessRate,
        double replicaStartupSec,
        double windowSec,
        boolean forecast,
        double sloHeadroom,
        double riseQuantile,
        double riseMemorySec,
        List<Integer> seasonalPeriodsSec,
        double sloBudgetPct) {

    public PolicyConfig {
        seasonalPeriodsSec = seasonalPeriodsSec == null ? List.of() : List.copyOf(seasonalPeriodsSec);
        if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
            throw new ConfigException("invalid MIN_REPLICAS=" + minReplicas + " / MAX_REPLICAS=" + maxReplicas
                    + ": expected 0 <= MIN_REPLICAS <= MAX_REPLICAS and MAX_REPLICAS >= 1");
        }
    }

    public static PolicyConfig defaults() {
        return from(new Env(java.util.Map.of()));
    }

    public PolicyConfig withSlo(Double slo) {
        return with(slo, minReplicas, maxReplicas);
    }

    public PolicyConfig withBounds(int min, int max) {
        return with(sloP95Ms, min, max);
    }

    private PolicyConfig with(Double slo, int min, int max) {
        return new PolicyConfig(slo, min, max, upCooldownSec, downCooldownSec, maxStepUp, maxStepDown, maxStepDownPercent,
                downStabilisationSec, targetUtilisation, alphaUp, betaDown, kSigma, histWindows, warmupWindows, lowNeedN,
                idleHintMs, panicFactor, lowFraction, tolerance, capacityRpsPrior, minSuccessRate, replicaStartupSec, windowSec,
                forecast, sloHeadroom, riseQuantile, riseMemorySec, seasonalPeriodsSec, sloBudgetPct);
    }

    /** Seconds until a replica asked for now serves: its start-up plus the window it is asked in. */
    public double horizonSec() {
        return replicaStartupSec + windowSec;
    }

    /** The horizon in whole windows. */
    public int horizonWindows() {
        return (int) Math.ceil(horizonSec() / windowSec - 1e-9);
    }

    public static PolicyConfig from(Env env) {
        var slo = env.optionalNumber(new String[] {"SLO_P95_MS", "TARGET_P95_MS"}, 1, 3_600_000);
        double cooldown = env.number("COOLDOWN_SEC", 20, 0, 86_400);
        var prior = env.optionalNumber(new String[] {"CAPACITY_RPS"}, 0.001, 1e9);
        return new PolicyConfig(
                slo.isPresent() ? slo.getAsDouble() : null,
                env.integer("MIN_REPLICAS", 1, 0, 10_000),
                env.integer("MAX_REPLICAS", 10, 1, 10_000),
                env.number("UP_COOLDOWN_SEC", 0, 0, 86_400),
                env.number("DOWN_COOLDOWN_SEC", cooldown, 0, 86_400),
                env.integer("MAX_STEP_UP", 10, 1, 10_000),
                env.integer("MAX_STEP_DOWN", 4, 1, 10_000),
                env.number("MAX_STEP_DOWN_PERCENT", 50, 0, 100),
                env.number("DOWN_STABILIZATION_SEC", 30, 0, 86_400),
                env.number("TARGET_UTILIZATION", 0.7, 0.05, 1.0),
                env.number("ALPHA_UP", 3.0, 1.01, 1000),
                env.number("BETA_DOWN", 1.10, 1.0, 100),
                env.number("K_SIGMA", 2.5, 0, 100),
                env.integer("HIST_WINDOWS", 60, 3, 100_000),
                env.integer("WARMUP_WINDOWS", 12, 1, 100_000),
                env.integer("LOW_NEED_N", 3, 1, 1000),
                env.number("IDLE_HINT_MS", 0, 0, 3_600_000),
                env.number("PANIC_FACTOR", 2.0, 1.0, 100),
                env.number("LOW_P95_FRACTION", 0.7, 0.01, 1.0),
                env.number("SCALE_TOLERANCE", 0.1, 0, 0.9),
                prior.isPresent() ? prior.getAsDouble() : null,
                env.number("MIN_SUCCESS_RATE", 0.95, 0, 1),
                env.number("REPLICA_STARTUP_SEC", 5, 0, 3600),
                env.number("SAMPLE_INTERVAL", 3, 0.5, 3600),
                env.bool("FORECAST", true),
                env.number("SLO_HEADROOM", 0.95, 0.1, 1.0),
                env.number("RISE_QUANTILE", 0.97, 0, 1.0),
                env.number("RISE_MEMORY_SEC", 3600, 60, 30 * 86_400),
                seasonalPeriods(env),
                env.number("SLO_BUDGET_PCT", 0.4, 0, 50));
    }

    /**
     * SEASONAL_PERIODS: comma-separated periods in seconds, each a multiple of {@value SeasonalProfile#BIN_SEC} from
     * 600 to 7 days, or "off". The default adds the schedules timer jobs run on (every 10, 15, 20, 30 minutes; a
     * 5-minute job recurs in the 10- and 15-minute rings) to an hour and a day: a ring needs two cycles before it
     * forecasts, and an hour's ring would learn a 15-minute job only after three hours. The short rings cost about 900
     * floats of state, and a ring whose forecasts do not beat chance is never used. (Measured, three seeds: on the shared
     * traces and their time-reversed copies no change; on synthetic loads of bursts every 5, 15 and 20 minutes −18 %,
     * −21 % and −13 % replica-seconds and fewer violation seconds, and on randomly timed bursts no change.)
     */
    static List<Integer> seasonalPeriods(Env env) {
        String raw = env.string("SEASONAL_PERIODS", "600,900,1200,1800,3600,86400");
        if (raw.equalsIgnoreCase("off") || raw.equalsIgnoreCase("none")) return List.of();
        List<Integer> out = new java.util.ArrayList<>();
        for (String part : raw.split(",", -1)) {
            try {
                int p = Integer.parseInt(part.trim());
                if (p < 600 || p > 7 * 86_400 || p % SeasonalProfile.BIN_SEC != 0 || out.contains(p)) throw new NumberFormatException();
                out.add(p);
            } catch (NumberFormatException e) {
                throw Env.bad("SEASONAL_PERIODS", raw, "\"off\" or distinct periods in seconds, each a multiple of "
                        + SeasonalProfile.BIN_SEC + " from 600 to 604800, comma-separated");
            }
        }
        return List.copyOf(out);
    }
}
