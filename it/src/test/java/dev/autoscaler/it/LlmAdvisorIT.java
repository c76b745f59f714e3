package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.loadgen.RateShape;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real pipeline (redis-server, nginx, the four services, app processes) with the LLM advisor in the decide role,
 * pointed at a local fake Gemini server (a fake: it speaks Gemini's wire format, no real API is reached). Good advice is
 * applied and audited; a bad answer leaves the policy to decide; the key is in no log, Redis entry or status.
 */
class LlmAdvisorIT {
    static final String KEY = "AIza-it-SECRET-4242";

    static void await(BooleanSupplier condition, double seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(250);
        }
    }

    static List<LlmCall> audit(LocalStack stack) {
        List<LlmCall> out = new ArrayList<>();
        for (var e : stack.bus().redis().xrange("autoscaler:llm", io.lettuce.core.Range.create("-", "+"))) {
            out.add(Json.read(e.getBody().get(LlmCall.STREAM_FIELD), LlmCall.class));
        }
        return out;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void adviceInTheDecideRoleIsAppliedAuditedAndABadAnswerFallsBackToThePolicy() throws Exception {
        Path dir = Files.createTempDirectory("it-llm");
        try (FakeGeminiServer fake = new FakeGeminiServer(KEY)) {
            fake.defaultReply(FakeGeminiServer.advice("{\"action\":\"scale_up\",\"target_replicas\":3,\"confidence\":0.9,"
                    + "\"reasoning\":\"room for the evening peak\"}"));
            Map<String, String> env = new HashMap<>(PipelineIT.fastSettings());
            env.putAll(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", KEY, "LLM_BASE_URL", fake.baseUrl(), "LLM_ROLE", "decide",
                    "LLM_RPM", "60", "LLM_HEARTBEAT_SEC", "5", "LLM_TIMEOUT_SEC", "3"));
            // advice may hold at most this many replicas above the need (1 at 40 rps): two, so the advised 3 passes whole
            env.put("ADVICE_MAX_EXTRA_REPLICAS", "2");
            // the toy app's capacity, so the policy sizes 40 rps for one replica from the start; without a rate it keeps
            // the highest per-replica rate it saw healthy (about 40-47 rps here), and a load estimate a little above that
            // once held two replicas for the rest of the test
            env.put("CAPACITY_RPS", "200");
            ExecutorService loader = Executors.newSingleThreadExecutor();
            try (LocalStack stack = new LocalStack(dir, env).start()) {
                var light = loader.submit(() -> PipelineIT.load(stack.lbUrl(), new RateShape.Constant(40), 100));

                // 40 rps needs one replica; the advice asks for three, and passes the guardrails
                await(() -> stack.readyReplicas() == 3, 60, "three replicas on the LLM's advice");
                await(() -> audit(stack).stream().anyMatch(c -> "ok".equals(c.outcome()) && Integer.valueOf(3).equals(c.applied())), 20,
                        "the audit of the applied advice");
                // the last advice a plan carried (kept apart from the plan: the next call, on the new count, may already
                // have answered "scale up to 3" at 3, been rejected and left the next plans without advice)
                Plan.Advice applied = Json.read(stack.bus().redis().hget("autoscaler:last:app", "advice"), Plan.Advice.class);
                assertEquals("applied", applied.status(), String.valueOf(applied));
                assertTrue(fake.requestCount() >= 1);

                // the model starts talking prose: rejected, the advice held is dropped and the policy scales back down
                fake.defaultReply(FakeGeminiServer.advice("I think three replicas are fine, probably."));
                await(() -> audit(stack).stream().anyMatch(c -> "rejected".equals(c.outcome())
                        && c.reason().startsWith("no JSON object in the answer")), 30, "the rejected prose");
                await(() -> stack.readyReplicas() == 1, 60, "the policy's own count");
                Plan after = Json.read(stack.bus().redis().hget("autoscaler:last:app", "plan"), Plan.class);
                assertEquals("heuristic", after.decision().source(), after.decision().reason());
                var lightReport = light.get();
                assertEquals(0, lightReport.failed(), "no request failed while advice moved the fleet; by kind: " + lightReport.errors());

                var rows = StatusReader.read(stack.bus());
                assertEquals("room for the evening peak", rows.get(0).lastAdvice().reasoning(), "status shows the last advice");
                String status = Json.write(rows);
                assertKeyNowhere(stack, dir, status);
                assertTrue(fake.requests().stream().allMatch(r -> KEY.equals(r.header("x-goog-api-key"))), "the key was sent");
                // the calls were drawn from the installation's budget in Redis, by the planner's own ACL user
                assertEquals(1, stack.bus().redis().exists("autoscaler:llm-budget:gemini:60/1"), "the shared LLM budget");
                assertEquals(List.of(), stack.bus().redis().aclLog(), "Redis ACL denials");
                assertExportsWhatTheDeployFilesUse(stack);
            } finally {
                loader.shutdownNow();
            }
        }
    }

    /**
     * Here, not in a test of its own: this run has had every part the Grafana dashboard and the alerting rules look at
     * (windows, decisions by the policy and the LLM, LLM calls, reconciles, leases) without starting a stack for it.
     */
    static void assertExportsWhatTheDeployFilesUse(LocalStack stack) throws Exception {
        Set<String> exported = new TreeSet<>();
        for (int port : stack.opsPorts().values()) {
            exported.addAll(DeployFiles.exportedNames(Http.get("http://127.0.0.1:" + port + "/metrics").body()));
        }
        // the windows counter is there from the start: only a count shows the monitor counts what it publishes
        String monitor = Http.get("http://127.0.0.1:" + stack.opsPorts().get("monitor") + "/metrics").body();
        assertTrue(Http.metric(monitor, "autoscaler_monitor_windows_total{target=\"app\"}") > 10, monitor);
        Map<String, List<String>> missing = new TreeMap<>(DeployFiles.usedMetricNames());
        missing.keySet().removeAll(exported);
        assertEquals(Map.of(), missing, "metric names (and where they are used) that no service exports; exported: " + exported);
    }

    static void assertKeyNowhere(LocalStack stack, Path dir, String status) throws IOException {
        List<String> places = new ArrayList<>();
        places.add(status);
        var redis = stack.bus().redis();
        // SCAN, not KEYS: the stack's admin user may not run KEYS (RedisAccess), and the installation's keys are all
        // under its prefix
        var keys = new ArrayList<String>();
        io.lettuce.core.ScanIterator.scan(redis, io.lettuce.core.ScanArgs.Builder.matches(stack.bus().keys().prefix() + "*"))
                .forEachRemaining(keys::add);
        assertFalse(keys.isEmpty(), "the stack's keys were read");
        for (String k : keys) {
            switch (redis.type(k)) {
                case "string" -> places.add(k + "=" + redis.get(k));
                case "hash" -> places.add(k + "=" + redis.hgetall(k));
                case "stream" -> redis.xrange(k, io.lettuce.core.Range.create("-", "+")).forEach(e -> places.add(k + "=" + e.getBody()));
                case "set" -> places.add(k + "=" + redis.smembers(k));
                default -> places.add(k);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".json")).toList()) {
                places.add(f + "=" + Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        assertTrue(places.stream().anyMatch(p -> p.contains("planner")), "the planner's log was read: " + places.size());
        for (String p : places) assertFalse(p.contains(KEY), "the key leaked: " + p.substring(0, Math.min(200, p.length())));
    }
}
