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
