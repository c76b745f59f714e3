package dev.autoscaler.planner.policy;

import java.util.List;

/**
 * The least-squares line through rates taken one window apart (x = 0, 1, ..., n − 1): both the trend forecast and the
 * ramp detector fit one.
 *
 * @param mean  the mean rate, the line's value at the middle window
 * @param slope the rise per window
 * @param sxx   Σ (x − x̄)², which turns a per-window noise into the slope's standard error (σ / sqrt(sxx))
 */
record LineFit(double mean, double slope, double sxx) {
    static LineFit of(List<Double> ys) {
        int n = ys.size();
        if (n < 2) throw new IllegalArgumentException("a line needs two points, got " + n);
        double mx = (n - 1) / 2.0;
        double my = 0;
        for (double y : ys) my += y;
        my /= n;
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (i - mx) * (ys.get(i) - my);
            den += (i - mx) * (i - mx);
        }
        return new LineFit(my, num / den, den);
    }

    /** The line's value {@code windows} after the last point. */
    double after(int points, double windows) {
        return mean + slope * ((points - 1) / 2.0 + windows);
    }
}
