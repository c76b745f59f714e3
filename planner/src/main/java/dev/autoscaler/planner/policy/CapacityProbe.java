package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import java.util.Locale;

/**
 * Learning capacity upward without a breach, the way BBR probes for bandwidth: when p95 has been low (with room on the
 * latency curve: at most ROOM_P95_FRACTION of the SLO, see {@link Thresholds#hasRoom}) for PROBE_SEC on a
 * steady load and a settled fleet, plan at the rate of the fewest replicas that raise each one's rate by no more than
 * PROBE_MAX_RISE (or, on an idle fleet, that keep each so idle that nothing can queue): the trial rate. The fleet
 * steps down; if a window turns slow, or two in a row are no longer low (one alone is as often a GC pause or a
 * busy machine), the probe fails at once (the plan falls back and sizing puts the replica back) and the trial rate
 * becomes a ceiling no probe tries again for PROBE_FORGET_SEC. If the
 * smaller fleet keeps p95 low for PROBE_SEC, the probe has succeeded: {@link RateLearning}'s proven rate has meanwhile
 * learned the rate it served, and the plan stays there.
 *
 * <p>Without it the only upward evidence is a breach: a fleet first sized from replicas still cold (a saturation
 * throughput learned in the first seconds) stays at that size for good.
 */
public final class CapacityProbe {

    /**
     * @param probeSec        p95 low, the load steady and the count unchanged for this long before a probe, and the
     *                        probe held this long before it counts (30: fifteen 2 s windows, longer than a replica's
     *                        cold spell and the down-cooldown; 0 turns probing off)
     * @param maxRise         a probe raises each replica's rate by at most this factor (1.5: as MAX_EXPLORE_RISE; from 2
     *                        replicas to 1 it would double, which only the idle rule allows)
     * @param idleConcurrency a probe is safe whatever the rise when each replica would still hold fewer than this many
     *                        requests at once (rate × p95 bounds it by Little's law) (0.5: even a one-worker app queues
     *                        rarely)
     * @param forgetSec       a failed probe's rate is not tried again for this long (3600: a load at rest pays for a failed
     *                        probe, two windows with p95 above ROOM_P95_FRACTION of the SLO, once an hour at most)
     */
    public record Settings(double probeSec, double maxRise, double idleConcurrency, double forgetSec) {
        static Settings from(Env env) {
            return new Settings(
                    env.number("PROBE_SEC", 30, 0, 86_400),
                    env.number("PROBE_MAX_RISE", 1.5, 1.01, 10),
                    env.number("PROBE_IDLE_CONCURRENCY", 0.5, 0, 100),
                    env.number("PROBE_FORGET_SEC", 3600, 0, 30 * 86_400));
        }
    }

    /**
     * The stage's state slice.
     *
     * @param trialRate   the per-replica rate a running probe plans, or null while none runs (DOWN_ROOM above the rate
     *                    it tries, {@code triedRate})
     * @param triedRate   the per-replica rate one replica fewer serves the load at
     * @param fromCount   the count the running probe stepped down from
     * @param toCount     the count it tries (one fewer, or on an idle fleet as few as keep it idle, at most half)
     * @param startedTs   when it started
     * @param reachedTs   when the fleet first served at fromCount − 1 (NaN before)
     * @param unsettledTs the last time p95 was not low, a replica was starting or leaving, or the count changed
     * @param lastCount   the count asked for in the last window
     * @param ceiling     the per-replica rate the last failed probe tried (null: none): no probe tries within
     *                    SCALE_TOLERANCE below it until it is forgotten
     * @param ceilingTs   when that probe failed
     * @param last        what the last probe did, for the reason (null: nothing to say)
     * @param wobble      the running probe's last window was not low
     */
    public record Probe(Double trialRate, double triedRate, int fromCount, int toCount, double startedTs, double reachedTs, double unsettledTs, int lastCount,
                        Double ceiling, double ceilingTs, String last, boolean wobble) {
        public static Probe initial() {
            return new Probe(null, 0, 0, 0, Double.NaN, Double.NaN, Double.NEGATIVE_INFINITY, -1, null, Double.NEGATIVE_INFINITY, null, false);
        }

        public boolean running() {
            return trialRate != null;
        }

        Probe ended(Double ceiling, double ceilingTs, String last) {
            return new Probe(null, 0, 0, 0, Double.NaN, Double.NaN, this.unsettledTs, lastCount, ceiling, ceilingTs, last, false);
        }
    }

    private final Settings s;
    private final double downRoom;
    private final double tolerance;
    private final double windowSec;

    public CapacityProbe(Settings s, double downRoom, double tolerance, double windowSec) {
        this.s = s;
        this.downRoom = downRoom;
        this.tolerance = tolerance;
        this.windowSec = windowSec;
    }

    public Settings settings() {
        return s;
    }

    /**
     * The probe after this window, before sizing: a running probe fails on a window that is not low, or succeeds once
     * the smaller fleet has kept p95 low for PROBE_SEC; and the time since which the fleet has been settled and low.
     */
    public Probe observe(Probe p, Window w, boolean low, boolean slow) {
        double now = w.ts();
        boolean settled = low && w.readyReplicas() == w.currentReplicas() && w.currentReplicas() == p.lastCount();
        double unsettled = settled ? p.unsettledTs() : now;
        Probe q = new Probe(p.trialRate(), p.triedRate(), p.fromCount(), p.toCount(), p.startedTs(), p.reachedTs(), unsettled, w.currentReplicas(), p.ceiling(),
                p.ceilingTs(), null, false);
        if (!p.running()) return q;
        if (slow || !low && p.wobble()) {
            String why = String.format(Locale.ROOT, "probe of %d replicas at %.0f rps each failed (p95 %.1f ms): back to %d",
                    p.toCount(), p.triedRate(), w.p95Ms(), p.fromCount());
            return q.ended(p.triedRate(), now, why);
        }
        double reached = Double.isNaN(p.reachedTs()) && w.readyReplicas() <= p.toCount() ? now : p.reachedTs();
        if (!Double.isNaN(reached) && now - reached >= s.probeSec() && low) {
            return q.ended(q.ceiling(), q.ceilingTs(), String.format(Locale.ROOT, "probe of %d replicas held p95 low for %.0f s",
                    p.toCount(), now - reached));
        }
        // a fleet that never got there (the executor could not remove one) gives up without a verdict
        if (now - p.startedTs() > 4 * s.probeSec() + 4 * windowSec) return q.ended(q.ceiling(), q.ceilingTs(), null);
        return new Probe(p.trialRate(), p.triedRate(), p.fromCount(), p.toCount(), p.startedTs(), reached, unsettled, w.currentReplicas(), p.ceiling(),
                p.ceilingTs(), null, !low);
    }

    /**
     * A probe started by this window, or null. {@code downRate}: the rate a scale-down sizes for now (null without a
     * plan); {@code steady}: no ramp or rise is forecast; {@code loadRps}: the load sized for.
     */
    public Probe start(Probe p, Window w, Double downRate, boolean steady, double loadRps, int minReplicas) {
        int n = w.currentReplicas();
        double now = w.ts();
        if (s.probeSec() <= 0 || p.running() || n <= minReplicas || n <= 1 || !steady || loadRps <= 0) return null;
        if (now - p.unsettledTs() < s.probeSec()) return null;
        // each replica's rate rises by n / (n − 1); idle: even so each would hold so few requests that none queues, and
        // then as few as stay that idle are tried at once (at most half: a fleet left by a load that stopped comes down
        // in a few probes, not one replica per PROBE_SEC)
        double inFlight = w.rps() * w.p95Ms() / 1000;
        boolean idle = inFlight / (n - 1) <= s.idleConcurrency();
        if (!idle && n > s.maxRise() * (n - 1) + 1e-9) return null;
        // otherwise the fewest that raise each replica's rate by at most PROBE_MAX_RISE: 8 -> 6 -> 4 -> 3 -> 2, not seven
        // probes of one (the demo's step held 8 for a need of 2 for 217 s that way)
        int to = idle ? Math.max(Math.max(minReplicas, (n + 1) / 2), (int) Math.ceil(inFlight / Math.max(s.idleConcurrency(), 1e-9) - 1e-9))
                : Math.max(minReplicas, (int) Math.ceil(n / s.maxRise() - 1e-9));
        to = Math.min(n - 1, Math.max(1, to));
        double trial = loadRps / to;
        if (downRate != null && trial / (1 - downRoom) <= downRate) return null; // sizing steps down by itself
        if (p.ceiling() != null && now - p.ceilingTs() < s.forgetSec() && trial >= (1 - tolerance) * p.ceiling()) return null;
        // sizing keeps DOWN_ROOM free on a scale-down: plan that much above the trial rate, or it would not step down
        double plan = trial / (1 - downRoom) * (1 + 1e-6);
        return new Probe(plan, trial, n, to, now, Double.NaN, p.unsettledTs(), n, p.ceiling(), p.ceilingTs(),
                String.format(Locale.ROOT, "probe: p95 low for %.0f s on a steady load, trying %d replicas at %.0f rps each%s",
                        now - p.unsettledTs(), to, trial, idle ? " (idle: under " + s.idleConcurrency() + " requests in flight each)" : ""), false);
    }
}
