package dev.autoscaler.common.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Clock;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.status.ServiceInfo;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.common.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The heartbeat of a service started by {@link ServiceRunner}, against a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeartbeatTest {
    private static final int TTL_SEC = 3;
    private static RedisServer redis;
    private static RedisBus bus;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus("hb:");
    }

    @AfterAll
    static void stopRedis() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    private static ServiceRunner.Running startService(String name) throws Exception {
        Env env = new Env(Map.of("REDIS_URL", redis.url(), "KEY_PREFIX", "hb:", "HEARTBEAT_TTL_SEC", String.valueOf(TTL_SEC)));
        return ServiceRunner.start(name, env, ctx -> new Service() {
            @Override
            public OpsServer.Health health() {
                return new OpsServer.Health(true, Map.of());
            }

            @Override
            public void close() {}
        });
    }

    @Test
    void aServiceKeepsItsHeartbeatThroughAFlushAndDeletesItOnACleanStop() throws Exception {
        double before = Clock.nowSec();
        ServiceRunner.Running running = startService("hbsvc");
        String key = running.heartbeatKey();
        String instance = ServiceRunner.instanceId();
        assertEquals("hb:service:hbsvc:" + instance, key);
        assertTrue(instance.endsWith("-" + ProcessHandle.current().pid()), instance);
        try {
            await("the heartbeat", () -> bus.redis().exists(key) == 1);
            Map<String, String> h = bus.redis().hgetall(key);
            assertEquals("hbsvc", h.get("name"));
            assertEquals(instance, h.get("instance"));
            assertEquals("http://127.0.0.1:" + running.opsPort(), h.get("ops_url"));
            assertEquals("dev", h.get("version"), "run from classes, not a jar");
            double started = Double.parseDouble(h.get("started"));
            assertTrue(started >= before - 0.01 && started <= Clock.nowSec(), "started " + started + " before " + before);
            assertTtlAtMostConfigured(key);
            assertEquals(200, get(h.get("ops_url") + "/health"), "ops_url reaches the service's /health");

            List<ServiceInfo> listed = StatusReader.services(bus);
            assertEquals(1, listed.size(), listed.toString());
            assertEquals("hbsvc", listed.get(0).name());
            assertEquals(h.get("ops_url"), listed.get(0).opsUrl());
            assertTrue(listed.get(0).ageSec() >= 0 && listed.get(0).ageSec() < 30, listed.toString());

            // refreshed: the TTL only goes down unless the heartbeat sets it again
            await("the TTL to run down a little", () -> bus.redis().pttl(key) <= TTL_SEC * 1000L - 500);
            long low = bus.redis().pttl(key);
            await("the TTL to be set again", () -> bus.redis().pttl(key) > low);

            // FLUSHALL stands in for a Redis restart without persistence: the next refresh rewrites the whole hash
            bus.redis().flushall();
            assertEquals(0L, bus.redis().exists(key));
            await("the heartbeat after FLUSHALL", () -> bus.redis().hgetall(key).equals(h));
            assertTtlAtMostConfigured(key);
        } finally {
            running.close();
        }
        assertEquals(0L, bus.redis().exists(key), "deleted on a clean stop, not left to expire");
        assertTrue(StatusReader.services(bus).isEmpty());
    }

    @Test
    void aFailingRefreshIsCountedLoggedOnceAndTheHeartbeatRecovers() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(Heartbeat.class);
        logger.addAppender(logs);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String key = bus.keys().service("broken", "i1");
        bus.redis().set(key, "not a hash"); // every HSET on it fails with WRONGTYPE, as every command does while Redis is down
        ServiceInfo info = new ServiceInfo("broken", "i1", "http://127.0.0.1:1", "dev", Clock.nowSec(), 0);
        try (Heartbeat hb = new Heartbeat(bus, info, TTL_SEC, meters)) {
            await("three failed refreshes", () -> failures(meters) >= 3);
            long warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
            assertEquals(1, warnings, "at most once a minute: " + logs.list);
            bus.redis().del(key);
            await("the heartbeat once Redis takes it again", () -> "hash".equals(bus.redis().type(key)));
            assertTtlAtMostConfigured(hb.key());
        } finally {
            logger.detachAppender(logs);
        }
        assertEquals(0L, bus.redis().exists(key));
    }

    private static double failures(SimpleMeterRegistry meters) {
        var c = meters.find("autoscaler_heartbeat_failures").tag("service", "broken").counter();
        return c == null ? 0 : c.count();
    }

    private static void assertTtlAtMostConfigured(String key) {
        long ttl = bus.redis().ttl(key);
        assertTrue(ttl > 0 && ttl <= TTL_SEC, "TTL " + ttl + " s, HEARTBEAT_TTL_SEC " + TTL_SEC);
    }

    private static int get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    /** Polls {@code condition} until it holds or 10 s pass. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
