package dev.autoscaler.bench.trace;

import java.util.Random;

/**
 * A request-rate trace: {@code rps[i]} is the average rate from {@code t[i]} to {@code t[i+1]} (the last row for one
 * step). Replayed either as that step function ({@code stepHold}) or, by default, interpolated linearly between the
 * bins' midpoints: a bin is an average, and demand inside it changes continuously, not at the bin edge.
 *
 * @param rsloUnits its rates are multiples of one replica's r_slo (the highest rate whose p95 meets the SLO), so the
 *                  bench replays them at that level; otherwise they are a shape, scaled so that the peak needs the
 *                  bench's --peak-replicas
 * @param coldStart it starts from MIN_REPLICAS replicas that have just become ready, whatever its first second needs
 */
public record Trace(String name, double[] t, double[] rps, boolean rsloUnits, boolean coldStart) {
    public Trace {
        if (t.length == 0 || t.length != rps.length) throw new IllegalArgumentException("a trace needs rows");
    }

    /** A shape to scale, started with what its first second needs (every trace read from a file). */
    public Trace(String name, double[] t, double[] rps) {
        this(name, t, rps, false, false);
    }

    public Trace withName(String newName) {
        return new Trace(newName, t, rps, rsloUnits, coldStart);
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

    /** The rate at second {@code s} after the start, multiplied by {@code scale}, interpolated between bin midpoints. */
    public double rateAt(double s, double scale) {
        return rateAt(s, scale, false);
    }

    public double rateAt(double s, double scale, boolean stepHold) {
        if (stepHold) return heldRateAt(s, scale);
        double half = step() / 2;
        double abs = t[0] + s;
        if (abs <= t[0] + half) return rps[0] * scale;
        if (abs >= t[t.length - 1] + half) return rps[rps.length - 1] * scale;
        int lo = 0;
        int hi = t.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (t[mid] + half <= abs) lo = mid;
            else hi = mid - 1;
        }
        double x0 = t[lo] + half;
        double x1 = t[lo + 1] + (lo + 2 < t.length ? (t[lo + 2] - t[lo + 1]) / 2 : half);
        double f = (abs - x0) / (x1 - x0);
        return (rps[lo] + f * (rps[lo + 1] - rps[lo])) * scale;
    }

    private double heldRateAt(double s, double scale) {
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
        return arrivalsPerSecond(scale, seed, false);
    }

    public double[] arrivalsPerSecond(double scale, long seed, boolean stepHold) {
        Random rnd = new Random(seed);
        double[] a = new double[durationSec()];
        for (int s = 0; s < a.length; s++) {
            double mean = rateAt(s + 0.5, scale, stepHold);
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
