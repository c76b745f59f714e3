package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.List;

/**
 * Stage 2: the per-replica rate to plan for, learned from the windows themselves. Three rates, best first:
 * <ol>
 *   <li>the <b>breach rate</b> ({@link BreachRate}): the per-replica arrival rate at which the SLO broke without
 *       saturation or a backlog draining, planned SLO_HEADROOM below it;</li>
 *   <li>while no breach is known, the <b>near rate</b>: the per-replica rate of two successive healthy windows whose p95
 *       was past NEAR_FRACTION of the way from the baseline to the threshold (the SLO breaks above it, so it is planned
 *       as it is);</li>
 *   <li>while neither is, TARGET_UTILIZATION × the <b>saturation throughput</b> (served ÷ ready while demand exceeded
 *       completions) or the operator's CAPACITY_RPS hint.</li>
 * </ol>
 * Never below TARGET_UTILIZATION × the highest per-replica rate recently seen healthy. The burst headroom belongs to
 * the load ({@link LoadEstimation}), not here.
 */
public final class RateLearning {

    /**
     * @param targetUtilisation    fraction of the saturation throughput to plan while no breach or near rate is known
     *                             (0.7: an M/M/4 replica's p95 stays near its service time up to about there)
     * @param capacityRpsPrior     an operator's hint of one replica's saturation throughput (null: none); learned
     *                             values replace it
     * @param sloHeadroom          fraction of the breach rate to plan (0.95: the breach rate is itself a rate where p95
     *                             already crossed the SLO)
     * @param capacityDecay        weight of a saturated sample below the estimate (0.2: a higher sample replaces it at
     *                             once, since a partly saturated window only under-states capacity; a slow pull follows
     *                             an app that really got slower)
     * @param planNoiseZ           standard errors of a window's per-replica rate kept below the breach rate when that is
     *                             more than SLO_HEADROOM takes off (2: a fleet of one to three replicas has a noisy rate)
     * @param nearFraction         how far from the baseline to the threshold a healthy p95 must be to teach the near rate
     *                             or place a first breach (0.5: an M/M/c replica is there at about 90 % of its breaking
     *                             rate, yet well above the baseline's noise)
     * @param nearRate             learn the near rate at all
     * @param placeFirstBreach     place the first breach between the slow window and a healthy one before it that was
     *                             past NEAR_FRACTION (a fast rise is first seen slow well past where the SLO broke)
     * @param breachForgetSec      time constant over which an isolated (unconfirmed) lowering of the breach rate is
     *                             forgiven (3600: long enough that a real limit breaks again first)
     * @param settleSec            a window teaches a rate only when the ready count has not changed for this long: a
     *                             replica that just joined is cold (JIT, caches, connection pools) and slow at any rate
     */
    public record Settings(double targetUtilisation, Double capacityRpsPrior, double sloHeadroom, double capacityDecay,
                           double planNoiseZ, double nearFraction, boolean nearRate, boolean placeFirstBreach,
                           double breachForgetSec, double settleSec) {
        static Settings from(Env env) {
            var prior = env.optionalNumber(new String[] {"CAPACITY_RPS"}, 0.001, 1e9);
            return new Settings(
                    env.number("TARGET_UTILIZATION", 0.7, 0.05, 1.0),
                    prior.isPresent() ? prior.getAsDouble() : null,
                    env.number("SLO_HEADROOM", 0.95, 0.1, 1.0),
                    env.number("CAPACITY_DECAY", 0.2, 0, 1),
                    env.number("PLAN_NOISE_Z", 2, 0, 10),
                    env.number("NEAR_FRACTION", 0.5, 0.05, 0.95),
                    env.bool("NEAR_RATE", true),
                    env.bool("FIRST_BREACH_PLACEMENT", true),
                    env.number("BREACH_FORGET_SEC", 3600, 1, 1e9),
                    env.number("RATE_SETTLE_SEC", 0, 0, 3600));
        }
    }

    /**
     * The stage's state slice.
     *
     * @param capacityRps learned saturation throughput of one replica, or null while unknown
     * @param breach      the rate at which the SLO breaks, or null while no breach taught one
     * @param nearRps     while no breach is known: the near rate, or null
     * @param lastReady   ready replicas in the previous window (rates are learned only while the count is stable)
     * @param readySinceTs when the ready count last changed
     */
    public record Rates(Double capacityRps, BreachRate breach, Double nearRps, int lastReady, double readySinceTs) {
        public static Rates initial() {
            return new Rates(null, null, null, -1, Double.NEGATIVE_INFINITY);
        }
    }

    /**
     * The rate sizing divides the load by.
     *
     * @param perReplica     the per-replica rate to plan, or null while nothing is known
     * @param capacity       the best-known rate at which one replica breaks or saturates (telemetry), or null
     * @param highestHealthy the highest per-replica rate among the recent healthy windows
     * @param basis          breach, near, saturation, hint, or none
     */
    public record PlanRate(Double perReplica, Double capacity, double highestHealthy, String basis) {
        public boolean known() {
            return perReplica != null && perReplica > 0;
        }
    }

    private final Settings s;
    private final double windowSec;

    public RateLearning(Settings s, double windowSec) {
        this.s = s;
        this.windowSec = windowSec;
    }

    public Settings settings() {
        return s;
    }

    /**
     * The rates after this window. {@code history} is the healthy history before it, {@code lastSlow} whether the window
     * before was slow (a breach right after one confirms the lowering).
     */
    public Rates learn(Rates r, Window w, Verdict v, Threshold t, List<HealthySample> history, boolean lastSlow) {
        // a count that changed within RATE_SETTLE_SEC is not a stable fleet yet: -1 matches no ready count
        int stableReady = w.ts() - r.readySinceTs() >= s.settleSec() ? r.lastReady() : -1;
        Double capacity = learnCapacity(r.capacityRps(), stableReady, w, v.overloaded());
        HealthySample before = nearBefore(history, w, t);
        BreachRate breach = BreachRate.learn(r.breach(), w, v.overloaded(), v.errors(), stableReady, lastSlow,
                s.placeFirstBreach() ? before : null, t.valueMs() == null ? Double.NaN : t.valueMs(), windowSec, s.breachForgetSec());
        Double near = breach != null ? null : learnNear(r.nearRps(), stableReady, w, v.overloaded(), t, before != null);
        double since = w.readyReplicas() == r.lastReady() ? r.readySinceTs() : w.ts();
        return new Rates(capacity, breach, near, w.readyReplicas(), since);
    }

    /** The per-replica rate to plan for at this arrival rate, with the error budget's multiplier on the headroom. */
    public PlanRate plan(Rates r, double rps, double multiplier, List<HealthySample> healthy) {
        double highestHealthy = healthy.stream().mapToDouble(HealthySample::perReplicaRps).max().orElse(0);
        Double sat = r.capacityRps() != null ? r.capacityRps() : s.capacityRpsPrior();
        Double plan = sat != null ? sat * s.targetUtilisation() : null;
        String basis = r.capacityRps() != null ? "saturation" : sat != null ? "hint" : "none";
        Double breach = r.breach() == null ? null : r.breach().rate();
        if (breach != null) {
            plan = breach * planFraction(breach, rps, multiplier);
            basis = "breach";
        } else if (r.nearRps() != null) {
            plan = r.nearRps();
            basis = "near";
        }
        if (plan != null) plan = Math.max(plan, highestHealthy * s.targetUtilisation());
        Double capacity = sat != null ? sat : breach != null ? breach : r.nearRps();
        return new PlanRate(plan, capacity, highestHealthy, basis);
    }

    /**
     * The fraction of the breach rate to plan per replica: 1 − SLO_HEADROOM off it, or PLAN_NOISE_Z standard errors of
     * the per-replica rate of the fleet this rate needs when that is more, and that headroom scaled by the error
     * budget's multiplier like the burst margin (a budget left unspent for days plans closer to the breach rate).
     */
    double planFraction(double breach, double rps, double multiplier) {
        double replicas = Math.max(1, rps / breach);
        double noise = s.planNoiseZ() * Math.sqrt(1 / (replicas * breach * windowSec));
        return 1 - multiplier * Math.max(1 - s.sloHeadroom(), noise);
    }

    /**
     * Capacity is learned from windows in which the ready replicas were saturated: overloaded, the ready count
     * unchanged since the previous window (replicas joining or leaving mid-window skew served/ready), and demand
     * above completions (a queue is growing). A high p95 alone is not enough: a backlog draining after a
     * scale-up is slow but not saturated, and its served/ready would under-state capacity.
     */
    private Double learnCapacity(Double capacity, int stableReady, Window w, boolean overloaded) {
        int ready = w.readyReplicas();
        if (!overloaded || ready <= 0 || w.servedRps() <= 0 || ready != stableReady || !w.saturated()) return capacity;
        double sample = w.servedRps() / ready;
        if (capacity == null || sample > capacity) return sample;
        return (1 - s.capacityDecay()) * capacity + s.capacityDecay() * sample;
    }

    /**
     * The window before this one, if it was healthy with p95 already past NEAR_FRACTION of the way to the threshold: it
     * places a first breach, and with this window teaches the near rate.
     */
    private HealthySample nearBefore(List<HealthySample> history, Window w, Threshold t) {
        HealthySample last = history.isEmpty() ? null : history.get(history.size() - 1);
        if (last == null || w.ts() - last.ts() > 1.5 * windowSec) return null;
        if (t.valueMs() == null || t.baselineMs() == null) return null;
        return last.p95Ms() >= nearBar(t.baselineMs(), t.valueMs()) ? last : null;
    }

    /**
     * While no breach is known: the per-replica rate of the first healthy window whose p95 was past NEAR_FRACTION of
     * the way from the baseline to the threshold, as the window before it was (one noisy window is not evidence), with
     * the replicas stable and no backlog draining; raised by any healthy window above it.
     */
    private Double learnNear(Double near, int stableReady, Window w, boolean overloaded, Threshold t, boolean beforeNear) {
        int ready = w.readyReplicas();
        if (!s.nearRate() || overloaded || ready <= 0 || w.rps() <= 0) return near;
        double perReplica = w.rps() / ready;
        if (near != null) return Math.max(near, perReplica);
        Double threshold = t.valueMs();
        Double baseline = t.baselineMs();
        if (threshold == null || baseline == null || baseline >= threshold) return null;
        boolean twice = beforeNear && w.p95Ms() >= nearBar(baseline, threshold);
        return twice && ready == stableReady && !w.draining() ? perReplica : null;
    }

    private double nearBar(double baseline, double threshold) {
        return baseline + s.nearFraction() * (threshold - baseline);
    }
}
