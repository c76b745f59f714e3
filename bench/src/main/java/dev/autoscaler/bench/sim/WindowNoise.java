package dev.autoscaler.bench.sim;

/**
 * Stalls in the p95 a policy sees, in the first seconds after a change: on a real machine a window can be slow for
 * reasons that are not the load, and a latency-driven policy may take it for the app's limit. In each of the {@code
 * seconds} after the change, with probability {@code probability}, the p95 the policy sees has a stall added,
 * exponential with mean {@code meanStallMs}. The bench scores the queue model's p95, not the stall: it is what a window
 * shows, and no policy can act on the load without causing it. Each draw is a hash of the seed, a salt (which change
 * it follows), the change's second and the second, so a run is deterministic for a seed and a second's noise does not
 * depend on which policy asked or how often. Measured on the demo (bench/README, "Measured on the real app"); {@link
 * #afterReadyChange()} and {@link #afterLoadStart()} are those measurements.
 */
public record WindowNoise(double seconds, double probability, double meanStallMs) {
    public WindowNoise {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) throw new IllegalArgumentException("noise seconds must be >= 0, got " + seconds);
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("noise probability must be in [0, 1], got " + probability);
        if (!(meanStallMs >= 0) || Double.isInfinite(meanStallMs)) throw new IllegalArgumentException("noise stall must be >= 0 ms, got " + meanStallMs);
    }

    public static WindowNoise off() {
        return new WindowNoise(0, 0, 0);
    }

    /**
     * After a replica joins or leaves: 0-8 s after one of 12 changes at 150 rps, windows had a mean p95 2 ms above those
     * 8-16 s after (27 against 25 ms), the highest 53 ms against 38, none over the SLO; after 9 at probe traffic, none
     * higher.
     */
    public static WindowNoise afterReadyChange() {
        return new WindowNoise(8, 0.1, 20);
    }

    /**
     * After a load begins against a fleet that served only probes: in two runs the first 2-s windows at 150 rps were
     * 443, 410, 188 and 180, 65 ms against 25 ms settled, an excess of 232 ms per window on average, gone within 6 s.
     */
    public static WindowNoise afterLoadStart() {
        return new WindowNoise(6, 0.8, 290);
    }

    public boolean on() {
        return seconds > 0 && probability > 0 && meanStallMs > 0;
    }

    /** The stall the policy sees in second {@code t} after a change at second {@code changedAt}; {@code salt} names the kind of change. */
    public double stallMs(long seed, long salt, int changedAt, int t) {
        if (!on() || t < changedAt || t - changedAt >= seconds) return 0;
        long h = mix(mix(mix(mix(seed) ^ salt) ^ changedAt) ^ ((long) t << 32));
        if (unit(h) >= probability) return 0;
        return -meanStallMs * Math.log(1 - unit(mix(h)));
    }

    /** SplitMix64's finaliser: a well-spread 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A uniform number in [0, 1) from the hash's top 53 bits. */
    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
