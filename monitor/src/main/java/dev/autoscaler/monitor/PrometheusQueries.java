package dev.autoscaler.monitor;

import java.util.Locale;

/**
 * The PromQL text of each number the Prometheus source reads; pure, so the exact queries are unit-tested. With a
 * target label (several targets) every sum is {@code sum by (label)}: one answer holds one series per target.
 */
record PrometheusQueries(PrometheusSettings s) {
    /** {@code histogram_quantile(q, sum by (le) (rate(H_bucket{sel}[R])))}: a quantile across every matching replica. */
    String quantile(double q) {
        String by = s.targetLabel() == null ? "le" : "le, " + s.targetLabel();
        return "histogram_quantile(" + num(q) + ", sum by (" + by + ") (rate(" + s.histogram() + "_bucket" + braces("") + range() + ")))";
    }

    /** {@code sum(rate(C{sel}[R]))}: requests per second, completed, across every matching replica. */
    String rps() {
        return sum() + "(rate(" + s.count() + braces("") + range() + "))";
    }

    /** Mean latency in seconds: the rate of the histogram's sum over the rate of its count. */
    String mean() {
        return sum() + "(rate(" + s.histogram() + "_sum" + braces("") + range() + ")) / " + rps();
    }

    /** Rate of 5xx answers; no such series means none happened. */
    String errors() {
        return sum() + "(rate(" + s.count() + braces(s.statusLabel() + "=~\"5..\"") + range() + "))";
    }

    private String sum() {
        return s.targetLabel() == null ? "sum" : "sum by (" + s.targetLabel() + ") ";
    }

    private String braces(String extra) {
        String sel = s.selector();
        if (sel.endsWith(",")) sel = sel.substring(0, sel.length() - 1);
        String all = sel.isEmpty() ? extra : extra.isEmpty() ? sel : sel + "," + extra;
        return all.isEmpty() ? "" : "{" + all + "}";
    }

    /** Milliseconds, so fractional ranges work and the text never depends on the locale. */
    private String range() {
        return "[" + Math.round(s.rangeSec() * 1000) + "ms]";
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%s", d);
    }
}
