package dev.autoscaler.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.dashboard.api.ControlChange;
import dev.autoscaler.dashboard.live.LiveFeed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The one REST endpoint that takes a body, {@code POST /api/targets/{t}}, over generated bodies: every bad one is refused
 * with a reason and changes nothing in Redis, every good one is written as it says, a good one after bad ones works.
 */
class ControlBodyPropertiesTest {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String TOKEN = "prop-token";

    /** A valid change and the hash fields it writes; min and max come together so the stored ones never decide. */
    record Good(String body, Map<String, String> fields) {
        @Override
        public String toString() {
            return body;
        }
    }

    static Good good(Random r) {
        ObjectNode o = F.objectNode();
        Map<String, String> fields = new LinkedHashMap<>();
        do {
            if (r.nextBoolean()) put(o, fields, "mode", List.of("enforce", "advise", "off").get(r.nextInt(3)));
            if (r.nextBoolean()) put(o, fields, "llm", List.of("advise", "decide", "off").get(r.nextInt(3)));
            if (r.nextBoolean()) {
                int max = 1 + r.nextInt(10_000);
                int min = r.nextInt(max + 1);
                o.put("min", min);
                o.put("max", max);
                fields.put("min", String.valueOf(min));
                fields.put("max", String.valueOf(max));
            }
            if (r.nextBoolean()) {
                int scale = r.nextInt(10_001);
                o.put("scale", scale);
                fields.put("scale", String.valueOf(scale));
            }
            if (r.nextBoolean()) {
                double slo = 0.5 + r.nextInt(600_000);
                o.put("slo", slo);
                fields.put("slo", String.valueOf(slo));
            }
        } while (fields.isEmpty());
        return new Good(o.toString(), fields);
    }

    private static void put(ObjectNode o, Map<String, String> fields, String f, String v) {
        o.put(f, v);
        fields.put(f, v);
    }

    /** Ways to break a valid body; each makes it one that must be refused. */
    static final List<BiConsumer<ObjectNode, Random>> BREAKERS = List.of(
            (o, r) -> o.put(pick(r, "replicas", "Mode", "x", "", "mode ", "__proto__"), r.nextInt()),
            (o, r) -> o.set(pick(r, "mode", "llm"), pickNode(r, F.textNode("turbo"), F.textNode(""), F.textNode("ENFORCE"),
                    F.numberNode(1), F.nullNode(), F.arrayNode(), F.booleanNode(true), F.objectNode())),
            (o, r) -> o.set(pick(r, "min", "scale"), pickNode(r, F.numberNode(-1 - r.nextInt(1000)), F.numberNode(10_001 + r.nextInt(1000)),
                    F.numberNode(2.5), F.textNode("3"), F.booleanNode(false), F.nullNode(), F.objectNode(), F.numberNode(1L << 40))),
            (o, r) -> o.set("max", pickNode(r, F.numberNode(0), F.numberNode(-r.nextInt(1000)), F.numberNode(10_001), F.textNode("ten"),
                    F.numberNode(7.25))),
            (o, r) -> o.set("slo", pickNode(r, F.numberNode(0), F.numberNode(-5.5), F.numberNode(600_001), F.textNode("fast"),
                    F.nullNode(), F.booleanNode(true), F.numberNode(new java.math.BigDecimal("1e400")))),
            (o, r) -> {
                int max = 1 + r.nextInt(9_999);
                o.put("max", max);
                o.put("min", max + 1 + r.nextInt(10_000 - max));
            },
            (o, r) -> o.set(pick(r, "mode", "min", "slo"), nested(1 + r.nextInt(300))));

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    static JsonNode pickNode(Random r, JsonNode... options) {
        return options[r.nextInt(options.length)];
    }

    static JsonNode nested(int depth) {
        JsonNode n = F.textNode("advise");
        for (int i = 0; i < depth; i++) n = F.arrayNode().add(n);
        return n;
    }

    /** Not a control request at all: another JSON value, an empty object, noise, half a body, JSON nested too deep. */
    static String notARequest(Random r, String good) {
        return switch (r.nextInt(6)) {
            case 0 -> pick(r, "null", "[]", "{}", "1", "\"mode\"", "true", "[{\"mode\":\"advise\"}]", "", " ");
            case 1 -> good.substring(0, r.nextInt(good.length()));
            case 2 -> "[".repeat(1001 + r.nextInt(1000));
            case 3 -> {
                char[] c = new char[1 + r.nextInt(200)];
                for (int i = 0; i < c.length; i++) c[i] = (char) (32 + r.nextInt(95));
                yield "\u0001" + new String(c);
            }
            default -> {
                byte[] b = new byte[1 + r.nextInt(100)];
                r.nextBytes(b);
                yield new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        };
    }

    /** A bad body: a good one broken one way, or no control request at all. */
    static String bad(Random r) {
        Good g = good(r);
        if (r.nextInt(4) == 0) return notARequest(r, g.body());
        ObjectNode o = (ObjectNode) Json.MAPPER.valueToTree(tree(g.body()));
        BREAKERS.get(r.nextInt(BREAKERS.size())).accept(o, r);
        return o.toString();
    }

    static JsonNode tree(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyGeneratedBodyIsEitherWrittenAsItSaysOrRefusedWithAReason() {
        Map<String, String> stored = Map.of("min", "1", "max", "8", "mode", "enforce");
        qt().withExamples(10_000).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            String body = bad(r);
            var e = assertThrows(ControlChange.Invalid.class, () -> ControlChange.parse(body, stored), body);
            assertFalse(e.getMessage().isBlank(), body);
            Good g = good(r);
            try {
                assertEquals(g.fields(), ControlChange.parse(g.body(), stored), g.body());
            } catch (ControlChange.Invalid invalid) {
                throw new AssertionError(g.body() + " refused: " + invalid.getMessage());
            }
        });
    }

    @Test
    void overHttpABadBodyGets400OrItsSizeA413AndChangesNothingAndAGoodOneAfterItWorks() throws Exception {
        try (RedisServer redis = RedisServer.start();
             RedisBus bus = redis.bus()) {
            bus.redis().sadd("autoscaler:targets", "app");
            bus.redis().hset("autoscaler:target:app", Map.of("max", "8"));
            LiveFeed feed = new LiveFeed(bus, 1000, () -> "[]").start();
            DashboardServer server = new DashboardServer(new DashboardSettings("127.0.0.1", 0, TOKEN, 600, 1000), bus, feed).start();
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/targets/app");
            String key = bus.keys().targetSettings("app");
            try {
                qt().withExamples(1_000).forAll(longs().all()).checkAssert(seed -> {
                    Random r = new Random(seed);
                    String body = r.nextInt(50) == 0 ? "{\"mode\":\"" + "x".repeat(ControlChange.MAX_BODY_BYTES) + "\"}" : bad(r);
                    Map<String, String> before = bus.redis().hgetall(key);
                    HttpResponse<String> refused = post(http, uri, body);
                    int expected = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > ControlChange.MAX_BODY_BYTES ? 413 : 400;
                    assertEquals(expected, refused.statusCode(), () -> body + " -> " + refused.body());
                    assertFalse(tree(refused.body()).path("error").asText().isBlank(), refused.body());
                    assertEquals(before, bus.redis().hgetall(key), () -> "changed by " + body);
                    Good g = good(r);
                    HttpResponse<String> ok = post(http, uri, g.body());
                    assertEquals(200, ok.statusCode(), () -> g.body() + " -> " + ok.body());
                    Map<String, String> want = new HashMap<>(before);
                    want.putAll(g.fields());
                    assertEquals(want, bus.redis().hgetall(key), g.body());
                });
            } finally {
                server.close();
                feed.close();
            }
            assertTrue(bus.redis().hgetall(key).containsKey("max"));
        }
    }

    static HttpResponse<String> post(HttpClient http, URI uri, String body) {
        try {
            return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", "application/json").header("X-Admin-Token", TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("POST " + body, e);
        }
    }
}
