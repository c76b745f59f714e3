package dev.autoscaler.monitor;

import org.HdrHistogram.Histogram;

/** One source's requests in one window: latencies (µs), successes and count. */
public record LatencySample(Histogram micros, long ok, long total) {
    public static final long MAX_MICROS = 3_600_000_000L;

    public static Histogram newHistogram() {
        return new Histogram(MAX_MICROS, 3);
    }

    public double percentileMs(double p) {
        return total == 0 ? 0 : micros.getValueAtPercentile(p) / 1000.0;
    }

    public double meanMs() {
        return total == 0 ? 0 : micros.getMean() / 1000.0;
    }

    public double maxMs() {
        return total == 0 ? 0 : micros.getMaxValue() / 1000.0;
    }

    public double successRate() {
        return total == 0 ? 1.0 : (double) ok / total;
    }
}
