package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyState.Recommendation;
import java.util.List;
import java.util.Locale;

/**
 * Stage 5: what may be applied. Takes any proposal (the policy's own, and in time the LLM advisor's or an operator's
 * manual scale) and returns the replica count that may run after it, and which rule, if any, changed or held it:
 * <ul>
 *   <li>bounds: MIN_REPLICAS..MAX_REPLICAS always;</li>
 *   <li>advice (a firm proposal): at most ADVICE_MAX_EXTRA_REPLICAS or ADVICE_MAX_EXTRA_FRACTION of the need, whichever
 *       is more, above the count the policy sizes the load for (or above the count advice found, when lower: see
 *       {@link Memory#adviceBase}), so that a wrong advisor costs a bounded extra;</li>
 *   <li>up: at most MAX_STEP_UP more; UP_COOLDOWN_SEC since the last scale-up, unless the proposal is urgent (panic);</li>
 *   <li>down: never while the window is slow; only to the highest need of the last DOWN_STABILIZATION_SEC (replicas
 *       still starting are not held: once the load no longer needs them they are cancelled); DOWN_COOLDOWN_SEC after
 *       any scaling; at most MAX_STEP_DOWN or MAX_STEP_DOWN_PERCENT of the replicas, whichever removes more.</li>
 * </ul>
 * Pure: its state slice ({@link Memory}) goes in and comes out.
 */
public final class Guardrails {
    static final int DEFAULT_ADVICE_EXTRA_REPLICAS = 1;
    static final double DEFAULT_ADVICE_EXTRA_FRACTION = 0.25;

    /**
     * @param minReplicas          the fewest replicas (1)
     * @param maxReplicas          the most replicas (10: a demo machine's worth)
     * @param upCooldownSec        seconds between scale-ups outside the panic path (0: sizing is absolute, so a second
     *                             scale-up soon after the first only follows a higher measured load, and waiting only
     *                             meets it later)
     * @param downCooldownSec      seconds after any scaling before a scale-down (COOLDOWN_SEC, 20: the PoC's cooldown
     *                             between impactful actions; a new replica's effect is measured first)
     * @param maxStepUp            replicas added per decision at most (10)
     * @param maxStepDown          replicas removed per decision at most, unless the percentage removes more (4)
     * @param maxStepDownPercent   a scale-down may instead remove this percentage of the replicas (50, as KPA halves at
     *                             most and HPA's Percent policy: a count alone took minutes to bring 30 replicas down)
     * @param downStabilisationSec scale down only to the highest need of this many seconds (30: short, because the
     *                             burst headroom is already in every need)
     * @param adviceExtraReplicas  advice may hold this many replicas above the need (ADVICE_MAX_EXTRA_REPLICAS, 1: room
     *                             for an advisor that knows of an event the load does not show yet, while a wrong one
     *                             adds at most one replica, not the MAX_REPLICAS a random advisor reached)
     * @param adviceExtraFraction  or this share of the need, when that is more (ADVICE_MAX_EXTRA_FRACTION, 0.25: at
     *                             tens of replicas one replica is within the counting noise, a quarter is a real margin;
     *                             bench/README.md measures what random and contrarian advice cost with it)
     */
    public record Settings(int minReplicas, int maxReplicas, double upCooldownSec, double downCooldownSec, int maxStepUp,
                           int maxStepDown, double maxStepDownPercent, double downStabilisationSec, int adviceExtraReplicas,
                           double adviceExtraFraction) {
        public Settings {
            if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
                throw new dev.autoscaler.common.config.ConfigException("invalid MIN_REPLICAS=" + minReplicas + " / MAX_REPLICAS="
                        + maxReplicas + ": expected 0 <= MIN_REPLICAS <= MAX_REPLICAS and MAX_REPLICAS >= 1");
            }
        }

        /** The same with the advice bound at its defaults. */
        public Settings(int minReplicas, int maxReplicas, double upCooldownSec, double downCooldownSec, int maxStepUp, int maxStepDown,
                        double maxStepDownPercent, double downStabilisationSec) {
            this(minReplicas, maxReplicas, upCooldownSec, downCooldownSec, maxStepUp, maxStepDown, maxStepDownPercent,
                    downStabilisationSec, DEFAULT_ADVICE_EXTRA_REPLICAS, DEFAULT_ADVICE_EXTRA_FRACTION);
        }

        static Settings from(Env env) {
            double cooldown = env.number("COOLDOWN_SEC", 20, 0, 86_400);
            return new Settings(
                    env.integer("MIN_REPLICAS", 1, 0, 10_000),
                    env.integer("MAX_REPLICAS", 10, 1, 10_000),
                    env.number("UP_COOLDOWN_SEC", 0, 0, 86_400),
                    env.number("DOWN_COOLDOWN_SEC", cooldown, 0, 86_400),
                    env.integer("MAX_STEP_UP", 10, 1, 10_000),
                    env.integer("MAX_STEP_DOWN", 4, 1, 10_000),
                    env.number("MAX_STEP_DOWN_PERCENT", 50, 0, 100),
                    env.number("DOWN_STABILIZATION_SEC", 30, 0, 86_400),
                    env.integer("ADVICE_MAX_EXTRA_REPLICAS", DEFAULT_ADVICE_EXTRA_REPLICAS, 0, 10_000),
                    env.number("ADVICE_MAX_EXTRA_FRACTION", DEFAULT_ADVICE_EXTRA_FRACTION, 0, 100));
        }

        Settings withBounds(int min, int max) {
            return new Settings(min, max, upCooldownSec, downCooldownSec, maxStepUp, maxStepDown, maxStepDownPercent, downStabilisationSec,
                    adviceExtraReplicas, adviceExtraFraction);
        }

        /** The most advice may run above a need of {@code need}. */
        int adviceExtra(int need) {
            return Math.max(adviceExtraReplicas, (int) Math.floor(adviceExtraFraction * need + 1e-9));
        }
    }

    /**
     * The state slice: when the count last went up and down, and the needs inside the stabilisation window.
     *
     * @param adviceBase while replicas advice added may still run, the count advice's extra is counted from: the count
     *                   it found the fleet at, or the need when lower, or the need when the load outgrew the extra;
     *                   null when none. Without it, advice held window after window would add its extra again each
     *                   window wherever the need follows the count (with no rate learned, the policy sizes for the
     *                   count it has)
     */
    public record Memory(double lastScaleUpTs, double lastScaleDownTs, List<Recommendation> needs, Integer adviceBase) {
        public Memory {
            needs = needs == null ? List.of() : List.copyOf(needs);
        }

        public Memory(double lastScaleUpTs, double lastScaleDownTs, List<Recommendation> needs) {
            this(lastScaleUpTs, lastScaleDownTs, needs, null);
        }

        Memory withAdviceBase(Integer base) {
            return new Memory(lastScaleUpTs, lastScaleDownTs, needs, base);
        }

        public static Memory initial() {
            return new Memory(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, List.of());
        }

        /** Seconds since the count last changed, either way. */
        public double sinceLastScale(double now) {
            return now - Math.max(lastScaleUpTs, lastScaleDownTs);
        }
    }

    /**
     * A proposal to judge.
     *
     * @param replicas the count proposed
     * @param need     the count the load needs, remembered for the down-stabilisation (a window that keeps the count only
     *                 because latency has not been low for long enough records what its load needs, so each step of a
     *                 scale-down is not held by the step before it)
     * @param urgent   an emergency (p95 far over the threshold): bypasses the up-cooldown
     * @param firm     advice: a scale-down goes no lower than {@code replicas}, whatever the remembered needs allow (it is
     *                 judged with the policy's need, which may be lower than what it asks), and {@code replicas} is cut to
     *                 the need plus the advice extra (an operator's manual scale does not come here: see {@link #manual})
     * @param probe    a capacity probe's step down by one: the stabilisation window does not hold it (it is undone at
     *                 once if the windows turn), the other rules do
     */
    public record Proposal(int replicas, int need, boolean urgent, boolean firm, boolean probe) {
        public Proposal(int replicas, int need, boolean urgent, boolean firm) {
            this(replicas, need, urgent, firm, false);
        }

        public Proposal(int replicas, int need, boolean urgent) {
            this(replicas, need, urgent, false, false);
        }
    }

    /**
     * What the window looks like to the guardrails.
     *
     * @param current replicas asked for so far
     * @param ready   replicas serving
     * @param slow    the window was over the threshold (or had errors)
     */
    public record Situation(int current, int ready, boolean slow, double now) {}

    /**
     * The judgement.
     *
     * @param replicas   the count that may run
     * @param limit      the rule that changed or held the proposal, or null when it passed as it was
     * @param outOfBounds the current count itself was outside the bounds, and the proposal was replaced by the bound
     * @param memory     the state slice after it
     */
    public record Verdict(int replicas, String limit, boolean outOfBounds, Memory memory) {}

    private final Settings s;

    public Guardrails(Settings s) {
        this.s = s;
    }

    public Settings settings() {
        return s;
    }

    /** The count that may run after {@code asked}, and the rule that changed or held it (advice cut first). */
    public Verdict judge(Memory m, Proposal asked, Situation at) {
        if (!asked.firm()) return policyVerdict(m, judgeBounded(m, asked, at), at.current());
        int need = clamp(asked.need());
        int found = Math.min(need, m.adviceBase() != null ? m.adviceBase() : at.current());
        // a load that outgrew advice's allowance is the policy's to size: the extra counts from its need again
        int base = need > found + s.adviceExtra(found) ? need : found;
        int most = base + s.adviceExtra(base);
        // at or beyond MAX_REPLICAS the bound says nothing the clamp to it does not
        boolean cut = asked.replicas() > most && most < s.maxReplicas();
        Proposal p = cut ? new Proposal(most, asked.need(), asked.urgent(), true, asked.probe()) : asked;
        Verdict v = judgeBounded(m, p, at);
        Memory after = v.memory().withAdviceBase(v.replicas() > base ? base : null);
        if (!cut || v.outOfBounds()) return new Verdict(v.replicas(), v.limit(), v.outOfBounds(), after);
        String why = base == need
                ? String.format(Locale.ROOT, "advice cut to %d: at most %d above the %d the load needs", most, most - need, need)
                : String.format(Locale.ROOT, "advice cut to %d: at most %d above the %d it found (the load needs %d)", most, most - base, base, need);
        return new Verdict(v.replicas(), v.limit() == null ? why : why + "; " + v.limit(), false, after);
    }

    /**
     * The policy's own verdict keeps the advice base while replicas advice added may still run: the count stays above
     * it and the policy did not scale up (a scale-up of its own is its need, not advice's).
     */
    private static Verdict policyVerdict(Memory m, Verdict v, int current) {
        Integer base = m.adviceBase();
        boolean keep = base != null && v.replicas() > base && v.replicas() <= current;
        return new Verdict(v.replicas(), v.limit(), v.outOfBounds(), v.memory().withAdviceBase(keep ? base : null));
    }

    private Verdict judgeBounded(Memory m, Proposal p, Situation at) {
        int n = at.current();
        int bounded = clamp(p.replicas());
        List<Recommendation> needs = PolicyState.appendCapped(
                m.needs().stream().filter(r -> at.now() - r.ts() < s.downStabilisationSec()).toList(),
                new Recommendation(at.now(), clamp(p.need())), 10_000);
        int target;
        String limit = null;
        boolean outOfBounds = n < s.minReplicas() || n > s.maxReplicas();
        if (outOfBounds) {
            target = clamp(n);
            limit = n < s.minReplicas() ? "below MIN_REPLICAS " + s.minReplicas() : "above MAX_REPLICAS " + s.maxReplicas();
        } else if (bounded > n) {
            target = Math.min(bounded, n + s.maxStepUp());
            limit = upLimit(m, p, at, bounded, target);
            if (limit != null && limit.startsWith("up-cooldown")) target = n;
        } else if (bounded < n) {
            List<Recommendation> held = p.probe() ? List.of() : needs;
            target = p.firm() ? Math.max(bounded, down(m, at, bounded, held)) : down(m, at, bounded, held);
            limit = target < n ? null : downLimit(m, at, bounded, held);
        } else {
            target = n;
            if (p.replicas() > s.maxReplicas() && at.slow()) limit = "at MAX_REPLICAS " + s.maxReplicas();
        }
        return new Verdict(target, limit, outOfBounds, after(m, n, target, at.now(), needs));
    }

    /**
     * An operator's manual scale: only the bounds apply (the operator chose the count and the moment, so no step,
     * cooldown or stabilisation stands in the way).
     */
    public Verdict manual(Memory m, int replicas, Situation at) {
        int target = clamp(replicas);
        String limit = target == replicas ? "manual" : "manual, " + (replicas < target ? "raised to MIN_REPLICAS " : "capped at MAX_REPLICAS ") + target;
        // the operator's count: no replica in it is advice's
        return new Verdict(target, limit, false, after(m, at.current(), target, at.now(), m.needs()).withAdviceBase(null));
    }

    /** The memory after going from {@code n} to {@code target}: a move stamps its direction's time. */
    private static Memory after(Memory m, int n, int target, double now, List<Recommendation> needs) {
        return new Memory(target > n ? now : m.lastScaleUpTs(), target < n ? now : m.lastScaleDownTs(), needs, m.adviceBase());
    }

    /** Why a scale-up is held or cut, or null when it may go ahead whole. */
    private String upLimit(Memory m, Proposal p, Situation at, int bounded, int target) {
        double since = at.now() - m.lastScaleUpTs();
        boolean cooling = since < s.upCooldownSec();
        if (cooling && !p.urgent()) return String.format(Locale.ROOT, "up-cooldown: %.0f s left", s.upCooldownSec() - since);
        String limit = null;
        if (target < bounded) limit = "MAX_STEP_UP " + s.maxStepUp();
        else if (p.replicas() > bounded) limit = "capped at MAX_REPLICAS " + s.maxReplicas();
        if (cooling) limit = limit == null ? "panic: cooldown bypassed" : limit + "; panic: cooldown bypassed";
        return limit;
    }

    /**
     * Where a scale-down may go: the highest need of the stabilisation window (but replicas still starting have served
     * nothing, so once the load no longer needs them they are cancelled), no further than one step, and not at all
     * while slow or inside the down-cooldown.
     */
    private int down(Memory m, Situation at, int bounded, List<Recommendation> needs) {
        int n = at.current();
        if (at.slow()) return n;
        int stabilised = stabilised(at, bounded, needs);
        int target = Math.max(Math.min(n, stabilised), lowestStepDown(n));
        if (target >= n || m.sinceLastScale(at.now()) < s.downCooldownSec()) return n;
        return target;
    }

    private String downLimit(Memory m, Situation at, int bounded, List<Recommendation> needs) {
        if (at.slow()) return "no scale-down while slow";
        int stabilised = stabilised(at, bounded, needs);
        if (Math.max(Math.min(at.current(), stabilised), lowestStepDown(at.current())) >= at.current()) {
            return String.format(Locale.ROOT, "held: a need of %d in the last %.0f s", stabilised, s.downStabilisationSec());
        }
        return String.format(Locale.ROOT, "down-cooldown: %.0f s left", s.downCooldownSec() - m.sinceLastScale(at.now()));
    }

    private int stabilised(Situation at, int bounded, List<Recommendation> needs) {
        int stabilised = needs.stream().mapToInt(Recommendation::replicas).max().orElse(bounded);
        if (at.current() > at.ready()) stabilised = Math.min(stabilised, Math.max(bounded, at.ready()));
        return stabilised;
    }

    /** The fewest replicas one scale-down from n may leave: MAX_STEP_DOWN fewer, or MAX_STEP_DOWN_PERCENT fewer if more. */
    private int lowestStepDown(int n) {
        int byPercent = (int) Math.floor(n * (1 - s.maxStepDownPercent() / 100) + 1e-9);
        return Math.min(n - s.maxStepDown(), byPercent);
    }

    int clamp(int r) {
        return Math.max(s.minReplicas(), Math.min(s.maxReplicas(), r));
    }
}
