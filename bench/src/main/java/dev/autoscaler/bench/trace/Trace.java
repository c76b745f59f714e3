package dev.autoscaler.bench.trace;

import java.util.Random;

/**
 * A request-rate trace: {@code rps[i]} holds from {@code t[i]} until {@code t[i+1]} (the last row for one step).
 */
public record Trace(String name, double[] t, double[] rps) {
    public Trace {
        if (t.length == 0 || t.length != rps.length) throw new IllegalArgumentException("a trace needs rows");
    }

    public double step() {
        return t.length > 1 ? t[t.length - 1] - t[t.length - 2] : 1;
    }

    public int durationSec() {
        return (int) Math.ceil(t[t.length - 1] + step() - t[0]);
    }

    public double peak() {
        double m = 0;
        for (double r : rps) m = Math.max(m, r);
        return m;
    }

    /** The rate at second {@code s} after the start, multiplied by {@code scale}. */
    public double rateAt(double s, double scale) {
        double abs = t[0] + s;
        int lo = 0;
        int hi = t.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (t[mid] <= abs) lo = mid;
            else hi = mid - 1;
        }
        return rps[lo] * scale;
    }

    /**
     * Arrivals in each second: Poisson with the trace's rate (normal approximation above 500), so that per-second
     * noise is realistic and the run is deterministic for a seed.
     */
    public double[] arrivalsPerSecond(double scale, long seed) {
        Random rnd = new Random(seed);
        double[] a = new double[durationSec()];
        for (int s = 0; s < a.length; s++) {
            double mean = rateAt(s, scale);
            a[s] = poisson(mean, rnd);
        }
        return a;
    }

    static double poisson(double mean, Random rnd) {
        if (mean <= 0) return 0;
        if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rnd.nextGaussian()));
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
    }
}
