package dev.autoscaler.bench.replay;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a replay assumes of one replica, and where each number came from, in words for the report's first lines.
 *
 * @param capacityRps one replica's saturation throughput
 * @param serviceMs   one request's service time with no queue
 * @param replicas    how the log's rate was divided among replicas
 * @param capacityFrom where the capacity came from
 * @param serviceFrom  where the service time came from
 */
public record ReplicaEstimate(double capacityRps, double serviceMs, String replicas, String capacityFrom, String serviceFrom) {
    /** A second counts for the estimates only with this many requests: fewer say little about latency. */
    static final int MIN_REQUESTS = 5;
    /** A second whose mean request time is within this factor of the low-load one served without queueing. */
    static final double HEALTHY = 1.5;
    /** The service time where the log has no request time: the toy app's WORK_MS. */
    static final double DEFAULT_SERVICE_MS = 20;

    /**
     * From {@code --capacity-rps} and {@code --service-ms} where given, else from the log's request times;
     * IllegalArgumentException where the capacity has neither.
     */
    public static ReplicaEstimate of(LogReplay log, Double capacityRps, Double serviceMs) {
        double[] perReplica = perReplica(log);
        String replicas = log.upstreams() == null
                ? "the log names no upstreams: its whole rate is taken as one replica's (give --capacity-rps for the whole service)"
                : String.format(Locale.ROOT, "the log's rate divided by the upstreams that answered in each 10 s (median %d)",
                        median(Arrays.stream(log.upstreams()).filter(u -> u > 0).toArray()));
        double lowLoadMs = lowLoadMs(log);
        if (serviceMs != null && !(serviceMs > 0 && serviceMs < 1e6)) throw new IllegalArgumentException("--service-ms must be > 0, got " + serviceMs);
        double service = serviceMs != null ? serviceMs : Double.isNaN(lowLoadMs) ? DEFAULT_SERVICE_MS : lowLoadMs;
        String serviceFrom = serviceMs != null ? String.format(Locale.ROOT, "%.1f ms, from --service-ms", serviceMs)
                : Double.isNaN(lowLoadMs)
                ? String.format(Locale.ROOT, "%.0f ms, the toy app's: the log has no $request_time", DEFAULT_SERVICE_MS)
                : String.format(Locale.ROOT, "%.1f ms, the log's low-load mean request time (10th percentile of seconds with %d+ requests)",
                        lowLoadMs, MIN_REQUESTS);
        if (capacityRps != null) {
            if (!(capacityRps > 0)) throw new IllegalArgumentException("--capacity-rps must be > 0, got " + capacityRps);
            return new ReplicaEstimate(capacityRps, service, replicas, String.format(Locale.ROOT, "%.1f rps, from --capacity-rps", capacityRps),
                    serviceFrom);
        }
        if (Double.isNaN(lowLoadMs)) {
            throw new IllegalArgumentException("the log has no $request_time to estimate one replica's capacity from: give --capacity-rps");
        }
        double[] healthy = new double[perReplica.length];
        int n = 0;
        int slow = 0;
        for (int s = 0; s < perReplica.length; s++) {
            double l = log.latencyMs()[s];
            if (log.arrivals()[s] < MIN_REQUESTS) continue;
            if (l <= HEALTHY * lowLoadMs) healthy[n++] = perReplica[s];
            else slow++;
        }
        if (n == 0) throw new IllegalArgumentException("no second of the log was served near its low-load latency: give --capacity-rps");
        double cap = percentile(Arrays.copyOf(healthy, n), 99);
        return new ReplicaEstimate(cap, service, replicas, String.format(Locale.ROOT,
                "%.1f rps, estimated from the log: the highest rate per replica (99th percentile of seconds) served with a mean "
                        + "request time within %.1fx the low-load one; a lower bound where the log never pushed a replica to saturation%s",
                cap, HEALTHY, slow == 0 ? " (and no second of this log was slow: give --capacity-rps if you know it)" : ""), serviceFrom);
    }

    /** Each second's rate per replica (the whole rate where the log names no upstreams). */
    static double[] perReplica(LogReplay log) {
        double[] a = log.arrivals().clone();
        if (log.upstreams() != null) for (int s = 0; s < a.length; s++) a[s] /= Math.max(1, log.upstreams()[s]);
        return a;
    }

    private static double lowLoadMs(LogReplay log) {
        if (log.latencyMs() == null) return Double.NaN;
        double[] l = new double[log.arrivals().length];
        int n = 0;
        for (int s = 0; s < l.length; s++) {
            if (log.arrivals()[s] >= MIN_REQUESTS && !Double.isNaN(log.latencyMs()[s])) l[n++] = log.latencyMs()[s];
        }
        return n == 0 ? Double.NaN : Math.max(0.1, percentile(Arrays.copyOf(l, n), 10));
    }

    static double percentile(double[] v, double p) {
        Arrays.sort(v);
        // the nearest-rank percentile: the smallest value with at least p % of the values at or below it
        return v[Math.max(0, Math.min(v.length - 1, (int) Math.ceil(p / 100 * v.length) - 1))];
    }

    private static int median(int[] v) {
        if (v.length == 0) return 0;
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
