package dev.autoscaler.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.dashboard.live.LiveFeed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every endpoint against a real redis-server, including each bad input; and the live feed with its resume. */
class DashboardApiTest {
    static final String TOKEN = "test-admin-token";
    static RedisServer redis;
    RedisBus bus;
    LiveFeed feed;
    DashboardServer server;
    final HttpClient http = HttpClient.newHttpClient();

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
        seed();
        feed = new LiveFeed(bus, 50, () -> "[]").start();
        server = new DashboardServer(new DashboardSettings("127.0.0.1", 0, TOKEN, 600, 50), bus, feed).start();
    }

    @AfterEach
    void stop() {
        feed.close();
        server.close();
        bus.close();
    }

    /** A target with three decided windows, a result and an LLM call, as the services write them. */
    void seed() {
        var r = bus.redis();
        r.sadd("autoscaler:targets", "app");
        r.hset("autoscaler:desired:app", Map.of("replicas", "2"));
        r.hset("autoscaler:target:app", Map.of("max", "8"));
        for (int i = 0; i < 3; i++) window(100 + i, 40 + i);
        r.xadd("autoscaler:results", Map.of("json", "{\"ts\":1,\"plan_id\":\"p\",\"action\":\"scale_up\",\"target\":\"app\",\"reason\":\"r\","
                + "\"replicas_before\":1,\"replicas_after\":2,\"result\":{\"status\":\"ok\",\"message\":\"\"}}"));
        r.xadd("autoscaler:llm", Map.of("json", "{\"ts\":1,\"target\":\"app\",\"provider\":\"gemini\",\"model\":\"m\",\"latency_ms\":5,"
                + "\"outcome\":\"ok\",\"calls_left\":1}"));
    }

    String window(double ts, double p95) {
        String w = "{\"kind\":\"latency_metrics\",\"target\":\"app\",\"window_sec\":3,\"requests\":10,\"p95_ms\":" + p95 + ",\"rps\":50,"
                + "\"replicas\":2,\"ts\":" + ts + "}";
        String plan = "{\"kind\":\"plan\",\"ts\":" + ts + ",\"id\":\"x\",\"target\":\"app\",\"decision\":{\"action\":\"noop\",\"target\":\"app\","
                + "\"target_replicas\":2,\"reason\":\"keep 2 <img src=x onerror=alert(1)>\",\"confidence\":0.8,\"source\":\"heuristic\",\"mode\":\"enforce\"}}";
        return bus.redis().xadd("autoscaler:history:app", Map.of("window", w, "plan", plan));
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String token) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) b.header("X-Admin-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void theReadEndpointsAnswerJsonWithAStrictPolicy() throws Exception {
        var targets = get("/api/targets");
        assertEquals(200, targets.statusCode());
        assertTrue(targets.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertEquals("app", json(targets).get(0).get("target").asText());
        JsonNode app = json(get("/api/targets/app?limit=2"));
        assertEquals(2, app.get("history").size(), "the newest two windows");
        assertEquals(41.0, app.get("history").get(0).get("window").get("p95_ms").asDouble());
        assertEquals("8", app.get("settings").get("max").asText());
        assertTrue(app.get("cursor").asText().contains("autoscaler:history:app="), app.get("cursor").asText());
        assertEquals("scale_up", json(get("/api/events")).get(0).get("action").asText());
        assertEquals(1, json(get("/api/llm")).get("calls_left").asInt());
        assertTrue(json(get("/api/services")).isArray());
        JsonNode state = json(get("/api/state"));
        assertEquals(42.0, state.get("latency").get("p95_ms").asDouble(), "the PoC's shape: the latest window");
        assertEquals(1, state.get("events").size());
        var page = get("/");
        assertEquals(200, page.statusCode());
        assertFalse(page.body().contains("<script>"), "no inline script");
        assertEquals(200, get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js").statusCode());
    }

    @Test
    void badReadsAreRefusedWithTheirReason() throws Exception {
        var unknown = get("/api/targets/nope");
        assertEquals(400, unknown.statusCode());
        assertEquals("unknown target 'nope'", json(unknown).get("error").asText());
        var limit = get("/api/events?limit=-3");
        assertEquals(400, limit.statusCode());
        assertEquals("limit must be a whole number from 1 to 2000", json(limit).get("error").asText());
        var missing = get("/api/nothing");
        assertEquals(404, missing.statusCode());
        assertTrue(json(missing).get("error").asText().startsWith("no such endpoint"));
    }

    @Test
    void controlsNeedTheTokenAndBadInputChangesNothing() throws Exception {
        var before = bus.redis().hgetall("autoscaler:target:app");
        assertEquals(401, post("/api/targets/app", "{\"mode\":\"advise\"}", null).statusCode());
        assertEquals(401, post("/api/targets/app", "{\"mode\":\"advise\"}", "wrong").statusCode());
        for (String bad : new String[] {"{\"mode\":\"turbo\"}", "{\"min\":9}", "{\"min\":-1}", "{\"slo\":\"x\"}", "{\"max\":\"10\"}", "nope", "{}"}) {
            var r = post("/api/targets/app", bad, TOKEN);
            assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            assertNotNull(json(r).get("error"));
        }
        assertEquals(400, post("/api/targets/nope", "{\"mode\":\"advise\"}", TOKEN).statusCode());
        var big = post("/api/targets/app", "{\"mode\":\"" + "x".repeat(10_000) + "\"}", TOKEN);
        assertEquals(413, big.statusCode(), big.body());
        assertEquals(before, bus.redis().hgetall("autoscaler:target:app"), "nothing changed");

        var ok = post("/api/targets/app", "{\"mode\":\"advise\",\"llm\":\"decide\",\"min\":2,\"scale\":5}", TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(Map.of("max", "8", "mode", "advise", "llm", "decide", "min", "2", "scale", "5"), bus.redis().hgetall("autoscaler:target:app"));
    }

    @Test
    void withoutATokenConfiguredTheControlsAreOffAndSaySo() throws Exception {
        server.close();
        server = new DashboardServer(new DashboardSettings("127.0.0.1", 0, null, 600, 50), bus, feed).start();
        var r = post("/api/targets/app", "{\"mode\":\"advise\"}", "anything");
        assertEquals(403, r.statusCode());
        assertEquals("controls are off: the dashboard was started without ADMIN_TOKEN", json(r).get("error").asText());
        assertFalse(json(get("/api/config")).get("controls").asBoolean());
    }

    /** Reads SSE frames until one of {@code type}; returns [id, data]. */
    static String[] next(BufferedReader in, String type) throws Exception {
        String event = null;
        String id = null;
        String data = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("event:")) event = line.substring(6).trim();
            else if (line.startsWith("id:")) id = line.substring(3).trim();
            else if (line.startsWith("data:")) data = line.substring(5).trim();
            else if (line.isEmpty()) {
                if (type.equals(event)) return new String[] {id, data};
                event = null;
                data = null;
            }
        }
        throw new AssertionError("the stream ended before a " + type + " event");
    }

    BufferedReader stream(String lastEventId) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/stream")).header("Accept", "text/event-stream");
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        return new BufferedReader(new InputStreamReader(r.body()));
    }

    @Test
    void aNewWindowReachesAnOpenStreamAndAReconnectResumesWithoutAGap() throws Exception {
        BufferedReader in = stream(null);
        next(in, "services");
        String id1 = window(200, 77);
        String[] first = next(in, "window");
        assertEquals(77.0, Json.MAPPER.readTree(first[1]).get("window").get("p95_ms").asDouble());
        assertTrue(first[0].contains("autoscaler:history:app=" + id1), first[0]);
        in.close();
        // two windows while the page is away; it comes back with its last id
        window(201, 78);
        window(202, 79);
        BufferedReader again = stream(first[0]);
        assertEquals(78.0, Json.MAPPER.readTree(next(again, "window")[1]).get("window").get("p95_ms").asDouble());
        assertEquals(79.0, Json.MAPPER.readTree(next(again, "window")[1]).get("window").get("p95_ms").asDouble());
        window(203, 80);
        assertEquals(80.0, Json.MAPPER.readTree(next(again, "window")[1]).get("window").get("p95_ms").asDouble());
        again.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (feed.pages() > 0 && System.nanoTime() < deadline) {
            window(204, 81); // a closed page is noticed when the next event cannot be written
            Thread.sleep(100);
        }
        assertEquals(0, feed.pages(), "closed pages are dropped");
    }
}
