package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.LoadEstimation.Load;
import dev.autoscaler.planner.policy.RateLearning.PlanRate;
import dev.autoscaler.planner.policy.Thresholds.Threshold;
import dev.autoscaler.planner.policy.Thresholds.Verdict;
import java.util.Locale;

/**
 * Stage 4: the count this window asks for, before the guardrails. With a per-replica rate, ceil(load ÷ rate): a 4×
 * step asks for about 4× the replicas in one decision. Up as soon as the demand (now or its trend) needs more; on the
 * burst margin alone only beyond SCALE_TOLERANCE; down after LOW_NEED_N low windows, to a count with DOWN_ROOM to
 * spare. Without a rate: grow by the latency ratio when slow, shrink by one when latency is low, and after EXPLORE_SEC
 * unchanged try fewer replicas so a rate can be learned.
 */
public final class Sizing {

    /**
     * @param tolerance      the load ratio must leave 1 by more than this before the burst margin alone scales up or a
     *                       scale-down happens (0.1, as HPA's tolerance)
     * @param lowNeedN       low windows in a row before a scale-down (3: the PoC's LOW_NEED_N)
     * @param downRoom       the share of its capacity a count stepped down to keeps free (0.05: a few standard deviations
     *                       of a window's counting noise at tens of replicas; without it a thin margin flaps a replica)
     * @param exploreSec     with no rate learned, after this long unchanged with p95 low try fewer replicas (1200: a load
     *                       at rest is tried rarely; 0 turns it off)
     * @param maxExploreRise an exploring step raises the per-replica rate by at most this factor (1.5; never two to one)
     */
    public record Settings(double tolerance, int lowNeedN, double downRoom, double exploreSec, double maxExploreRise) {
        static Settings from(Env env) {
            return new Settings(
                    env.number("SCALE_TOLERANCE", 0.1, 0, 0.9),
                    env.integer("LOW_NEED_N", 3, 1, 1000),
                    env.number("DOWN_ROOM", 0.05, 0, 0.5),
                    env.number("EXPLORE_SEC", 1200, 0, 30 * 86_400),
                    env.number("MAX_EXPLORE_RISE", 1.5, 1.01, 10));
        }
    }

    /**
     * The policy's proposal with its explanation.
     *
     * @param replicas   the count asked for
     * @param need       the count the load needs (for the down-stabilisation)
     * @param sized      ceil(load ÷ rate), or null without a rate
     * @param urgent     an emergency that may bypass the up-cooldown
     * @param reason     why, with the numbers
     * @param confidence how sure (0..1)
     */
    public record Proposal(int replicas, int need, Integer sized, boolean urgent, String reason, double confidence) {
        Guardrails.Proposal forGuardrails() {
            return forGuardrails(false);
        }

        Guardrails.Proposal forGuardrails(boolean probe) {
            return new Guardrails.Proposal(replicas, need, urgent, false, probe);
        }
    }

    /**
     * What sizing looks at besides the load and the rate.
     *
     * @param lowWindows      windows in a row with latency low enough to scale down, this one included
     * @param sinceLastScale  seconds since the count last changed
     * @param watchedSec      seconds the policy has watched this target
     * @param minReplicas     the lower bound (no scale-down is proposed at it)
     * @param budget          the error budget (its multiplier is shown in reasons when far from 1)
     */
    public record Context(int lowWindows, double sinceLastScale, double watchedSec, int minReplicas, ErrorBudget budget) {}

    private final Settings s;

    public Sizing(Settings s) {
        this.s = s;
    }

    public Settings settings() {
        return s;
    }

    /** ceil(load ÷ rate), or null without a rate or a load. */
    public static Integer sized(Load load, PlanRate rate) {
        return rate.known() && load.rps() > 0 ? ceil(load.rps() / rate.perReplica()) : null;
    }

    /**
     * The count a scale-down of this window steps down to: the load over the down rate with DOWN_ROOM of the capacity
     * free; null without a rate. Advice that brings a scale-down forward goes no lower either.
     */
    public Integer downTo(Load load, PlanRate rate) {
        return rate.known() && load.rps() > 0 ? ceil(load.rps() / (rate.down() * (1 - s.downRoom()))) : null;
    }

    /** Whether this window counts towards LOW_NEED_N: with a rate, any healthy window (sizing says when fewer do). */
    public boolean low(Window w, Verdict v, Threshold t, Integer sized, Thresholds thresholds) {
        return v.healthy() && (sized != null || thresholds.isLow(w.p95Ms(), t));
    }

    public Proposal propose(Window w, Verdict v, Threshold t, PlanRate rate, Load load, Context c) {
        int n = w.currentReplicas();
        Integer sized = sized(load, rate);
        if (v.noData()) return new Proposal(n, n, sized, false, "no requests measured in the window", 0.5);
        if (v.overloaded()) return overloaded(w, v, t, rate, load, c, sized);
        if (t.valueMs() == null) {
            return keep(n, sized, String.format(Locale.ROOT, "warming: %d/%d healthy windows for a baseline", t.history() + 1, t.warmup()), 0.5);
        }
        double plan = rate.known() ? rate.perReplica() : 0;
        if (sized != null && sized > n && (load.demand() > n * plan || load.rps() > n * plan * (1 + s.tolerance()))) {
            // up at once when the demand itself (now or forecast) needs more; the burst headroom alone is a noisy
            // estimate of a possibility, and acting on it without the tolerance makes a steady load flap
            String why = needs(load, w.rps(), sized, plan, c.budget()) + String.format(Locale.ROOT, " (p95 %.1f ms still under %.1f ms)", w.p95Ms(), t.valueMs());
            return new Proposal(sized, sized, sized, false, why, 0.8);
        }
        if (c.lowWindows() >= s.lowNeedN() && n > c.minReplicas()) return lowLatency(w, rate, load, c, sized);
        return keep(n, sized, String.format(Locale.ROOT, "p95 %.1f ms within threshold %.1f ms", w.p95Ms(), t.valueMs()), 0.9);
    }

    /** A healthy window keeps n but records what its load needs, so the stabilisation window does not hold n for it. */
    private static Proposal keep(int n, Integer sized, String why, double confidence) {
        return new Proposal(n, sized != null ? sized : n, sized, false, why, confidence);
    }

    private Proposal overloaded(Window w, Verdict v, Threshold t, PlanRate rate, Load load, Context c, Integer sized) {
        int n = w.currentReplicas();
        boolean starting = w.readyReplicas() < n;
        String breach = breach(w, t, v.errors());
        if (sized != null) {
            // sized <= n with a known rate: the breach is a backlog draining, not missing capacity; add one at a time,
            // not urgently, and not at all while a backlog drains (completions above arrivals) or replicas start
            int rec = sized > n ? sized : starting || w.draining() ? n : n + 1;
            String why = breach + "; " + needs(load, w.rps(), sized, rate.perReplica(), c.budget());
            return new Proposal(rec, rec, sized, v.panic() && sized > n, why, 0.9);
        }
        if (starting) {
            // the last scale-up has not arrived yet: growing again on the same evidence would overshoot
            String why = breach + String.format(Locale.ROOT, "; waiting for %d starting replica(s)", n - w.readyReplicas());
            return new Proposal(n, n, null, v.panic(), why, 0.7);
        }
        double ratio = t.valueMs() == null ? 2.0 : Math.min(2.0, w.p95Ms() / t.valueMs());
        int rec = Math.max(n + 1, (int) Math.ceil(n * ratio));
        return new Proposal(rec, rec, null, v.panic(), breach + "; capacity not learned yet, growing by the latency ratio", 0.7);
    }

    private Proposal lowLatency(Window w, PlanRate rate, Load load, Context c, Integer sized) {
        int n = w.currentReplicas();
        String low = String.format(Locale.ROOT, "p95 low for %d windows", s.lowNeedN());
        if (sized != null) {
            // as HPA: the tolerance applies to the load ratio, not to the (integer) replica count; and the count stepped
            // down to keeps DOWN_ROOM of its capacity free, or the demand's own noise takes it straight back up
            double plan = rate.perReplica();
            int down = downTo(load, rate);
            int rec = down < n && load.rps() / (n * rate.down()) < 1 - s.tolerance() ? down : n;
            return new Proposal(rec, sized, sized, false, low + "; " + needs(load, w.rps(), sized, plan, c.budget()), 0.8);
        }
        double highest = rate.highestHealthy();
        if (highest > 0 && load.rps() > 0) {
            // never above n: this is the scale-down branch, and the healthy rate falls as replicas are added
            int rec = Math.min(n, Math.max(n - 1, ceil(load.rps() / highest)));
            int fewer = ceil(n / s.maxExploreRise());
            if (rec == n && fewer < n && explores(c)) {
                return new Proposal(fewer, fewer, null, false, String.format(Locale.ROOT,
                        "%s and no per-replica rate learned in %.0f s: trying %d replicas (%.0f%% more rps each)", low, s.exploreSec(),
                        fewer, 100.0 * (n - fewer) / fewer), 0.8);
            }
            return new Proposal(rec, rec, null, false, String.format(Locale.ROOT,
                    "%s; keeping at most %.1f rps per replica (highest healthy rate seen)", low, highest), 0.8);
        }
        return new Proposal(n - 1, n - 1, null, false, low, 0.8);
    }

    /** The count has been unchanged for EXPLORE_SEC, and the policy has watched it that long. */
    private boolean explores(Context c) {
        return s.exploreSec() > 0 && Math.min(c.sinceLastScale(), c.watchedSec()) >= s.exploreSec();
    }

    /**
     * The sizing; where the load sized for is well above the rate now, how much; and the error budget's factor on the
     * burst margin when it is far enough from 1 to matter.
     */
    static String needs(Load load, double rps, int sized, double plan, ErrorBudget budget) {
        String rise = rps > 0 && load.rps() > 1.1 * rps
                ? String.format(Locale.ROOT, " (%.1f now x%.2f, %s)", rps, load.rps() / rps, load.decisive().source() + ": " + load.decisive().basis())
                : "";
        String sizing = String.format(Locale.ROOT, "%.1f rps%s needs %d replicas at %.0f rps each", load.rps(), rise, sized, plan);
        double m = budget.multiplier();
        if (Math.abs(m - 1) < 0.05) return sizing;
        return sizing + String.format(Locale.ROOT, ", burst margin x%.2f (%.2f %% of recent windows slow)", m, 100 * budget.slowRate());
    }

    private static String breach(Window w, Threshold t, boolean errors) {
        if (errors) return String.format(Locale.ROOT, "success rate %.1f%%", w.successRate() * 100);
        return String.format(Locale.ROOT, "p95 %.1f ms > %.1f ms (%.1fx)", w.p95Ms(), t.valueMs(), w.p95Ms() / t.valueMs());
    }

    /** ceil that ignores floating-point dust: 280 / (200 × 0.7) is 2.0000000000000004 and must size to 2. */
    static int ceil(double x) {
        return (int) Math.ceil(x - 1e-9);
    }
}
