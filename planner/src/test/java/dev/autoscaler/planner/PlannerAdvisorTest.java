package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The planner service with its LLM advisor against a real redis-server and a local fake Gemini server that speaks
 * Gemini's wire format (named as a fake: no test reaches a real API). Windows are published on {@code alerts} as the
 * monitor would; plans are read from {@code actions}, the audit from the {@code llm} stream.
 */
class PlannerAdvisorTest {
    static final String KEY = "AIza-test-SECRET-key-31337";
    static RedisServer redis;
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    FakeGeminiServer fake;
    ServiceContext ctx;
    PlannerService planner;
    RedisBus bus;
    final LinkedBlockingQueue<Plan> plans = new LinkedBlockingQueue<>();
    final List<String> published = new CopyOnWriteArrayList<>();
    int replicas = 2;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterAll
    static void stopRedis() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        redis.close();
    }

    @BeforeEach
    void start() throws Exception {
        fake = new FakeGeminiServer(KEY);
        start(Map.of());
    }

    void start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.ofEntries(Map.entry("REDIS_URL", redis.url()), Map.entry("SLO_P95_MS", "100"),
                Map.entry("CAPACITY_RPS", "100"), Map.entry("MIN_REPLICAS", "1"), Map.entry("MAX_REPLICAS", "10"),
                Map.entry("SAMPLE_INTERVAL", "1"), Map.entry("LLM_PROVIDER", "gemini"), Map.entry("LLM_API_KEY", KEY),
                Map.entry("LLM_BASE_URL", fake.baseUrl()), Map.entry("LLM_ROLE", "decide"), Map.entry("LLM_RPM", "600"),
                Map.entry("LLM_HEARTBEAT_SEC", "60"), Map.entry("LLM_TIMEOUT_SEC", "5"), Map.entry("LLM_BACKOFF_BASE_SEC", "0.3"),
                Map.entry("LLM_BACKOFF_MAX_SEC", "2")));
        env.putAll(extra);
        ctx = new ServiceContext(new Env(env));
        bus = redis.bus();
        bus.redis().flushall();
        bus.subscribe(Channels.ACTIONS, Plan.class, plans::add);
        planner = new PlannerService(ctx);
    }

    @AfterEach
    void stop() {
        planner.close();
        ctx.close();
        bus.close();
        fake.close();
    }

    static String answer(String action, int target, double confidence) {
        return String.format(java.util.Locale.ROOT, "{\"action\":\"%s\",\"target_replicas\":%d,\"confidence\":%s,\"reasoning\":\"the fake's view\"}",
                action, target, confidence);
    }

    /** Publishes one window and returns the plan decided for it. */
    Plan window(double p95, double rps) throws InterruptedException {
        RegistryFixture.register(bus, "app", replicas);
        var m = new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, 100, 1.0, p95 / 2, p95 / 2, p95, p95, p95, rps, rps, 0,
                replicas, "access_log", System.currentTimeMillis() / 1000.0);
        published.add(Json.write(m));
        bus.publish(Channels.ALERTS, m);
        Plan p = plans.poll(10, TimeUnit.SECONDS);
        assertNotNull(p, "a plan for the window");
        published.add(Json.write(p));
        String d = bus.redis().hget("autoscaler:desired:app", "replicas");
        if (d != null) replicas = Integer.parseInt(d);
        return p;
    }

    /** Windows until one's plan matches, at most for ten seconds. */
    Plan windowsUntil(double p95, double rps, Predicate<Plan> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Plan p = window(p95, rps);
            if (done.test(p)) return p;
            Thread.sleep(50);
        }
        throw new AssertionError("no plan with " + what + "; audit: " + audit() + "; requests: " + fake.requestCount());
    }

    /** The calls audited; a question the budget turned down (windows here come faster than its refill) is not one. */
    List<LlmCall> audit() {
        List<LlmCall> out = new ArrayList<>();
        for (var e : bus.redis().xrange("autoscaler:llm", io.lettuce.core.Range.create("-", "+"))) {
            LlmCall c = Json.read(e.getBody().get(LlmCall.STREAM_FIELD), LlmCall.class);
            if (!"skipped".equals(c.outcome())) out.add(c);
        }
        return out;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void goodAdviceIsAppliedInDecideAndOnlyPublishedInAdvise() throws Exception {
        fake.defaultReply(FakeGeminiServer.advice(answer("scale_up", 5, 0.9)));
        Plan first = window(40, 100);
        assertNull(first.advice(), "the window that asks is decided by the policy at once");
        assertEquals("heuristic", first.decision().source());
        Plan applied = windowsUntil(40, 100, p -> p.advice() != null, "advice");
        assertEquals("applied", applied.advice().status());
        assertEquals("llm", applied.decision().source());
        // 100 rps at 70 each needs 2: advice may add one replica (ADVICE_MAX_EXTRA_REPLICAS), not the three it asks
        assertEquals(3, applied.decision().targetReplicas());
        assertEquals("advice cut to 3: at most 1 above the 2 the load needs", applied.advice().rejection());
        assertTrue(applied.decision().reason().startsWith("scale up 2 -> 3 (advice cut to 3"), applied.decision().reason());
        assertEquals("3", bus.redis().hget("autoscaler:desired:app", "replicas"));
        assertEquals("gemini", applied.advice().provider());
        assertEquals(false, applied.advice().agrees(), "the policy kept 2 at 100 rps");

        // the request: Gemini's path and key header, the policy's numbers and proposal in the user text
        FakeLlmServer.Recorded req = fake.requests().get(0);
        assertTrue(req.path().endsWith("/models/gemini-2.5-flash:generateContent"), req.path());
        assertEquals(KEY, req.header("x-goog-api-key"));
        JsonNode telemetry = Json.MAPPER.readTree(req.json().path("contents").get(0).path("parts").get(0).path("text").asText());
        assertEquals("keep", telemetry.path("policy").path("action").asText().replace("noop", "keep"));
        assertEquals(10, telemetry.path("bounds").path("max_replicas").asInt());
        assertTrue(telemetry.path("estimates").size() >= 2, telemetry.toString());

        await(() -> audit().stream().anyMatch(c -> "ok".equals(c.outcome())), "the audit entry");
        LlmCall ok = audit().stream().filter(c -> "ok".equals(c.outcome())).findFirst().orElseThrow();
        assertEquals(3, ok.applied());
        assertEquals(FakeLlmServer.PROMPT_TOKENS, ok.tokensIn());
        assertEquals("decide", ok.role());

        // advise: published beside the policy's decision, never applied
        bus.redis().hset("autoscaler:target:app", "llm", "advise");
        Plan advised = window(40, 100);
        assertEquals("advised", advised.advice().status());
        assertEquals("heuristic", advised.decision().source());
        assertFalse(advised.decision().reason().contains("llm advice"), advised.decision().reason());
    }

    /** One scripted answer per state change; what the audit says of each. */
    @Test
    void everyKindOfBadAnswerIsHandledWithItsReasonAndThePolicyDecides() throws Exception {
        Map<FakeLlmServer.Reply, String> cases = new java.util.LinkedHashMap<>();
        cases.put(FakeGeminiServer.advice(answer("scale_up", 6, 0.2)), "confidence 0.20 below LLM_MIN_CONFIDENCE 0.50");
        cases.put(FakeGeminiServer.advice("{\"action\":\"restart\",\"target_replicas\":2}"), "action restart is not a scaling action");
        cases.put(FakeGeminiServer.advice("I would add a replica or two."), "no JSON object in the answer");
        cases.put(FakeGeminiServer.truncated("{\"action\":\"scale_up\",\"target_repl"), "truncated answer (finish reason MAX_TOKENS)");
        cases.put(FakeGeminiServer.empty(), "empty answer");
        cases.put(FakeGeminiServer.blocked(), "blocked by the provider's safety filter");
        int seen = 0;
        double rps = 100;
        for (var c : cases.entrySet()) {
            fake.enqueue(c.getKey());
            rps = rps == 100 ? 130 : 100; // another load band: a state change, so one call per case
            int before = seen;
            double load = rps;
            Plan p = windowsUntil(40, load, x -> audit().size() > before, "an audit entry for: " + c.getValue());
            LlmCall call = audit().get(seen++);
            assertEquals("rejected", call.outcome(), call.toString());
            assertTrue(call.reason().startsWith(c.getValue()), call.reason());
            assertEquals("heuristic", p.decision().source(), "the policy decides: " + p.decision().reason());
        }
        // fenced JSON and out-of-bounds advice are advice: cut to the need plus one by the guardrails, far below MAX_REPLICAS
        fake.enqueue(FakeGeminiServer.advice("```json\n" + answer("scale_up", 50, 0.9) + "\n```"));
        Plan p = windowsUntil(40, rps == 100 ? 130 : 100, x -> x.advice() != null, "the fenced advice");
        assertEquals("applied", p.advice().status());
        assertTrue(p.decision().targetReplicas() <= 4, p.decision().reason());
        assertTrue(p.advice().rejection().startsWith("advice cut to " + p.decision().targetReplicas()), p.advice().rejection());
    }

    @Test
    void aRateLimitIsHonouredAndAServerErrorStormBacksOff() throws Exception {
        fake.enqueue(FakeGeminiServer.error(429, "RESOURCE_EXHAUSTED", 1), FakeGeminiServer.error(500, "INTERNAL", null),
                FakeGeminiServer.error(500, "INTERNAL", null), FakeGeminiServer.error(503, "UNAVAILABLE", null));
        fake.defaultReply(FakeGeminiServer.advice(answer("noop", 2, 0.9)));
        double rps = 100;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (fake.requestCount() < 5 && System.nanoTime() < deadline) {
            rps = rps > 1000 ? 100 : rps * 1.3; // a state change every window: a call whenever one may go
            window(40, rps);
            Thread.sleep(50);
        }
        List<Instant> at = fake.requests().stream().map(FakeLlmServer.Recorded::at).toList();
        assertTrue(at.size() >= 5, at.toString());
        // 429 with Retry-After 1 over a base of 0.3 s: 1 s; then 500, 500, 503: the wait doubles from the failures so
        // far (0.3 x 2^1, 2^2, 2^3 = 0.6, 1.2, 2.4 capped at 2)
        double[] least = {1.0, 0.6, 1.2, 2.0};
        for (int i = 0; i < least.length; i++) {
            double gap = Duration.between(at.get(i), at.get(i + 1)).toMillis() / 1000.0;
            assertTrue(gap >= least[i] - 0.05, "gap " + i + " was " + gap + " s, at least " + least[i] + " expected: " + at);
        }
        List<String> outcomes = audit().stream().map(LlmCall::outcome).toList();
        assertEquals(List.of("429", "error", "error", "error"), outcomes.subList(0, 4));
        assertTrue(audit().get(0).reason().startsWith("HTTP 429"), audit().get(0).reason());
    }

    @Test
    void aHangingServerDelaysNeitherTheWindowNorAnEmergencyScaleUp() throws Exception {
        fake.defaultReply(FakeLlmServer.hang());
        window(40, 100);
        assertTrue(fake.awaitRequests(1, Duration.ofSeconds(5)), "the call is in flight");
        Plan emergency = window(450, 400);
        assertEquals(Plan.Action.scale_up, emergency.decision().action(), emergency.decision().reason());
        assertEquals("heuristic", emergency.decision().source());
        assertTrue(audit().isEmpty(), "decided while the call still hangs");
        assertEquals(1, fake.requestCount(), "one call in flight per target");
        // the call times out (LLM_TIMEOUT_SEC 5) and is audited as such
        await(() -> !audit().isEmpty(), "the timeout's audit entry");
        assertEquals("timeout", audit().get(0).outcome());
    }

    @Test
    void theKeyIsNowhereButInTheRequestHeader() throws Exception {
        fake.enqueue(FakeGeminiServer.error(401, "UNAUTHENTICATED", null, "API key not valid: " + KEY));
        fake.defaultReply(FakeGeminiServer.advice(answer("scale_up", 8, 0.9).replace("the fake's view", "echo " + KEY)));
        window(40, 100);
        windowsUntil(40, 300, p -> p.advice() != null, "advice after the 401");
        assertTrue(fake.requests().stream().allMatch(r -> KEY.equals(r.header("x-goog-api-key"))), "the key went where it belongs");
        List<String> everything = new ArrayList<>(published);
        var redisConn = bus.redis();
        for (String k : redisConn.keys("*")) {
            String type = redisConn.type(k);
            switch (type) {
                case "string" -> everything.add(redisConn.get(k));
                case "hash" -> everything.add(redisConn.hgetall(k).toString());
                case "stream" -> redisConn.xrange(k, io.lettuce.core.Range.create("-", "+")).forEach(e -> everything.add(e.getBody().toString()));
                case "set" -> everything.add(redisConn.smembers(k).toString());
                default -> everything.add(type + " " + k);
            }
        }
        for (ILoggingEvent e : logs.list) {
            everything.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) everything.add(e.getThrowableProxy().getMessage());
        }
        everything.add(planner.health().toString());
        assertTrue(everything.size() > 10, "something was read: " + everything.size());
        assertTrue(String.join("\n", everything).contains("echo ***"), "the echoed key was redacted, not dropped");
        for (String s : everything) assertFalse(s != null && s.contains(KEY), "the key leaked into: " + s);
    }
}
