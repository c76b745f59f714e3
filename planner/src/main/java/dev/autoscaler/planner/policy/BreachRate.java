package dev.autoscaler.planner.policy;

/**
 * The per-replica arrival rate at which the SLO breaks, learned from breaches that are neither saturation (demand
 * above completions) nor a backlog draining (completions above demand), with the replica count unchanged. Sizing
 * plans SLO_HEADROOM below it.
 *
 * <p>A breach lowers the rate at once: the next burst must not meet a fleet planned above it. But one slow window is
 * weak evidence. Arrivals are bursty within a window (Poisson: on 2 replicas at 140 rps each, one second in a day
 * carries 180 rps per replica), and a GC pause or a slow dependency can break one window at any rate; such a breach
 * set as the rate for good keeps the fleet 10 % larger for the rest of its life, as nothing raises it again once the
 * fleet plans below it. So an isolated breach is forgiven: the rate returns towards the {@code ceiling} (the rate
 * before the lowering) over about BREACH_FORGET_SEC. A breach in the window right after a slow one confirms
 * it: the ceiling comes down to the rate, and nothing is forgiven. The breaches of a real overload come in runs; a
 * rate that really broke comes back within the hour and is lowered again.
 *
 * <p>A healthy window above the rate raises it (and the ceiling) at once: that rate demonstrably held.
 *
 * @param rate    the rate sizing plans below, per replica
 * @param ceiling the rate it returns to while no breach confirms the last lowering (at least {@code rate})
 */
public record BreachRate(double rate, double ceiling) {
    /**
     * The breach rate after a window ({@code prev} null while none is known; the result is null until a breach teaches
     * one).
     *
     * @param overloaded the window was over the threshold or had errors
     * @param errors     its success rate was too low (errors say nothing about the rate at which latency breaks)
     * @param lastReady  ready replicas in the window before, or -1 while the fleet has not settled (a changing fleet
     *                   skews the per-replica rate)
     * @param lastSlow   the window before was over the threshold too
     * @param forgetSec  the time constant of forgiving an unconfirmed lowering
     */
    public static BreachRate learn(BreachRate prev, Window w, boolean overloaded, boolean errors, int lastReady,
                                   boolean lastSlow, double windowSec, double forgetSec) {
        int ready = w.readyReplicas();
        boolean measured = ready > 0 && w.rps() > 0;
        double perReplica = measured ? w.rps() / ready : 0;
        boolean sample = measured && overloaded && !errors && ready == lastReady && !w.saturated() && !w.draining();
        if (prev == null) {
            return sample ? new BreachRate(perReplica, perReplica) : null;
        }
        double rate = prev.rate;
        double ceiling = prev.ceiling;
        if (!overloaded) {
            rate += (ceiling - rate) * (1 - Math.exp(-windowSec / forgetSec));
            if (measured && perReplica > rate) rate = perReplica;
            return new BreachRate(rate, Math.max(ceiling, rate));
        }
        if (!sample) return prev;
        rate = Math.min(rate, perReplica);
        return new BreachRate(rate, lastSlow ? rate : ceiling);
    }
}
