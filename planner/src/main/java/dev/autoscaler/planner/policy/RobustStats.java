package dev.autoscaler.planner.policy;

import java.util.Arrays;

/** Median and MAD-based sigma: robust to the odd outlier window that would drag a mean around. */
public final class RobustStats {
    /** Scales the median absolute deviation to a standard deviation for normal data. */
    public static final double MAD_TO_SIGMA = 1.4826;

    private RobustStats() {}

    public static double median(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("median of nothing");
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    public static double sigma(double[] values, double median) {
        if (values.length < 2) return 0;
        double[] dev = new double[values.length];
        for (int i = 0; i < values.length; i++) dev[i] = Math.abs(values[i] - median);
        return MAD_TO_SIGMA * median(dev);
    }
}
