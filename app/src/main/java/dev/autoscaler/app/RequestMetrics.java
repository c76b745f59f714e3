package dev.autoscaler.app;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's request-latency histogram, {@code http_server_requests_seconds_bucket/_count/_sum}, tagged with the
 * response's {@code status}. It is a percentile <em>histogram</em> (not a client-side summary) so that Prometheus can
 * compute p95 across replicas with {@code histogram_quantile(0.95, sum by (le) (rate(..._bucket[w])))}; a summary's
 * quantiles cannot be added up across replicas.
 */
final class RequestMetrics {
    static final String TIMER = "http.server.requests";

    /** The extra boundaries span the app's own range of latencies: from 1 ms to its 10 s cap on work. */
    private static final double FIRST_MS = 1;
    private static final double LAST_MS = 10_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();
    private final Duration[] extraBuckets;

    /** {@code growth}: the ratio between extra bucket boundaries (AppSettings.bucketGrowth); 0 adds none. */
    RequestMetrics(double growth) {
        this.extraBuckets = ladder(growth);
    }

    /** Boundaries from 1 ms to 10 s, each {@code growth} times the one before; none for growth 0. */
    static Duration[] ladder(double growth) {
        if (growth <= 1) return new Duration[0];
        java.util.List<Duration> b = new java.util.ArrayList<>();
        for (double ms = FIRST_MS; ms <= LAST_MS; ms *= growth) b.add(Duration.ofNanos(Math.round(ms * 1e6)));
        return b.toArray(Duration[]::new);
    }

    /** Records one finished request; called for counted requests only (not /metrics, not /health). */
    void record(int status, long nanos) {
        byStatus.computeIfAbsent(status, s -> Timer.builder(TIMER)
                .description("Requests served by the app, from the handler's start to the response's last byte")
                .tag("status", String.valueOf(s))
                .publishPercentileHistogram()
                // extra le boundaries beside Micrometer's own, so quantiles interpolate inside narrow buckets
                .serviceLevelObjectives(extraBuckets)
                .register(registry)).record(Duration.ofNanos(nanos));
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }
}
