package dev.autoscaler.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** /metrics exposes the request-latency histogram that the monitor's Prometheus source queries. */
class AppMetricsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(AppServer app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample line that starts with {@code nameAndLabels}, or -1 when there is none. */
    static double sample(String scrape, String nameAndLabels) {
        return scrape.lines().filter(l -> l.startsWith(nameAndLabels + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    /** Prometheus' histogram_quantile: linear interpolation inside the bucket where the rank falls. */
    static double quantile(String scrape, double q) {
        java.util.List<double[]> b = scrape.lines().filter(l -> l.startsWith("http_server_requests_seconds_bucket{status=\"200\""))
                .map(l -> new double[] {parseLe(l), Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))})
                .sorted(java.util.Comparator.comparingDouble(x -> x[0])).toList();
        double rank = q * b.get(b.size() - 1)[1];
        double lo = 0;
        double below = 0;
        for (double[] x : b) {
            if (x[1] >= rank) return lo + (x[0] - lo) * (rank - below) / (x[1] - below);
            lo = x[0];
            below = x[1];
        }
        return Double.NaN;
    }

    static double parseLe(String line) {
        String le = line.substring(line.indexOf("le=\"") + 4, line.indexOf('"', line.indexOf("le=\"") + 4));
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    @Test
    void theDefaultBucketLadderKeepsP95WithinFivePercentWhereMicrometersOwnBucketsAreAThirdOff() {
        RequestMetrics fine = new RequestMetrics(1.05);
        RequestMetrics coarse = new RequestMetrics(AppSettings.DEFAULT_BUCKETS_ONLY);
        for (int i = 0; i < 1000; i++) {
            long nanos = 20_000_000L + i * 1000L; // 20.0 .. 21.0 ms: true p95 is 20.95 ms
            fine.record(200, nanos);
            coarse.record(200, nanos);
        }
        double f = quantile(fine.scrape(), 0.95) * 1000;
        double c = quantile(coarse.scrape(), 0.95) * 1000;
        assertTrue(Math.abs(f / 20.95 - 1) < 0.05, "p95 from the 5 % ladder: " + f + " ms");
        assertTrue(c / 20.95 - 1 > 0.05, "Micrometer's buckets alone interpolate across 16.8..22.4 ms: " + c + " ms");
        assertEquals(RequestMetrics.ladder(1.05).length, 189, "1 ms to 10 s in 5 % steps");
    }

    @Test
    void aBadBucketGrowthIsRefusedWithItsName() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> AppSettings.from(new dev.autoscaler.common.config.Env(java.util.Map.of("LATENCY_BUCKET_GROWTH", "1.001"))));
        assertTrue(e.getMessage().contains("LATENCY_BUCKET_GROWTH") && e.getMessage().contains("1.001"), e.getMessage());
        assertEquals(1.05, AppSettings.from(new dev.autoscaler.common.config.Env(java.util.Map.of())).bucketGrowth());
    }

    @Test
    void requestsAreCountedWithTheirStatusAndLatencyButHealthAndMetricsAreNot() throws Exception {
        try (AppServer app = new AppServer(new AppSettings("127.0.0.1", 0, 4, 30, 100, "app-metrics", 1))) {
            for (int i = 0; i < 5; i++) assertEquals(200, get(app, "/").statusCode());
            assertEquals(200, get(app, "/work?ms=5").statusCode());
            assertEquals(404, get(app, "/nope").statusCode());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(app, "/health").statusCode());
                assertEquals(200, get(app, "/metrics").statusCode());
            }
            HttpResponse<String> r = get(app, "/metrics");
            String text = r.body();
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
            assertEquals(6, sample(text, "http_server_requests_seconds_count{status=\"200\"}"), text);
            assertEquals(1, sample(text, "http_server_requests_seconds_count{status=\"404\"}"), text);
            // a histogram (le buckets, cumulative up to +Inf), not a summary
            assertEquals(6, sample(text, "http_server_requests_seconds_bucket{status=\"200\",le=\"+Inf\"}"), text);
            assertTrue(text.lines().filter(l -> l.startsWith("http_server_requests_seconds_bucket{status=\"200\"")).count() > 20, text);
            // five requests of 30 ms of work and one of 5 ms: the sum is at least their work and not much more
            double sum = sample(text, "http_server_requests_seconds_sum{status=\"200\"}");
            assertTrue(sum >= 0.155 && sum < 1.0, "sum " + sum);
            // no bucket at or below 25 ms may hold more than the one 5 ms request
            assertEquals(1, sample(text, "http_server_requests_seconds_bucket{status=\"200\",le=\"0.022369621\"}"), text);
        }
    }
}
