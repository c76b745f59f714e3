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
    void everyControlChangeIsAuditedWithWhoWhatBeforeAndAfter() throws Exception {
        assertEquals(200, post("/api/targets/app", "{\"mode\":\"advise\"}", TOKEN).statusCode());
        assertEquals(200, post("/api/targets/app", "{\"min\":2}", TOKEN).statusCode());
        assertEquals(400, post("/api/targets/app", "{\"mode\":\"turbo\"}", TOKEN).statusCode());
        JsonNode audit = json(get("/api/audit"));
        assertEquals(2, audit.size(), "a refused change is not a change: " + audit);
        JsonNode first = audit.get(0);
        assertEquals("app", first.get("target").asText());
        assertEquals("127.0.0.1", first.get("client").asText());
        assertEquals("advise", first.get("change").get("mode").asText());
        assertFalse(first.get("before").has("mode"), "mode was not set before: " + first);
        assertEquals("advise", audit.get(1).get("before").get("mode").asText(), "the second sees the first's result");
        assertEquals("2", audit.get(1).get("change").get("min").asText());
        assertFalse(audit.toString().contains(TOKEN), "the token is never audited");
    }

    @Test
    void wrongTokensFromOneClientAreRateLimitedWithRetryAfter() throws Exception {
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 20; i++) {
            var r = post("/api/targets/app", "{\"mode\":\"advise\"}", "wrong-token-" + i);
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            } else {
                assertEquals(401, r.statusCode());
            }
        }
        assertEquals(10, limited, "the 11th to 20th wrong tokens of a minute are refused");
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1, "Retry-After: " + retryAfter);
        // while limited, the right token waits too: guessing gains nothing from a lucky try
        var right = post("/api/targets/app", "{\"mode\":\"advise\"}", TOKEN);
        assertEquals(429, right.statusCode(), right.body());
        assertEquals(Map.of("max", "8"), bus.redis().hgetall("autoscaler:target:app"), "nothing changed");
    }

    @Test
    void aForeignHostOrOriginIsRefused() throws Exception {
        assertTrue(rawStatusLine("GET /api/targets HTTP/1.1\r\nHost: rebound.example.com\r\n").contains(" 403 "),
                "a DNS name rebound to 127.0.0.1 is not served");
        assertTrue(rawStatusLine("GET /api/targets HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\n").contains(" 200 "));
        assertTrue(rawStatusLine("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").contains(" 200 "));
        assertTrue(rawStatusLine("GET / HTTP/1.1\r\nHost: rebound.example.com\r\n").contains(" 403 "), "nor the page itself");
        String body = "{\"mode\":\"advise\"}";
        String post = "POST /api/targets/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Admin-Token: " + TOKEN
                + "\r\nContent-Length: " + body.length() + "\r\n";
        assertTrue(rawStatusLine(post + "Origin: http://evil.example.com\r\n", body).contains(" 403 "), "a page elsewhere may not post");
        assertEquals(Map.of("max", "8"), bus.redis().hgetall("autoscaler:target:app"), "nothing changed");
        assertTrue(rawStatusLine(post + "Origin: http://127.0.0.1:" + server.port() + "\r\n", body).contains(" 200 "), "the page itself may");
    }

    /** One request over a plain socket (the JDK's client will not send a Host of our choosing); its status line. */
    String rawStatusLine(String head) throws Exception {
        return rawStatusLine(head, "");
    }

    String rawStatusLine(String head, String body) throws Exception {
        try (var s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((head + "Connection: close\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();
        }
    }

    @Test
    void aShortAdminTokenStopsTheDashboardWithoutShowingIt() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> DashboardSettings.from(new dev.autoscaler.common.config.Env(Map.of("ADMIN_TOKEN", "ten-chars!"))));
        assertEquals("ADMIN_TOKEN is 10 characters: it must have at least 16 (for example: openssl rand -hex 16)", e.getMessage());
        assertEquals("0123456789abcdef", DashboardSettings.from(new dev.autoscaler.common.config.Env(Map.of("ADMIN_TOKEN", "0123456789abcdef"))).adminToken());
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
