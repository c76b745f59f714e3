package dev.autoscaler.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AppServerTest {
    @Test
    void latencyGrowsWhenRequestsExceedTheWorkersAndTheQueueBoundRefuses() throws Exception {
        AppSettings s = new AppSettings("127.0.0.1", 0, 2, 100, 2, "app-test", 1);
        try (AppServer app = new AppServer(s)) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + app.port() + "/");
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 8; i++) calls.add(http.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
            int ok = 0;
            int refused = 0;
            for (var c : calls) {
                int code = c.get().statusCode();
                if (code == 200) ok++;
                if (code == 503) refused++;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // 2 workers + 2 queued are served (two rounds of 100 ms); the rest is refused at once
            assertEquals(4, ok);
            assertEquals(4, refused);
            assertTrue(seconds >= 0.19, "queued requests waited for a worker: " + seconds);
            var health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"refused\":4"), health.body());
        }
    }
}
