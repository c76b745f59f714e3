package dev.autoscaler.bench.report;

import java.util.Locale;

/**
 * The count a run settled at: the replica count (starting and ready) held longest over the run's last quarter, with
 * the range it moved in there. The real pipeline's settle scenario reads its desired count at the end of a held load;
 * the most frequent count over a stretch is that without a flap at the last second deciding it.
 */
public record Settled(int count, int min, int max) {
    /** The last quarter: long enough to average over the flaps of a noisy count, past the first start-ups of any run. */
    static final double TAIL = 0.25;

    public static Settled of(int[] replicas) {
        int n = replicas.length;
        if (n == 0) return new Settled(0, 0, 0);
        int from = (int) Math.floor(n * (1 - TAIL));
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int s = from; s < n; s++) {
            lo = Math.min(lo, replicas[s]);
            hi = Math.max(hi, replicas[s]);
        }
        int[] seconds = new int[hi - lo + 1];
        for (int s = from; s < n; s++) seconds[replicas[s] - lo]++;
        int best = 0;
        // ties go to the larger count: it is the one the load kept asking for
        for (int c = 0; c < seconds.length; c++) if (seconds[c] >= seconds[best]) best = c;
        return new Settled(lo + best, lo, hi);
    }

    @Override
    public String toString() {
        return min == max ? String.valueOf(count) : String.format(Locale.ROOT, "%d (%d–%d)", count, min, max);
    }
}
