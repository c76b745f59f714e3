package dev.autoscaler.common.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Clock;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.testing.RedisServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code status} and the dashboard read, from hashes written by hand into a real redis-server. */
class StatusReaderTest {
    private static RedisServer redis;
    private static RedisBus bus;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus("sr:");
    }

    @AfterAll
    static void stopRedis() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    @BeforeEach
    void flush() {
        bus.redis().flushall();
        // more keys than one SCAN step looks at, so finding a key needs the cursor followed to its end
        Map<String, String> filler = new HashMap<>();
        for (int i = 0; i < 1500; i++) filler.put("sr:filler:" + i, "x");
        bus.redis().mset(filler);
    }

    @Test
    void readAddsTheLlmOverrideAndTheWholeSettingsHashAndKeepsTheOldFields() throws Exception {
        var keys = bus.keys();
        bus.redis().sadd(keys.targetsSet(), "app");
        bus.redis().hset(keys.targetSettings("app"), Map.of("mode", "advise", "llm", "decide", "min", "2"));
        bus.redis().hset(keys.desired("app"), Map.of("replicas", "3"));
        bus.redis().hset(keys.last("app"), Map.of("window",
                "{\"kind\":\"latency_metrics\",\"target\":\"app\",\"window_sec\":3,\"requests\":40,\"p95_ms\":21.5,\"rps\":320.4,\"replicas\":3,\"ts\":1761581000.5}",
                "plan", "{\"ts\":1761581001.0,\"kind\":\"plan\",\"container\":\"app\",\"decision\":{\"action\":\"noop\",\"target\":\"app\","
                        + "\"target_replicas\":3,\"reason\":\"within threshold\"},\"telemetry\":{\"p95_ms\":21.5,\"replicas\":3}}"));
        bus.redis().hset(keys.desired("solo"), Map.of("replicas", "1")); // only found by SCAN: no planner announced it

        List<StatusReader.TargetStatus> rows = StatusReader.read(bus);

        assertEquals(List.of("app", "solo"), rows.stream().map(StatusReader.TargetStatus::target).toList());
        StatusReader.TargetStatus app = rows.get(0);
        assertEquals("advise", app.mode());
        assertEquals("decide", app.llm());
        assertEquals(Map.of("mode", "advise", "llm", "decide", "min", "2"), app.settings());
        assertEquals(3, app.desired());
        assertEquals(21.5, app.p95Ms());
        assertEquals("within threshold", app.lastDecision().reason());
        StatusReader.TargetStatus solo = rows.get(1);
        assertNull(solo.llm());
        assertEquals(Map.of(), solo.settings());
        assertEquals(1, solo.desired());

        JsonNode json = Json.MAPPER.readTree(Json.write(rows));
        for (String f : List.of("target", "mode", "desired", "ready", "p95_ms", "rps", "window_ts", "last_decision", "last_advice",
                "llm", "settings")) {
            assertTrue(json.get(1).has(f), "field " + f + " in " + json.get(1));
        }
        assertEquals("decide", json.get(0).path("llm").asText());
        assertEquals("2", json.get(0).path("settings").path("min").asText());
        assertTrue(json.get(1).path("llm").isNull());
    }

    @Test
    void servicesAreSortedByNameThenInstanceAndUnreadableHeartbeatsLeftOut() {
        var keys = bus.keys();
        double now = Clock.nowSec();
        heartbeat("planner", "host-b", now - 10);
        heartbeat("executor", "host-z", now - 70);
        heartbeat("planner", "host-a", now - 5);
        bus.redis().hset(keys.service("monitor", "no-start"), Map.of("name", "monitor", "instance", "no-start"));
        bus.redis().set(keys.service("watcher", "not-a-hash"), "x");
        bus.redis().hset("other:service:planner:x", new ServiceInfo("planner", "x", "u", "v", now, 0).toHash());

        List<ServiceInfo> services = StatusReader.services(bus);

        assertEquals(List.of("executor/host-z", "planner/host-a", "planner/host-b"),
                services.stream().map(s -> s.name() + "/" + s.instance()).toList());
        ServiceInfo executor = services.get(0);
        assertEquals("http://127.0.0.1:9000", executor.opsUrl());
        assertEquals("1.2.3", executor.version());
        assertEquals(now - 70, executor.started(), 1e-3);
        assertTrue(executor.ageSec() >= 70 && executor.ageSec() < 100, "age " + executor.ageSec());
        JsonNode json = Json.MAPPER.valueToTree(executor);
        for (String f : List.of("name", "instance", "ops_url", "version", "started", "age_sec")) assertTrue(json.has(f), f + " in " + json);
    }

    private static void heartbeat(String name, String instance, double started) {
        var info = new ServiceInfo(name, instance, "http://127.0.0.1:9000", "1.2.3", started, 0);
        bus.redis().hset(bus.keys().service(name, instance), info.toHash());
    }
}
