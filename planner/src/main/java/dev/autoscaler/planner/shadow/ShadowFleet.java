package dev.autoscaler.planner.shadow;

import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.peers.Hpa;
import dev.autoscaler.peers.Kpa;
import dev.autoscaler.peers.LoadView;
import dev.autoscaler.peers.PeerAutoscaler;

/**
 * Kubernetes' HPA and Knative's KPA run beside our policy on one target's windows: each window's rate is spread over
 * its seconds, each peer decides at its own ticks from them and keeps its own count (as if it had been in charge since
 * the shadows started), and every policy's replica-seconds and estimated SLO-violating seconds add up. The peers are the
 * bench's own objects ({@code dev.autoscaler.peers}), so a replay of the same windows there gives the same counts.
 *
 * <p>What the shadows cannot know they assume, and {@link #BASIS} says so: a peer's new replicas serve at once, HPA's
 * CPU utilisation is the rate over the peer's replicas over the learned capacity (capped at 1, as a busy CPU is), and a
 * second violates the SLO when the rate per replica is above the learned capacity. They start at the first window with
 * a learned capacity, at our count then.
 */
public final class ShadowFleet {
    /** In every plan, so kept short; planner/README.md says it at length. */
    public static final String BASIS = "estimates: replicas serve at once; HPA CPU = rps / replicas / learned capacity; "
            + "violating = rps per replica > capacity";
    /** Seconds of arrivals kept: KPA's stable window (60 s) is the longest any peer looks back. */
    private static final int KEEP = 128;
    /** A gap longer than this (a planner that stood by, say) is filled with its last MAX_GAP seconds only. */
    private static final int MAX_GAP = 600;

    private final double[] arrivals = new double[KEEP];
    private final Runner hpa;
    private final Runner kpa;
    private final Runner ours = new Runner(null);
    private final Runner[] all;
    private Double origin;
    private int second;
    private double capacity;
    private int min;
    private int max;

    /** @param targetUtilisation the utilisation both peers aim at (HPA's CPU target, KPA's share of one replica's capacity) */
    public ShadowFleet(double targetUtilisation) {
        this.hpa = new Runner(new Hpa((int) Math.round(targetUtilisation * 100), false));
        this.kpa = new Runner(new Kpa(targetUtilisation));
        this.all = new Runner[] {hpa, kpa, ours};
    }

    /**
     * One window ending at {@code ts}: {@code rps} arrived through its seconds while we held {@code ours} replicas.
     * Nothing happens until a capacity is known (without it there is no utilisation to give HPA).
     */
    public void observe(double ts, double rps, int ours, Double capacityRps, int minReplicas, int maxReplicas) {
        if (capacityRps == null || capacityRps <= 0) return;
        capacity = capacityRps;
        min = minReplicas;
        max = maxReplicas;
        this.ours.count = ours;
        if (origin == null) {
            origin = ts;
            hpa.count = kpa.count = Math.max(min, Math.min(max, ours));
            return;
        }
        int until = (int) Math.floor(ts - origin);
        if (until < second - MAX_GAP) {
            // a window from a clock far ahead moved the shadows on: follow the clock as it is now rather than wait for it
            origin = ts - second;
            until = second;
        }
        second = Math.max(second, until - MAX_GAP);
        for (; second < until; second++) {
            arrivals[second % KEEP] = rps;
            for (Runner r : all) {
                r.account(second, rps);
                if (r.peer != null && (second + 1) % r.peer.tickSec() == 0) r.decide(second + 1);
            }
        }
    }

    /** The counts and totals now, or null before the shadows started. */
    public Plan.Shadow snapshot() {
        if (origin == null) return null;
        return new Plan.Shadow(hpa.line(), kpa.line(), ours.line(), origin, BASIS);
    }

    /** One policy: its count, the count it held each recent second, and its totals; a peer also decides. */
    private final class Runner implements LoadView {
        final PeerAutoscaler peer;
        final int[] counts = new int[KEEP];
        int count;
        int now;
        double replicaS;
        double violationS;

        Runner(PeerAutoscaler peer) {
            this.peer = peer;
        }

        void account(int s, double rps) {
            counts[s % KEEP] = count;
            replicaS += count;
            if (count == 0 ? rps > 0 : rps / count > capacity) violationS++;
        }

        void decide(int at) {
            now = at;
            count = Math.max(min, Math.min(max, peer.decide(this)));
        }

        Plan.Peer line() {
            return new Plan.Peer(count, replicaS, violationS);
        }

        public int now() { return now; }

        public int ready() { return count; }

        public int starting() { return 0; }

        public double arrivals(int s) { return arrivals[Math.floorMod(s, KEEP)]; }

        public double utilisation(int s) {
            int n = counts[Math.floorMod(s, KEEP)];
            return n == 0 ? 1 : Math.min(1, arrivals(s) / (n * capacity));
        }

        public int minReplicas() { return min; }

        public int maxReplicas() { return max; }

        public double capacityRps() { return capacity; }
    }
}
