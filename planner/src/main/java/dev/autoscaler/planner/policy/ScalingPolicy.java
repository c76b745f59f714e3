package dev.autoscaler.planner.policy;

import dev.autoscaler.common.msg.Plan.Action;
import dev.autoscaler.planner.policy.LoadEstimation.Load;
import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import dev.autoscaler.planner.policy.RateLearning.PlanRate;
import dev.autoscaler.planner.policy.RateLearning.Rates;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The decision policy: a pure function of (state, window, clock). No I/O, no sleeps, no wall clock — the planner
 * service, the tests and the bench all call {@link #decide} with their own clock. One decision is a composition of
 * stages, each with its own settings record and state slice:
 * <ol>
 *   <li>{@link Thresholds}: what counts as slow (the SLO, or a baseline from healthy windows only);</li>
 *   <li>{@link RateLearning}: the per-replica rate to plan (breach or saturation rate);</li>
 *   <li>{@link LoadEstimation}: the load to size for, the highest of its estimators' estimates;</li>
 *   <li>{@link Sizing}: the count the load needs, ceil(load ÷ rate), and when to move towards it;</li>
 *   <li>{@link Guardrails}: what may be applied (bounds, cooldowns, steps, down-stabilisation).</li>
 * </ol>
 * The {@link ErrorBudget} watches the outcome and scales the burst margin and the headroom below the breach rate.
 */
public final class ScalingPolicy {
    private final PolicyConfig cfg;
    private final Thresholds thresholds;
    private final RateLearning rates;
    private final LoadEstimation load;
    private final Sizing sizing;
    private final Guardrails guardrails;
    private final AdviceRules adviceRules;
    private final CapacityProbe probe;

    public ScalingPolicy(PolicyConfig cfg) {
        this.cfg = cfg;
        this.thresholds = new Thresholds(cfg.thresholds());
        this.rates = new RateLearning(cfg.rates(), cfg.windowSec());
        this.load = new LoadEstimation(cfg);
        this.sizing = new Sizing(cfg.sizing());
        this.guardrails = new Guardrails(cfg.guardrails());
        this.adviceRules = new AdviceRules(cfg.advice());
        this.probe = new CapacityProbe(cfg.probe(), cfg.sizing().downRoom(), cfg.sizing().tolerance(), cfg.windowSec());
    }

    public PolicyConfig config() {
        return cfg;
    }

    public Guardrails guardrails() {
        return guardrails;
    }

    public PolicyDecision.Result decide(PolicyState s, Window w, double now) {
        return decide(s, w, now, null, false);
    }

    /**
     * One decision, with advice judged beside the policy's own proposal: by the {@link AdviceRules}, then by the same
     * {@link Guardrails}. With {@code apply} (the decide role) advice that passes decides the window; otherwise the
     * policy's decision stands and the outcome says what the advice would have led to.
     */
    public PolicyDecision.Result decide(PolicyState s, Window w, double now, AdviceRules.Advice advice, boolean apply) {
        // a window never judges itself: the threshold comes from the history before it
        Threshold t = thresholds.of(s.healthy());
        Verdict v = thresholds.judge(w, t);
        List<HealthySample> healthy = thresholds.remember(s.healthy(), w, v);
        boolean room = thresholds.hasRoom(w, v, t);
        Rates learned = rates.learn(s.rates(), w, v, s.budget().lastSlow(), room);
        CapacityProbe.Probe probed = probe.observe(s.probe(), w, room, v.overloaded());
        PlanRate rate = rates.plan(learned, s.budget().multiplier(), healthy, probed.trialRate());
        RiseHistory rises = load.observe(s.rises(), w.rps(), now, v.overloaded());
        Load l = load.estimate(w.rps(), now, rises, s.budget());
        CapacityProbe.Probe started = probe.start(probed, w, rate.known() ? rate.down() : null, steady(w, l, rises), l.rps(), cfg.minReplicas());
        if (started != null) {
            probed = started;
            rate = rates.plan(learned, s.budget().multiplier(), healthy, probed.trialRate());
        }

        boolean low = sizing.low(w, v, t, Sizing.sized(l, rate), thresholds);
        int lowWindows = low ? Math.min(s.lowWindows() + 1, cfg.sizing().lowNeedN()) : 0;
        var context = new Sizing.Context(lowWindows, s.guard().sinceLastScale(now), s.windows() * cfg.windowSec(),
                cfg.minReplicas(), s.budget());
        Sizing.Proposal p = sizing.propose(w, v, t, rate, l, context);
        int n = w.currentReplicas();
        boolean probeStep = probed.running() && n == probed.fromCount() && p.replicas() == probed.toCount();
        var situation = new Guardrails.Situation(n, w.readyReplicas(), v.overloaded(), now);
        Guardrails.Verdict policy = guardrails.judge(s.guard(), p.forGuardrails(probeStep), situation);
        Judged judged = judge(advice, apply, s.guard(), p, situation, policy, sizing.downTo(l, rate));
        Guardrails.Verdict g = judged.verdict();
        AdviceRules.Outcome outcome = judged.outcome();

        Action action = AdviceRules.action(n, g.replicas());
        if (action == Action.scale_down) lowWindows = 0;
        PolicyState next = new PolicyState(healthy, lowWindows, learned, g.memory(), rises, budget(s.budget(), w, v, t, rate),
                s.windows() + 1, probed);
        var numbers = new PolicyDecision.Numbers(w.p95Ms(), t.baselineMs(), t.sigmaMs(), t.valueMs(), t.source(),
                lowFlags(lowWindows), n, w.readyReplicas(), w.rps(), l.rps(), l.decisive().source(), rate.perReplica(),
                rate.basis(), rate.capacity(), cfg.load().trendForecast() ? l.demand() : null, p.replicas(), g.limit(), l.estimates());
        var decision = outcome != null && outcome.applied()
                ? new PolicyDecision(action, g.replicas(), adviceReason(action, n, g, advice, reason(AdviceRules.action(n, policy.replicas()), n, policy, p)),
                        advice.confidence(), advice.source(), numbers)
                : new PolicyDecision(action, g.replicas(), reason(action, n, g, p, probed.last()), g.outOfBounds() ? 1.0 : p.confidence(),
                        "heuristic", numbers);
        return new PolicyDecision.Result(decision, next, outcome);
    }

    /** Advice judged beside the policy's verdict: what became of it, and the verdict that decides the window. */
    private record Judged(AdviceRules.Outcome outcome, Guardrails.Verdict verdict) {}

    private Judged judge(AdviceRules.Advice advice, boolean apply, Guardrails.Memory m, Sizing.Proposal p, Guardrails.Situation at,
                         Guardrails.Verdict policy, Integer downTo) {
        if (advice == null) return new Judged(null, policy);
        if (AdviceRules.MANUAL.equals(advice.source())) {
            Guardrails.Verdict manual = guardrails.manual(m, advice.targetReplicas(), at);
            return new Judged(new AdviceRules.Outcome(true, manual.limit(), manual.replicas(), true, policy.replicas()), manual);
        }
        String why = adviceRules.rejection(advice, new AdviceRules.Situation(at.current(), at.slow(), need(p, at.current()),
                downFloor(p, downTo, at.current()), policy.replicas(), at.now()));
        if (why != null) return new Judged(new AdviceRules.Outcome(false, why, policy.replicas(), false, policy.replicas()), policy);
        // the policy's need is what the down-stabilisation remembers: advice never raises the floor of later windows
        Guardrails.Verdict ga = guardrails.judge(m, new Guardrails.Proposal(advice.targetReplicas(), p.need(), p.urgent(), true), at);
        return new Judged(new AdviceRules.Outcome(true, ga.limit(), ga.replicas(), apply, policy.replicas()), apply ? ga : policy);
    }

    /**
     * The count the load needs by the policy's rate model: the count sizing asks for (the load with its burst margin over
     * the planned per-replica rate), within the bounds; the current count while no rate is known.
     */
    private int need(Sizing.Proposal p, int current) {
        return p.sized() == null ? current : guardrails.clamp(p.sized());
    }

    /**
     * The lowest count advice may scale down to: what the policy's own scale-down would leave (the need, and DOWN_ROOM
     * of the capacity free at the down rate), within the bounds; the current count while no rate is known.
     */
    private int downFloor(Sizing.Proposal p, Integer downTo, int current) {
        if (p.sized() == null || downTo == null) return current;
        return guardrails.clamp(Math.max(p.sized(), downTo));
    }

    /** Advice that decided the window: what was decided, whose advice it was and why, then what the policy said. */
    private static String adviceReason(Action action, int n, Guardrails.Verdict g, AdviceRules.Advice a, String policyReason) {
        String limit = g.limit() == null ? "" : " (" + g.limit() + ")";
        if (AdviceRules.MANUAL.equals(a.source())) {
            return String.format(java.util.Locale.ROOT, "%s%s: %s [policy: %s]", decided(action, n, g.replicas()), limit, a.reasoning(), policyReason);
        }
        return String.format(java.util.Locale.ROOT, "%s%s: %s advice, confidence %.2f: %s [policy: %s]", decided(action, n, g.replicas()),
                limit, a.source(), a.confidence(), a.reasoning(), policyReason);
    }

    /** What was decided and the number that decided it first, then the guardrail that had a say, then the policy's why. */
    static String reason(Action action, int n, Guardrails.Verdict g, Sizing.Proposal p) {
        return reason(action, n, g, p, null);
    }

    /** The same, with what the capacity probe did in this window first when it did something (null: nothing). */
    static String reason(Action action, int n, Guardrails.Verdict g, Sizing.Proposal p, String probeNote) {
        if (g.outOfBounds()) return decided(action, n, g.replicas()) + ": " + g.limit();
        String limit = g.limit() == null ? "" : " (" + g.limit() + ")";
        return decided(action, n, g.replicas()) + limit + ": " + (probeNote == null ? "" : probeNote + "; ") + p.reason();
    }

    /**
     * The load is steady: no ramp is forecast, and this window's rate is within SCALE_TOLERANCE or three standard
     * deviations of counting noise of the recent windows' mean (a probe on a rising load would learn nothing).
     */
    private boolean steady(Window w, Load l, RiseHistory rises) {
        if (l.demand() > w.rps()) return false;
        double mean = rises.recent(cfg.load().rampWindows()).stream().mapToDouble(Double::doubleValue).average().orElse(w.rps());
        double noise = 3 * Math.sqrt(Math.max(mean, 1 / cfg.windowSec()) / cfg.windowSec());
        return Math.abs(w.rps() - mean) <= Math.max(cfg.sizing().tolerance() * mean, noise);
    }

    private static String decided(Action action, int n, int target) {
        return switch (action) {
            case scale_up -> "scale up " + n + " -> " + target;
            case scale_down -> "scale down " + n + " -> " + target;
            default -> "keep " + n;
        };
    }

    /**
     * A slow window spends the budget; a wider margin could have prevented it unless its rate was beyond what the ready
     * replicas serve at the widest margin, or it is a backlog draining (the aftermath of an overload that was judged
     * when it came: a spike no margin meets leaves one behind, and that must not widen the margin either).
     */
    private ErrorBudget budget(ErrorBudget b, Window w, Verdict v, Threshold t, PlanRate rate) {
        if (t.valueMs() == null || v.noData()) return b.unmeasured();
        if (rate.perReplica() == null) return b.track(v.overloaded(), cfg);
        double widest = cfg.budget().maxMultiplier() / b.multiplier();
        return b.observe(v.overloaded(), !w.draining() && w.rps() <= w.readyReplicas() * rate.perReplica() * widest, cfg);
    }

    /** The PoC's low_windows telemetry: the last LOW_NEED_N windows, low or not, oldest first. */
    private List<Boolean> lowFlags(int lowWindows) {
        int n = cfg.sizing().lowNeedN();
        List<Boolean> flags = new ArrayList<>(Collections.nCopies(n - Math.min(n, lowWindows), false));
        flags.addAll(Collections.nCopies(Math.min(n, lowWindows), true));
        return flags;
    }
}
