package dev.autoscaler.planner.policy;

import dev.autoscaler.common.msg.Plan.Action;
import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.PolicyState.Recommendation;
import java.util.List;
import java.util.Locale;

/**
 * The decision policy: a pure function of (state, window, clock). No I/O, no sleeps, no wall clock — the
 * planner service, the tests and the bench all call {@link #decide} with their own clock.
 *
 * <p>One decision, in order:
 * <ol>
 *   <li><b>Threshold.</b> SLO mode: the SLO. Baseline mode: max(ALPHA_UP × baseline, baseline + K_SIGMA × sigma),
 *       where baseline = median and sigma = 1.4826 × MAD of recent <em>healthy</em> windows only, so a long
 *       overload never becomes the baseline.</li>
 *   <li><b>Learning.</b> A healthy window extends the baseline history and the highest healthy per-replica rate.
 *       A saturated window (demand above completions, stable replicas) teaches capacity: served / ready. A breach
 *       below saturation teaches the "breach rate", the per-replica arrival rate at which the SLO breaks
 *       ({@link BreachRate}: lowered at once, an isolated lowering forgiven within hours). Until one
 *       does, a healthy window with p95 half-way from the baseline to the threshold teaches the "near rate", a rate
 *       just below it. Every window adds to the rise history ({@link RiseHistory}).</li>
 *   <li><b>Load.</b> The highest of: the current rate; the rate times the rise that most recent start-up horizons
 *       stayed within, from a rate like this one (RISE_QUANTILE, the burst headroom), times the larger of the rise
 *       forecast by a ramp in the latest windows and the rise that recurs at this phase of an hour or a day
 *       ({@link RiseHistory}, {@link SeasonalProfile}, once its forecasts beat chance), the margin above 1 scaled by
 *       the error budget's multiplier ({@link ErrorBudget}, SLO_BUDGET_PCT); the rate that a rise recurring at this
 *       phase of an hour or a day reached in the previous cycles; Holt's trend forecast one horizon ahead (a
 *       confirmed ramp in an overload is extrapolated from its latest rate). While the rate climbs towards a recurring
 *       peak that each previous cycle stopped at, neither the ramp nor Holt's trend sizes for more than that peak.</li>
 *   <li><b>Recommendation.</b> Size proportionally: ceil(load / per-replica rate), the rate being SLO_HEADROOM × the
 *       breach rate, or the near rate while no breach is known, or TARGET_UTILIZATION × capacity while neither is,
 *       so a 4× step asks for about 4× replicas at once. Up as soon as the sized count exceeds the current one; down
 *       only when the load ratio is below 1 − SCALE_TOLERANCE for LOW_NEED_N windows, to a count with DOWN_ROOM to
 *       spare. Overloaded with no rate known: grow by the latency ratio (at most doubling); low latency for LOW_NEED_N
 *       windows: shrink by one, no further than the highest per-replica rate seen healthy, and after EXPLORE_SEC with
 *       the count unchanged to ceil(n ÷ 1.5), so a fleet started too large still finds its rate.</li>
 *   <li><b>Asymmetry and bounds.</b> Up at once (the up-cooldown applies unless p95 >= PANIC_FACTOR × threshold);
 *       down only to the highest recommendation of the last DOWN_STABILIZATION_SEC (a healthy window that keeps the
 *       count records the count its load needs; replicas still starting are not held), after the down-cooldown;
 *       MAX_STEP_UP per decision, and MAX_STEP_DOWN or MAX_STEP_DOWN_PERCENT, whichever removes more;
 *       MIN_REPLICAS..MAX_REPLICAS always.</li>
 * </ol>
 */
public final class ScalingPolicy {
    /**
     * Weight of a saturated sample below the current estimate. A sample above it replaces it at once: with the
     * replicas saturated, served/ready can only under-state what one replica does (a window that is saturated for
     * part of its length averages in idle time), so the higher sample is the better one; the slow decay lets the
     * estimate follow an app that really got slower.
     */
    private static final double CAPACITY_DECAY = 0.2;

    /**
     * The share of its capacity a count stepped down to keeps free: half the tolerance, a few standard deviations of a
     * window's counting noise at tens of replicas. Without it a thin margin flaps one replica up and down every minute
     * (2-week synthetic diurnal trace: 3852 actions, 2438 with it, at the same replica-seconds).
     */
    static final double DOWN_ROOM = 0.05;

    private final PolicyConfig cfg;

    public ScalingPolicy(PolicyConfig cfg) {
        this.cfg = cfg;
    }

    public PolicyConfig config() {
        return cfg;
    }

    public PolicyDecision.Result decide(PolicyState s, Window w, double now) {
        int n = w.currentReplicas();
        int ready = w.readyReplicas();

        // 1. thresholds from the state as it was before this window (a window never judges itself)
        double[] hist = s.healthy().stream().mapToDouble(HealthySample::p95Ms).toArray();
        Double baseline = null;
        Double sigma = null;
        if (hist.length > 0) {
            baseline = RobustStats.median(hist);
            sigma = RobustStats.sigma(hist, baseline);
        }
        boolean warm = hist.length >= cfg.warmupWindows();
        Double threshold;
        String thresholdSource;
        if (cfg.sloP95Ms() != null) {
            threshold = cfg.sloP95Ms();
            thresholdSource = "slo";
        } else if (warm) {
            threshold = Math.max(baseline * cfg.alphaUp(), baseline + cfg.kSigma() * sigma);
            thresholdSource = "baseline";
        } else if (cfg.idleHintMs() > 0) {
            threshold = cfg.idleHintMs() * cfg.alphaUp();
            thresholdSource = "idle_hint";
        } else {
            threshold = null;
            thresholdSource = "warming";
        }

        boolean noData = w.requests() == 0;
        boolean errors = !noData && w.successRate() < cfg.minSuccessRate();
        boolean slow = threshold != null && !noData && w.p95Ms() > threshold;
        boolean overloaded = slow || errors;
        boolean panic = overloaded && (errors || w.p95Ms() >= threshold * cfg.panicFactor());

        // 2. learning
        List<HealthySample> healthy = s.healthy();
        if (!noData && !overloaded) {
            double perReplica = ready > 0 ? w.rps() / ready : 0;
            healthy = PolicyState.appendCapped(healthy, new HealthySample(w.ts(), w.p95Ms(), perReplica), cfg.histWindows());
        }
        Double capacity = learnCapacity(s, w, overloaded);
        // a healthy window before this one with p95 past half-way places a first breach, and with this one teaches the near rate
        HealthySample before = previousHealthy(s, w);
        boolean beforeNear = before != null && threshold != null && baseline != null && before.p95Ms() >= nearBar(baseline, threshold);
        BreachRate breachRate = BreachRate.learn(s.breach(), w, overloaded, errors, s.lastReady(), s.budget().lastSlow(),
                beforeNear ? before : null, threshold == null ? Double.NaN : threshold, cfg.windowSec());
        Double breach = breachRate == null ? null : breachRate.rate();
        Double near = breach != null ? null : learnNear(s, w, overloaded, threshold, baseline, beforeNear);

        double healthyPerReplica = healthy.stream().mapToDouble(HealthySample::perReplicaRps).max().orElse(0);
        // the rate to plan per replica: SLO_HEADROOM below the rate at which the SLO is known to break; while that is
        // unknown, the rate at which p95 was seen near the threshold (itself below the breach, so no headroom), else
        // TARGET_UTILIZATION of the saturation throughput. Never below what a replica was recently seen to serve
        // healthily. The burst headroom is in the load, not here.
        Double sat = capacity != null ? capacity : cfg.capacityRpsPrior();
        Double plan = sat != null ? sat * cfg.targetUtilisation() : null;
        if (breach != null) plan = breach * planFraction(breach, w.rps(), s.budget().multiplier());
        else if (near != null) plan = near;
        if (plan != null) plan = Math.max(plan, healthyPerReplica * cfg.targetUtilisation());
        Double cap = sat != null ? sat : breach != null ? breach : near;
        double[] holt = holt(s, w.rps());
        RiseHistory rises = s.rises().observe(w.rps(), now, cfg, RECENT_WINDOWS);
        double forecastRps = forecast(holt, w.rps(), rises.recent(RECENT_WINDOWS), overloaded);
        double riseFactor = rises.quantile(cfg.riseQuantile());
        boolean starting = ready < n;
        // the load to size for: what most recent start-up horizons rose to from a rate like this one, or the trend
        // forecast, whichever is higher
        double demand = cfg.forecast() ? forecastRps : w.rps();
        // ... or the rate a rise that recurs at this phase reached in the previous cycles: a timer job adds its own rate
        // to whatever the base is, so the ratio it rose by from a busier base under-states it from a quiet one
        double rise = rises.forecastRise();
        double firm = rises.firmPeak(now);
        if (firm > w.rps() && rises.base() > 0) {
            // a ramp into a recurring rise that stopped at the same rate in each previous cycle is that rise climbing:
            // extrapolated, it asked for replicas the job never needed (a 5x timer burst asked for 37 replicas on the
            // way to a peak that 20 serve). Once the rate passes that peak, this cycle is another story and the ramp
            // counts again
            rise = Math.max(rises.seasonal(), Math.min(rises.trend(), firm / rises.base()));
            demand = Math.min(demand, firm);
        }
        double load = Math.max(Math.max(rises.base() * rise * s.budget().scale(riseFactor), demand), rises.recurringPeak(now));
        Integer sized = plan != null && plan > 0 && load > 0 ? ceil(load / plan) : null;
        // with a known per-replica rate, sizing itself says when fewer replicas do; without one, only a latency well
        // under the threshold does
        boolean low = !noData && !overloaded && (sized != null || isLow(w.p95Ms(), threshold, baseline, sigma));
        List<Boolean> lowWindows = PolicyState.appendCapped(s.lowWindows(), low, cfg.lowNeedN());
        boolean lowLongEnough = lowWindows.size() >= cfg.lowNeedN() && lowWindows.stream().allMatch(b -> b);

        // 3. raw recommendation
        int rec;
        String why;
        double confidence;
        if (noData) {
            rec = n;
            why = "no requests measured in the window";
            confidence = 0.5;
        } else if (overloaded) {
            if (sized != null) {
                // sized <= n with a known capacity: the breach is a backlog draining, not missing capacity;
                // add one at a time, and only outside the up-cooldown (no panic bypass for a backlog)
                // ... and while a backlog drains (completions above arrivals) the breach passes by itself
                rec = sized > n ? sized : starting || w.draining() ? n : n + 1;
                if (sized <= n) panic = false;
                why = breach(w, threshold, errors) + "; " + needs(load, w.rps(), sized, plan, s.budget());
                confidence = 0.9;
            } else if (starting) {
                // the last scale-up has not arrived yet: growing again on the same evidence would overshoot
                rec = n;
                why = breach(w, threshold, errors) + String.format(Locale.ROOT, "; waiting for %d starting replica(s)", n - ready);
                confidence = 0.7;
            } else {
                double ratio = threshold == null ? 2.0 : Math.min(2.0, w.p95Ms() / threshold);
                rec = Math.max(n + 1, (int) Math.ceil(n * ratio));
                why = breach(w, threshold, errors) + "; capacity not learned yet, growing by the latency ratio";
                confidence = 0.7;
            }
        } else if (threshold == null) {
            rec = n;
            why = String.format(Locale.ROOT, "warming: %d/%d healthy windows for a baseline", hist.length + 1, cfg.warmupWindows());
            confidence = 0.5;
        } else if (sized != null && sized > n && (demand > n * plan || load > n * plan * (1 + cfg.tolerance()))) {
            // up at once when the demand itself (now or forecast) needs more; the burst headroom alone is a noisy
            // estimate of a possibility, and acting on it without the tolerance makes a steady load flap
            rec = sized;
            why = needs(load, w.rps(), sized, plan, s.budget())
                    + String.format(Locale.ROOT, " (p95 %.1f ms still under %.1f ms)", w.p95Ms(), threshold);
            confidence = 0.8;
        } else if (lowLongEnough && n > cfg.minReplicas()) {
            if (sized != null) {
                // as HPA: the tolerance applies to the load ratio, not to the (integer) replica count; and the count
                // stepped down to keeps DOWN_ROOM of its capacity free, or the demand's own noise takes it straight
                // back up (the up-path acts on demand above capacity without a tolerance)
                int down = ceil(load / (plan * (1 - DOWN_ROOM)));
                rec = down < n && load / (n * plan) < 1 - cfg.tolerance() ? down : n;
                why = String.format(Locale.ROOT, "p95 low for %d windows; ", cfg.lowNeedN()) + needs(load, w.rps(), sized, plan, s.budget());
            } else if (healthyPerReplica > 0 && load > 0) {
                // never above n: this is the scale-down branch, and the healthy rate falls as replicas are added
                rec = Math.min(n, Math.max(n - 1, ceil(load / healthyPerReplica)));
                why = String.format(Locale.ROOT, "p95 low for %d windows; keeping at most %.1f rps per replica (highest healthy rate seen)",
                        cfg.lowNeedN(), healthyPerReplica);
                int fewer = ceil(n / MAX_EXPLORE_RISE);
                if (rec == n && fewer < n && explores(s, now)) {
                    rec = fewer;
                    why = String.format(Locale.ROOT, "p95 low for %d windows and no per-replica rate learned in %.0f s: trying %d replicas (%.0f%% more rps each)",
                            cfg.lowNeedN(), EXPLORE_SEC, fewer, 100.0 * (n - fewer) / fewer);
                }
            } else {
                rec = n - 1;
                why = String.format(Locale.ROOT, "p95 low for %d windows", cfg.lowNeedN());
            }
            confidence = 0.8;
        } else {
            rec = n;
            why = String.format(Locale.ROOT, "p95 %.1f ms within threshold %.1f ms", w.p95Ms(), threshold);
            confidence = 0.9;
        }

        // 4. bounds, stabilisation, cooldowns, max step
        int bounded = clamp(rec);
        List<Recommendation> recs = s.recommendations().stream()
                .filter(r -> now - r.ts() < cfg.downStabilisationSec()).toList();
        // the stabilisation window remembers what the load needed: a healthy window that keeps n only because the
        // latency has not been low for long enough (or the load is within the tolerance) records its sized count, not
        // n, so each step of a scale-down does not hold the fleet for another DOWN_STABILIZATION_SEC by itself
        int need = !overloaded && !noData && sized != null && rec <= n ? clamp(sized) : bounded;
        recs = PolicyState.appendCapped(recs, new Recommendation(now, need), 10_000);
        int target = bounded;
        String source = "heuristic";
        if (n < cfg.minReplicas() || n > cfg.maxReplicas()) {
            target = clamp(n);
            why = n < cfg.minReplicas() ? "below MIN_REPLICAS " + cfg.minReplicas() : "above MAX_REPLICAS " + cfg.maxReplicas();
            confidence = 1.0;
        } else if (bounded > n) {
            target = Math.min(bounded, n + cfg.maxStepUp());
            if (now - s.lastScaleUpTs() < cfg.upCooldownSec() && !panic) {
                target = n;
                why = why + String.format(Locale.ROOT, " (up-cooldown: %.0f s left)", cfg.upCooldownSec() - (now - s.lastScaleUpTs()));
            } else if (target < bounded) {
                why = why + " (MAX_STEP_UP " + cfg.maxStepUp() + ")";
            } else if (rec > bounded) {
                why = why + " (capped at MAX_REPLICAS " + cfg.maxReplicas() + ")";
            }
            if (panic && target > n && now - s.lastScaleUpTs() < cfg.upCooldownSec()) why = why + " (panic: cooldown bypassed)";
        } else if (bounded < n) {
            int stabilised = recs.stream().mapToInt(Recommendation::replicas).max().orElse(bounded);
            // the window holds ready capacity against flapping; replicas still starting have served nothing, so once the
            // load no longer needs them (a burst shorter than their start-up has passed) they are cancelled at once
            if (n > ready) stabilised = Math.min(stabilised, Math.max(bounded, ready));
            target = Math.max(Math.min(n, stabilised), lowestStepDown(n));
            double sinceAny = sinceLastScale(s, now);
            if (target >= n) {
                target = n;
                why = why + String.format(Locale.ROOT, " (held: a recommendation of %d in the last %.0f s)", stabilised,
                        cfg.downStabilisationSec());
            } else if (sinceAny < cfg.downCooldownSec()) {
                target = n;
                why = why + String.format(Locale.ROOT, " (down-cooldown: %.0f s left)", cfg.downCooldownSec() - sinceAny);
            }
        } else if (rec > cfg.maxReplicas() && overloaded) {
            why = why + " (at MAX_REPLICAS " + cfg.maxReplicas() + ")";
        }

        Action action = target > n ? Action.scale_up : target < n ? Action.scale_down : Action.noop;
        double lastUp = action == Action.scale_up ? now : s.lastScaleUpTs();
        double lastDown = action == Action.scale_down ? now : s.lastScaleDownTs();
        if (action == Action.scale_down) lowWindows = List.of();

        // a slow window spends the budget; a wider margin could have prevented it unless its rate was beyond what the
        // ready replicas serve at the widest margin, or it is a backlog draining (the aftermath of an overload that was
        // judged when it came: a spike no margin meets leaves one behind, and that must not widen the margin either)
        ErrorBudget budget;
        if (threshold == null || noData) {
            budget = s.budget().unmeasured();
        } else if (plan == null) {
            budget = s.budget().track(overloaded, cfg);
        } else {
            double widest = ErrorBudget.MAX_MULTIPLIER / s.budget().multiplier();
            budget = s.budget().observe(overloaded, !w.draining() && w.rps() <= ready * plan * widest, cfg);
        }
        PolicyState next = new PolicyState(healthy, lowWindows, capacity, lastUp, lastDown, recs, s.windows() + 1, ready, breachRate,
                holt[0], holt[1], rises, near, budget);
        var numbers = new PolicyDecision.Numbers(w.p95Ms(), baseline, sigma, threshold, thresholdSource, lowWindows, n, ready,
                load, cap, cfg.forecast() ? forecastRps : null, rec);
        return new PolicyDecision.Result(new PolicyDecision(action, target, why, confidence, source, numbers), next);
    }

    /**
     * Capacity is learned from windows in which the ready replicas were saturated: overloaded, the ready count
     * unchanged since the previous window (replicas joining or leaving mid-window skew served/ready), and demand
     * above completions (a queue is growing). A high p95 alone is not enough: a backlog draining after a
     * scale-up is slow but not saturated, and its served/ready would under-state capacity.
     */
    private Double learnCapacity(PolicyState s, Window w, boolean overloaded) {
        Double capacity = s.capacityRps();
        int ready = w.readyReplicas();
        if (!overloaded || ready <= 0 || w.servedRps() <= 0 || ready != s.lastReady()) return capacity;
        if (!w.saturated()) return capacity;
        double sample = w.servedRps() / ready;
        if (capacity == null || sample > capacity) return sample;
        return (1 - CAPACITY_DECAY) * capacity + CAPACITY_DECAY * sample;
    }

    /**
     * Standard errors of a window's per-replica arrival rate kept below the breach rate, where that is more than
     * SLO_HEADROOM takes off: a small fleet's rate is noisier (Poisson: one replica at 160 rps sees ±4.6 % over a 3 s
     * window, twenty see ±1 %). (Measured over the shared traces and their time-reversed copies, three seeds: 2 gave
     * 3 % fewer violation seconds than SLO_HEADROOM alone at the same replica-seconds; 3 was on the frontier.)
     */
    static final double PLAN_NOISE_Z = 2;

    /**
     * The fraction of the breach rate to plan per replica: 1 − SLO_HEADROOM off it, or PLAN_NOISE_Z standard errors of
     * the per-replica rate of the fleet this rate needs when that is more, and that headroom scaled by the error
     * budget's multiplier like the burst margin (a budget left unspent for days plans closer to the breach rate).
     */
    double planFraction(double breach, double rps, double multiplier) {
        double replicas = Math.max(1, rps / breach);
        double noise = PLAN_NOISE_Z * Math.sqrt(1 / (replicas * breach * cfg.windowSec()));
        return 1 - multiplier * Math.max(1 - cfg.sloHeadroom(), noise);
    }

    /** Windows in the short-term slope that confirms a rising trend. */
    private static final int RECENT_WINDOWS = 4;
    /** Holt's linear trend smoothing constants, per window. */
    private static final double HOLT_ALPHA = 0.5;
    private static final double HOLT_BETA = 0.2;

    /** {level, trend} after this window's rps. */
    private static double[] holt(PolicyState s, double rps) {
        if (s.level() == null) return new double[] {rps, 0};
        double level = HOLT_ALPHA * rps + (1 - HOLT_ALPHA) * (s.level() + s.trend());
        double trend = HOLT_BETA * (level - s.level()) + (1 - HOLT_BETA) * s.trend();
        return new double[] {level, trend};
    }

    /**
     * rps one horizon ahead (replica start-up plus one window: what a replica asked for now will meet). Only a
     * rising trend counts, added to the current rps, and at most a doubling, so noise cannot ask for a fleet.
     */
    private double forecast(double[] holt, double rps, List<Double> recent, boolean urgent) {
        // a ramp that rose in every one of the recent windows is extrapolated along its least-squares slope, starting
        // from the latest rate. Otherwise a step may have risen and gone flat, and both slopes would keep extrapolating
        // it: use the smaller of Holt's trend and the recent slope, and only when both rise
        double ls = slope(recent);
        boolean ramp = urgent && rising(recent, cfg.windowSec());
        double slope = ramp ? ls : Math.min(holt[1], ls);
        if (slope <= 0) return rps;
        double horizonWindows = cfg.horizonSec() / cfg.windowSec();
        double f = Math.max(rps, (ramp ? rps : holt[0]) + slope * horizonWindows);
        return Math.min(f, (ramp ? RAMP_CAP : 2) * rps);
    }

    /** A confirmed ramp is extrapolated to at most this multiple of the current rate (otherwise at most double). */
    static final double RAMP_CAP = 3;

    /**
     * A confirmed ramp: every recent window above the one before it, and the whole rise beyond what counting noise
     * explains (four standard deviations of one window's Poisson rate estimate, sqrt(rps / window)).
     */
    static boolean rising(List<Double> ys, double windowSec) {
        if (ys.size() < RECENT_WINDOWS) return false;
        for (int i = 1; i < ys.size(); i++) if (ys.get(i) <= ys.get(i - 1)) return false;
        double last = ys.get(ys.size() - 1);
        return last - ys.get(0) > 4 * Math.sqrt(last / windowSec);
    }

    /** Least-squares slope per window of the recent rps values (0 with fewer than all of them). */
    static double slope(List<Double> ys) {
        return ys.size() < RECENT_WINDOWS ? 0 : LineFit.of(ys).slope();
    }

    /**
     * How far from the baseline towards the threshold a healthy window's p95 must be to teach the near rate: half-way
     * is well into the rise that queueing puts before a breach (an M/M/c replica is there at about 90 % of the rate at
     * which it breaks), yet far enough above the baseline's noise that an idle fleet never teaches it. A healthy window
     * this far along also places the first breach between it and the slow window after it ({@link BreachRate#crossing}).
     */
    static final double NEAR_FRACTION = 0.5;

    /**
     * While no breach is known: the per-replica rate of the first healthy window whose p95 was past NEAR_FRACTION of
     * the way from the baseline to the threshold, as the window before it was (one noisy window is not evidence: at
     * 3 σ of latency noise it would come once an hour), with the replicas stable and no backlog draining; raised by
     * any healthy window above it. The SLO breaks above it, so sizing plans at it rather than waiting for a first
     * breach to learn a rate; without it a fleet fed a smooth rise sits at the edge of the SLO, reacting to nothing
     * until a window breaks. A breach replaces it (callers drop it once the breach rate is known).
     */
    private Double learnNear(PolicyState s, Window w, boolean overloaded, Double threshold, Double baseline, boolean beforeNear) {
        Double near = s.nearRps();
        int ready = w.readyReplicas();
        if (overloaded || ready <= 0 || w.rps() <= 0) return near;
        double perReplica = w.rps() / ready;
        if (near != null) return Math.max(near, perReplica);
        if (threshold == null || baseline == null || baseline >= threshold) return null;
        boolean twice = beforeNear && w.p95Ms() >= nearBar(baseline, threshold);
        return twice && ready == s.lastReady() && !w.draining() ? perReplica : null;
    }

    private static double nearBar(double baseline, double threshold) {
        return baseline + NEAR_FRACTION * (threshold - baseline);
    }

    /** The window before this one, if it was healthy. */
    private HealthySample previousHealthy(PolicyState s, Window w) {
        List<HealthySample> h = s.healthy();
        HealthySample last = h.isEmpty() ? null : h.get(h.size() - 1);
        return last != null && w.ts() - last.ts() <= 1.5 * cfg.windowSec() ? last : null;
    }

    /**
     * Latency low enough to allow a scale-down. SLO mode: at most LOW_P95_FRACTION of the SLO, or at or below the usual
     * healthy p95 (the baseline); an app whose idle p95 is already close to the SLO would otherwise never scale down.
     * Baseline mode: near the baseline, as in the PoC.
     */
    private boolean isLow(double p95, Double threshold, Double baseline, Double sigma) {
        if (threshold == null) return false;
        double b = baseline != null ? baseline : cfg.idleHintMs();
        double sd = sigma != null ? sigma : 0;
        boolean nearBaseline = b > 0 && p95 <= b * cfg.betaDown() + Math.max(5.0, 0.25 * sd);
        if (cfg.sloP95Ms() != null) return p95 <= cfg.sloP95Ms() * cfg.lowFraction() || (nearBaseline && p95 < cfg.sloP95Ms());
        return nearBaseline;
    }

    /**
     * With no per-replica rate learned, the scale-down keeps each replica's rate at most the highest seen healthy. A fleet
     * larger than its load needs (started so, or left so by a load that fell) would stay that large: nothing raises a
     * replica's rate to where p95 teaches one. After this long with the count unchanged and p95 low, fewer replicas are
     * tried; a breach or p95 half-way to the threshold then teaches the rate, and sizing takes over. Twenty minutes, so
     * that a load at rest is tried rarely. The bench does not start a run too large (every policy starts with what the
     * first second needs), so there it only moves along the frontier: over the shared traces, their time-reversed copies
     * and synthetic loads (three seeds), 0.4 % fewer replica-seconds for 2.7 % more violation seconds, most of both on a
     * 3× step and the 105-minute World Cup swim, which learn their rate from the breach a step down brings forward. 600 s
     * gave 5.9 % more violation seconds for the same saving; 1800 s the same as 1200 s.
     */
    static final double EXPLORE_SEC = 1200;
    /**
     * An exploring step raises the per-replica rate by at most this factor: to ceil(n ÷ 1.5) replicas, and never from two
     * replicas to one, which doubles it.
     */
    static final double MAX_EXPLORE_RISE = 1.5;

    /** The count has been unchanged for EXPLORE_SEC, and the policy has watched it that long. */
    private boolean explores(PolicyState s, double now) {
        return Math.min(sinceLastScale(s, now), s.windows() * cfg.windowSec()) >= EXPLORE_SEC;
    }

    private static double sinceLastScale(PolicyState s, double now) {
        return now - Math.max(s.lastScaleUpTs(), s.lastScaleDownTs());
    }

    /**
     * The sizing; where the load sized for is well above the rate now, how much (otherwise "1266 rps needs 11" under a
     * steady 325 rps reads as a bug); and the error budget's factor on the burst margin when it is far enough from 1 to
     * matter.
     */
    private static String needs(double load, double rps, int sized, double plan, ErrorBudget budget) {
        String rise = rps > 0 && load > 1.1 * rps
                ? String.format(Locale.ROOT, " (%.1f now x%.2f, the rise expected before a replica asked for now is ready)", rps, load / rps)
                : "";
        String sizing = String.format(Locale.ROOT, "%.1f rps%s needs %d replicas at %.0f rps each", load, rise, sized, plan);
        double m = budget.multiplier();
        if (Math.abs(m - 1) < 0.05) return sizing;
        return sizing + String.format(Locale.ROOT, ", burst margin x%.2f (%.2f %% of recent windows slow)", m, 100 * budget.slowRate());
    }

    private static String breach(Window w, Double threshold, boolean errors) {
        if (errors) return String.format(Locale.ROOT, "success rate %.1f%%", w.successRate() * 100);
        return String.format(Locale.ROOT, "p95 %.1f ms > %.1f ms (%.1fx)", w.p95Ms(), threshold, w.p95Ms() / threshold);
    }

    /** ceil that ignores floating-point dust: 280 / (200 × 0.7) is 2.0000000000000004 and must size to 2. */
    static int ceil(double x) {
        return (int) Math.ceil(x - 1e-9);
    }

    /** The fewest replicas one scale-down from n may leave: MAX_STEP_DOWN fewer, or MAX_STEP_DOWN_PERCENT fewer if more. */
    private int lowestStepDown(int n) {
        int byPercent = (int) Math.floor(n * (1 - cfg.maxStepDownPercent() / 100) + 1e-9);
        return Math.min(n - cfg.maxStepDown(), byPercent);
    }

    private int clamp(int r) {
        return Math.max(cfg.minReplicas(), Math.min(cfg.maxReplicas(), r));
    }
}
