package dev.autoscaler.planner;

import java.util.OptionalInt;

/**
 * The replica count a window is planned from, or why it is unknown. An empty registry is not "0 ready": after a Redis
 * restart the registry and {@code desired} are gone until the executor re-registers what runs, and a plan made in that
 * gap (MIN_REPLICAS for 0 ready) once cut a fleet of 8 to 1. While the count is unknown the planner holds: it writes
 * nothing and lets the executor re-adopt first.
 *
 * @param replicas      the count to plan from, or null while unknown
 * @param unknownReason why it is unknown, or null
 */
public record CurrentCount(Integer replicas, String unknownReason) {

    public boolean known() {
        return replicas != null;
    }

    /**
     * @param enforce           the planner owns {@code desired} (else the ready count is the count)
     * @param desired           {@code desired:{target}}, if present and readable
     * @param registryPresent   {@code registry:{target}} has at least one replica (Redis drops an empty hash)
     * @param registryReady     ready replicas in the registry now
     * @param windowReady       ready replicas the monitor counted for the window
     * @param unknownForSec     how long the count has been unknown for want of a registry (0 if it was known before)
     * @param unknownLimitSec   after this long an empty registry is believed: nothing runs (a fleet scaled to zero)
     */
    public static CurrentCount resolve(boolean enforce, OptionalInt desired, boolean registryPresent, int registryReady,
                                       int windowReady, double unknownForSec, double unknownLimitSec) {
        if (!registryPresent) {
            boolean scaledToZero = desired.isPresent() && desired.getAsInt() == 0;
            if (!scaledToZero && unknownForSec < unknownLimitSec) {
                return unknown("the replica registry is empty (Redis restarted, or the executor has not registered "
                        + "its replicas yet)");
            }
            return known(enforce ? desired.orElse(0) : 0);
        }
        if (windowReady == 0 && registryReady > 0) {
            return unknown("the window counted no ready replica but the registry has " + registryReady
                    + " (it was measured while the registry was empty)");
        }
        return known(enforce ? desired.orElse(registryReady) : windowReady);
    }

    private static CurrentCount known(int n) {
        return new CurrentCount(n, null);
    }

    private static CurrentCount unknown(String why) {
        return new CurrentCount(null, why);
    }
}
