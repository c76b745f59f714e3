package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.List;

/**
 * Stage 2: the per-replica rate to plan for, learned from the windows themselves: SLO_HEADROOM below the <b>breach
 * rate</b> ({@link BreachRate}), the per-replica arrival rate at which the SLO broke without saturation or a backlog
 * draining; while no breach is known, TARGET_UTILIZATION × the <b>saturation throughput</b> (served ÷ ready while demand
 * exceeded completions) or the operator's CAPACITY_RPS hint. Never below TARGET_UTILIZATION × the highest per-replica
 * rate recently seen healthy. The burst headroom belongs to the load ({@link LoadEstimation}), not here.
 */
public final class RateLearning {

    /**
     * @param targetUtilisation    fraction of the saturation throughput to plan while no breach rate is known (0.7: an
     *                             M/M/4 replica's p95 stays near its service time up to about there)
     * @param capacityRpsPrior     an operator's hint of one replica's saturation throughput (null: none); learned
     *                             values replace it
     * @param sloHeadroom          fraction of the breach rate to plan (0.95: the breach rate is itself a rate where p95
     *                             already crossed the SLO)
     * @param capacityDecay        weight of a saturated sample below the estimate (0.2: a higher sample replaces it at
     *                             once, since a partly saturated window only under-states capacity; a slow pull follows
     *                             an app that really got slower)
     * @param breachForgetSec      time constant over which an isolated (unconfirmed) lowering of the breach rate is
     *                             forgiven (3600: long enough that a real limit breaks again first)
     * @param settleSec            a window teaches a breach rate only when no replica has joined for this long: a replica that
     *                             just joined is cold (JIT, caches, connection pools) and slow at any rate (15: the
     *                             demo's Java replicas taught a breach rate a third of their real one 10 s after joining)
     */
    public record Settings(double targetUtilisation, Double capacityRpsPrior, double sloHeadroom, double capacityDecay,
                           double breachForgetSec, double settleSec) {
        static Settings from(Env env) {
            var prior = env.optionalNumber(new String[] {"CAPACITY_RPS"}, 0.001, 1e9);
            return new Settings(
                    env.number("TARGET_UTILIZATION", 0.7, 0.05, 1.0),
                    prior.isPresent() ? prior.getAsDouble() : null,
                    env.number("SLO_HEADROOM", 0.95, 0.1, 1.0),
                    env.number("CAPACITY_DECAY", 0.2, 0, 1),
                    env.number("BREACH_FORGET_SEC", 3600, 1, 1e9),
                    env.number("RATE_SETTLE_SEC", 15, 0, 3600));
        }
    }

    /**
     * The stage's state slice.
     *
     * @param capacityRps learned saturation throughput of one replica, or null while unknown
     * @param breach      the rate at which the SLO breaks, or null while no breach taught one
     * @param lastReady   ready replicas in the previous window (rates are learned only while the count is stable)
     * @param readySinceTs when a replica last joined (the ready count last rose)
     */
    public record Rates(Double capacityRps, BreachRate breach, int lastReady, double readySinceTs) {
        public static Rates initial() {
            return new Rates(null, null, -1, Double.NEGATIVE_INFINITY);
        }
    }

    /**
     * The rate sizing divides the load by.
     *
     * @param perReplica     the per-replica rate to plan, or null while nothing is known
     * @param capacity       the best-known rate at which one replica breaks or saturates (telemetry), or null
     * @param highestHealthy the highest per-replica rate among the recent healthy windows
     * @param basis          breach, saturation, hint, or none
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

    /** The rates after this window; {@code lastSlow}: the window before was slow (a breach right after one confirms it). */
    public Rates learn(Rates r, Window w, Verdict v, boolean lastSlow) {
        // a replica that joined within RATE_SETTLE_SEC is still cold, and a breach now would lower the rate for good:
        // -1 matches no ready count. Capacity needs no wait: a cold replica only under-states it, and a higher sample
        // replaces a lower one at once
        int stableReady = w.ts() - r.readySinceTs() >= s.settleSec() ? r.lastReady() : -1;
        Double capacity = learnCapacity(r.capacityRps(), r.lastReady(), w, v.overloaded());
        BreachRate breach = BreachRate.learn(r.breach(), w, v.overloaded(), v.errors(), stableReady, lastSlow, windowSec, s.breachForgetSec());
        // only a join restarts the wait: after a scale-down the replicas left are warm
        double since = w.readyReplicas() > r.lastReady() ? w.ts() : r.readySinceTs();
        return new Rates(capacity, breach, w.readyReplicas(), since);
    }

    /** The per-replica rate to plan for, with the error budget's multiplier on the headroom below the breach rate. */
    public PlanRate plan(Rates r, double multiplier, List<HealthySample> healthy) {
        double highestHealthy = healthy.stream().mapToDouble(HealthySample::perReplicaRps).max().orElse(0);
        Double sat = r.capacityRps() != null ? r.capacityRps() : s.capacityRpsPrior();
        Double plan = sat != null ? sat * s.targetUtilisation() : null;
        String basis = r.capacityRps() != null ? "saturation" : sat != null ? "hint" : "none";
        Double breach = r.breach() == null ? null : r.breach().rate();
        if (breach != null) {
            plan = breach * planFraction(multiplier);
            basis = "breach";
        }
        if (plan != null) plan = Math.max(plan, highestHealthy * s.targetUtilisation());
        Double capacity = sat != null ? sat : breach;
        return new PlanRate(plan, capacity, highestHealthy, basis);
    }

    /**
     * The fraction of the breach rate to plan per replica: 1 − SLO_HEADROOM off it, that headroom scaled by the error
     * budget's multiplier like the burst margin (a budget left unspent for days plans closer to the breach rate).
     */
    double planFraction(double multiplier) {
        return 1 - multiplier * (1 - s.sloHeadroom());
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
}
