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
 * rate recently seen healthy, nor below the <b>proven rate</b>: the per-replica rate a settled fleet served for two windows in a
 * row with p95 low (at most ROOM_P95_FRACTION of the SLO), so the plan rises without a breach towards what one replica
 * really serves, and a {@link CapacityProbe} can try one replica fewer to show it. The burst headroom belongs to the load
 * ({@link LoadEstimation}), not here.
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
     * @param provenRate           plan at least the proven rate (true: without it a fleet sized from a saturation
     *                             throughput learned on cold replicas never plans more per replica than that)
     * @param provenReach          the proven rate is this far above the rate that kept p95 low (0.1, SCALE_TOLERANCE's
     *                             width: p95 at most ROOM_P95_FRACTION of the SLO there, so the SLO holds beyond it; without
     *                             it a steady load's own noise, as a burst margin of 1.1, adds back the replica a probe
     *                             showed was not needed)
     */
    public record Settings(double targetUtilisation, Double capacityRpsPrior, double sloHeadroom, double capacityDecay,
                           double breachForgetSec, double settleSec, boolean provenRate, double provenReach) {
        static Settings from(Env env) {
            var prior = env.optionalNumber(new String[] {"CAPACITY_RPS"}, 0.001, 1e9);
            return new Settings(
                    env.number("TARGET_UTILIZATION", 0.7, 0.05, 1.0),
                    prior.isPresent() ? prior.getAsDouble() : null,
                    env.number("SLO_HEADROOM", 0.95, 0.1, 1.0),
                    env.number("CAPACITY_DECAY", 0.2, 0, 1),
                    env.number("BREACH_FORGET_SEC", 3600, 1, 1e9),
                    env.number("RATE_SETTLE_SEC", 15, 0, 3600),
                    env.bool("PROVEN_RATE", true),
                    env.number("PROVEN_REACH", 0.1, 0, 1));
        }
    }

    /**
     * The stage's state slice.
     *
     * @param capacityRps learned saturation throughput of one replica, or null while unknown
     * @param breach      the rate at which the SLO breaks, or null while no breach taught one
     * @param lastReady   ready replicas in the previous window (rates are learned only while the count is stable)
     * @param readySinceTs when a replica last joined (the ready count last rose)
     * @param proven      the proven rate: the highest per-replica rate that two windows in a row served with p95 low on
     *                    a settled fleet (the lower of the two, so one Poisson high is not proof), or null while none
     * @param lastLow     the previous window's per-replica rate if it could prove one, else null
     */
    public record Rates(Double capacityRps, BreachRate breach, int lastReady, double readySinceTs, Double proven, Double lastLow) {
        public Rates(Double capacityRps, BreachRate breach, int lastReady, double readySinceTs) {
            this(capacityRps, breach, lastReady, readySinceTs, null, null);
        }

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
     * @param basis          breach, saturation, hint, proven, probe, or none
     * @param downRate       the rate a scale-down may size for (null: perReplica): on the proven basis the rate that
     *                       really kept p95 low, without PROVEN_REACH, so only a probe, which can fail, goes below it
     */
    public record PlanRate(Double perReplica, Double capacity, double highestHealthy, String basis, Double downRate) {
        public PlanRate(Double perReplica, Double capacity, double highestHealthy, String basis) {
            this(perReplica, capacity, highestHealthy, basis, null);
        }

        /** The rate a scale-down sizes for. */
        public double down() {
            return downRate != null ? downRate : perReplica;
        }

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
        return learn(r, w, v, lastSlow, false);
    }

    /** The same, {@code low}: the window's p95 left room on the latency curve ({@link Thresholds#hasRoom}: it may prove a rate). */
    public Rates learn(Rates r, Window w, Verdict v, boolean lastSlow, boolean low) {
        // a replica that joined within RATE_SETTLE_SEC is still cold, and a breach now would lower the rate for good:
        // -1 matches no ready count. Capacity needs no wait: a cold replica only under-states it, and a higher sample
        // replaces a lower one at once
        int stableReady = w.ts() - r.readySinceTs() >= s.settleSec() ? r.lastReady() : -1;
        Double capacity = learnCapacity(r.capacityRps(), r.lastReady(), w, v.overloaded());
        BreachRate breach = BreachRate.learn(r.breach(), w, v.overloaded(), v.errors(), stableReady, lastSlow, windowSec, s.breachForgetSec());
        // only a join restarts the wait: after a scale-down the replicas left are warm
        double since = w.readyReplicas() > r.lastReady() ? w.ts() : r.readySinceTs();
        Double lowRate = stableReady > 0 && low && v.healthy() && w.readyReplicas() == w.currentReplicas() && !w.draining()
                && w.readyReplicas() == stableReady ? w.rps() / w.readyReplicas() : null;
        Double proven = r.proven();
        if (lowRate != null && r.lastLow() != null) proven = max(proven, Math.min(lowRate, r.lastLow()) * (1 + s.provenReach()));
        // a breach confirmed by the window before is the app's limit now (it may have got slower): nothing above it is proven
        if (proven != null && v.overloaded() && lastSlow && breach != null && breach.rate() < proven && breach != r.breach()) {
            proven = breach.rate() * s.sloHeadroom();
        }
        return new Rates(capacity, breach, w.readyReplicas(), since, proven, lowRate);
    }

    private static Double max(Double a, double b) {
        return a == null ? b : Math.max(a, b);
    }

    /** The per-replica rate to plan for, with the error budget's multiplier on the headroom below the breach rate. */
    public PlanRate plan(Rates r, double multiplier, List<HealthySample> healthy) {
        return plan(r, multiplier, healthy, null);
    }

    /**
     * The same, with a probe's trial rate ({@link CapacityProbe}; null without a probe): while a probe runs, the plan is
     * at least the rate it tries, so sizing holds the fleet one replica smaller until the probe ends.
     */
    public PlanRate plan(Rates r, double multiplier, List<HealthySample> healthy, Double trial) {
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
        Double down = null;
        if (s.provenRate() && r.proven() != null && (plan == null || r.proven() > plan)) {
            down = Math.max(plan == null ? 0 : plan, r.proven() / (1 + s.provenReach()));
            plan = r.proven();
            basis = "proven";
        }
        if (trial != null && (plan == null || trial > plan)) {
            plan = trial;
            basis = "probe";
            down = null;
        }
        Double capacity = sat != null ? sat : breach;
        return new PlanRate(plan, capacity, highestHealthy, basis, down);
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
