package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Upstreams;
import dev.autoscaler.common.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Channels under KEY_PREFIX on a real redis-server: stacks with different prefixes do not hear each other. */
class RedisBusChannelsTest {
    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    static RedisBus bus(String prefix, SimpleMeterRegistry meters, BusSettings limits) {
        return new RedisBus(new RedisSettings(redis.url(), prefix), limits, meters, false);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    static Upstreams upstreams(String target) {
        return new Upstreams(target, List.of("127.0.0.1:9101"), true, 1);
    }

    @Test
    void busesWithDifferentPrefixesDoNotHearEachOtherAndTheDefaultKeepsThePocsNames() throws Exception {
        var meters = new SimpleMeterRegistry();
        try (RedisBus a = bus("stack-a:", meters, BusSettings.DEFAULTS);
             RedisBus b = bus("stack-b:", meters, BusSettings.DEFAULTS);
             RedisBus poc = bus(RedisSettings.DEFAULT_KEY_PREFIX, meters, BusSettings.DEFAULTS)) {
            Map<String, List<String>> heard = Map.of("a", new CopyOnWriteArrayList<>(), "b", new CopyOnWriteArrayList<>(),
                    "poc", new CopyOnWriteArrayList<>());
            a.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> heard.get("a").add(u.target()));
            b.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> heard.get("b").add(u.target()));
            poc.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> heard.get("poc").add(u.target()));
            assertEquals(Map.of("stack-a:upstreams", 1L, "stack-b:upstreams", 1L, "upstreams", 1L),
                    a.redis().pubsubNumsub("stack-a:upstreams", "stack-b:upstreams", "upstreams"));

            a.publish(Channels.UPSTREAMS, upstreams("from-a"));
            poc.publish(Channels.UPSTREAMS, upstreams("from-poc"));
            // Redis runs the publishes in order: once each bus has its own marker, it would have had the others' first
            for (var e : Map.of("a", a, "b", b, "poc", poc).entrySet()) e.getValue().publish(Channels.UPSTREAMS, upstreams("marker-" + e.getKey()));
            await("every marker", () -> heard.values().stream().allMatch(l -> l.stream().anyMatch(t -> t.startsWith("marker-"))));
            assertEquals(List.of("from-a", "marker-a"), heard.get("a"));
            assertEquals(List.of("marker-b"), heard.get("b"));
            assertEquals(List.of("from-poc", "marker-poc"), heard.get("poc"));

            // a PoC component knows only the bare name: it reaches the default-prefix bus
            a.redis().publish("upstreams", dev.autoscaler.common.msg.Json.write(upstreams("from-a-poc-tool")));
            await("the PoC's message", () -> heard.get("poc").contains("from-a-poc-tool"));
        }
    }

    @Test
    void aMessageOverTheCapIsCountedAndDroppedAndTheNextOneArrives() throws Exception {
        var meters = new SimpleMeterRegistry();
        try (RedisBus bus = bus("cap:", meters, new BusSettings(4096, 10, 120))) {
            List<String> heard = new CopyOnWriteArrayList<>();
            bus.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> heard.add(u.target()));
            bus.publishRaw(Channels.UPSTREAMS, "{\"target\":\"big\",\"servers\":[],\"ts\":1,\"pad\":\"" + "x".repeat(5000) + "\"}");
            bus.publishRaw(Channels.UPSTREAMS, "{\"target\":\"bad name\",\"servers\":[],\"ts\":1}");
            bus.publish(Channels.UPSTREAMS, upstreams("small"));
            await("the small message", () -> heard.contains("small"));
            assertEquals(List.of("small"), heard);
            assertEquals(1, meters.counter("autoscaler_messages_dropped", "channel", Channels.UPSTREAMS, "reason", "too_large").count());
            assertEquals(1, meters.counter("autoscaler_messages_dropped", "channel", Channels.UPSTREAMS, "reason", "malformed").count());
            assertTrue(bus.connected());
            assertTrue(bus.ping());
        }
    }
}
