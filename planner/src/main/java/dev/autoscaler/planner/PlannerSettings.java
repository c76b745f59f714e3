package dev.autoscaler.planner;

import dev.autoscaler.common.config.Env;

/**
 * The planner service's own settings (the policy's are in {@code PolicyConfig}, the LLM's in {@code LlmSettings}).
 *
 * @param mode            enforce (write desired), advise (publish only) or off
 * @param leaseSec        the ttl of each target's lease and of a planner's membership: another planner takes a stopped
 *                        one's targets about this long after it stops (or a restarted one acts again); two windows, so a renewal lost to a 3 s Redis
 *                        restart does not hand over, and a killed planner is replaced within two windows
 * @param maxTargets      targets the planner keeps state for; windows for more are counted and dropped, so a stream
 *                        of made-up target names cannot grow its memory without bound
 * @param unknownHoldSec  how long an empty registry is taken for "count unknown" (held) before it is believed (a fleet
 *                        scaled to zero); several RECONCILE_SEC, the time the executor needs to re-register
 * @param election        who decides which planner acts: redis (the lease above, anywhere) or kubernetes (a
 *                        coordination.k8s.io Lease, PLANNER_KUBE_LEASE_NAME and the KUBE_LEASE_* timings: it survives
 *                        a Redis restart and kubectl shows the holder); writes are fenced in Redis either way
 * @param lanes           windows of different targets decided at once (one target's always in order): a decision waits
 *                        on Redis most of its time, so a few more than the cores keeps them busy at a thousand targets
 * @param stateSaveSec    how often a target's policy state (a few KB) is saved for a takeover, and at once after a scale:
 *                        a standby that takes over continues from a state this old with the last scale exact; saving
 *                        every window was a third of a decision's CPU at a thousand targets
 * @param risesSaveSec    how often a target's rise memory (tens of KB of seasonal rings) is saved; the rest of the
 *                        state as above. A takeover loses at most this much of the rise memory
 * @param historyWindows  windows kept per target in {@code history:{t}} for the dashboard's charts (approximately):
 *                        100 minutes at the default 3 s; each costs Redis about 2.5 KB, so 5 MB a target; fewer where
 *                        there are many targets
 * @param shadows         run HPA and KPA beside the policy on every window and publish what they would hold
 *                        (PLANNER_SHADOWS, true: the answer to "would this beat my HPA?" costs microseconds a window)
 */
public record PlannerSettings(String mode, double leaseSec, int maxTargets, double unknownHoldSec, String election,
                              boolean shadows, int lanes, double stateSaveSec, double risesSaveSec, int historyWindows) {

    public static PlannerSettings from(Env env) {
        return new PlannerSettings(
                env.oneOf("PLANNER_MODE", "enforce", "enforce", "advise", "off"),
                env.number("PLANNER_LEASE_SEC", 6, 1, 600),
                env.integer("PLANNER_MAX_TARGETS", 100, 1, 100_000),
                env.number("UNKNOWN_COUNT_HOLD_SEC", 60, 0, 3600),
                env.oneOf("PLANNER_ELECTION", "redis", "redis", "kubernetes"),
                env.bool("PLANNER_SHADOWS", true),
                env.integer("PLANNER_LANES", 4, 1, 64),
                env.number("PLANNER_STATE_SAVE_SEC", 10, 0, 600),
                env.number("PLANNER_RISES_SAVE_SEC", 60, 0, 3600),
                env.integer("PLANNER_HISTORY_WINDOWS", 2_000, 10, 1_000_000));
    }
}
