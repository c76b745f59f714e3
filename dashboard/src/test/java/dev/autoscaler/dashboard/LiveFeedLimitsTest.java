package dev.autoscaler.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.dashboard.live.LiveFeed;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The live feed's bounds against a real redis-server: pages beyond the cap are refused, a slow page loses only copies. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LiveFeedLimitsTest {
    static RedisServer redis;
    RedisBus bus;
    SimpleMeterRegistry meters;
    LiveFeed feed;
    DashboardServer server;
    final HttpClient http = HttpClient.newHttpClient();
    final List<BufferedReader> open = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void start() {
        bus = redis.bus();
        bus.redis().flushall();
        bus.redis().sadd("autoscaler:targets", "app");
        meters = new SimpleMeterRegistry();
        feed = new LiveFeed(bus, 50, () -> "[]", 2, 10, meters).start();
        server = new DashboardServer(new DashboardSettings("127.0.0.1", 0, null, 600, 50, 2, 10), bus, feed).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (BufferedReader in : open) in.close();
        feed.close();
        server.close();
        bus.close();
    }

    HttpResponse<java.io.InputStream> stream() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/stream"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    BufferedReader page() throws Exception {
        var r = stream();
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body()), 1 << 16);
        open.add(in);
        return in;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    String window(int i) {
        String w = "{\"kind\":\"latency_metrics\",\"target\":\"app\",\"p95_ms\":" + i + ",\"replicas\":1,\"ts\":" + i + "}";
        return bus.redis().xadd("autoscaler:history:app", Map.of("window", w));
    }

    @Test
    void aPageBeyondTheCapIsRefusedWithAReasonAndAdmittedOnceOneCloses() throws Exception {
        BufferedReader first = page();
        DashboardApiTest.next(first, "services");
        DashboardApiTest.next(page(), "services");
        var third = stream();
        assertEquals(503, third.statusCode());
        String body = new String(third.body().readAllBytes());
        assertTrue(body.contains("too many live pages open (DASHBOARD_MAX_PAGES=2)"), body);
        assertEquals("30", third.headers().firstValue("Retry-After").orElse(""));
        assertEquals(1, meters.counter("autoscaler_dashboard_pages_refused").count());

        first.close();
        // a closed page is noticed when the next event cannot be written to it
        await("the closed page to go", () -> {
            window(1);
            return feed.pages() < 2;
        });
        DashboardApiTest.next(page(), "services");
    }

    @Test
    void aSlowPageLosesItsOldestCopiesCountedButNoWindowFromTheStreams() throws Exception {
        BufferedReader slow = page();
        DashboardApiTest.next(slow, "services");
        // ~50 KB replica sets, each for its own target (nothing coalesces), far more than the socket buffers take while
        // the page reads nothing; windows between them go to the streams
        List<ReplicaSet.Replica> many = new ArrayList<>();
        for (int i = 0; i < 600; i++) many.add(new ReplicaSet.Replica("app-dup-" + i, "127.0.0.1:" + (10_000 + i), ReplicaSet.State.ready));
        int windows = 40;
        for (int i = 0; i < 400; i++) {
            bus.publish(Channels.REPLICAS, new ReplicaSet("t" + i, many, i));
            if (i % 10 == 0) window(i / 10 + 1);
        }
        await("the slow page's queue to drop its oldest", () -> meters.counter("autoscaler_dashboard_events_dropped").count() > 0);
        // every window reaches the page, in order, though copies of some were dropped from its queue
        List<Integer> seen = new ArrayList<>();
        while (seen.size() < windows) {
            String[] w = DashboardApiTest.next(slow, "window");
            seen.add((int) Json.MAPPER.readTree(w[1]).get("window").get("p95_ms").asDouble());
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= windows; i++) all.add(i);
        assertEquals(all, seen);
        assertEquals(1, feed.pages(), "the slow page was kept, not dropped");
    }
}
