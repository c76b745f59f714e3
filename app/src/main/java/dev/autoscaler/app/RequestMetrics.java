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

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

    /** Records one finished request; called for counted requests only (not /metrics, not /health). */
    void record(int status, long nanos) {
        byStatus.computeIfAbsent(status, s -> Timer.builder(TIMER)
                .description("Requests served by the app, from the handler's start to the response's last byte")
                .tag("status", String.valueOf(s))
                .publishPercentileHistogram()
                .register(registry)).record(Duration.ofNanos(nanos));
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }

    String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }
}
