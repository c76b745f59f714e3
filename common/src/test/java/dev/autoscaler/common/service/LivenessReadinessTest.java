package dev.autoscaler.common.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.status.ServiceInfo;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.common.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /health} (liveness) never depends on Redis, {@code /ready} does; a stuck message handler fails liveness; the
 * healthcheck probe reads the ops URL the service wrote; a service's lease role reaches {@code status} through its
 * heartbeat. Against a real redis-server that the test stops and starts again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LivenessReadinessTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static Service service(Map<String, Object> details) {
        return new Service() {
            @Override
            public OpsServer.Health health() {
                return new OpsServer.Health(true, details);
            }

            @Override
            public void close() {}
        };
    }

    static Env env(RedisServer redis, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "KEY_PREFIX", "lr:", "HEARTBEAT_TTL_SEC", "3"));
        env.putAll(more);
        return new Env(env);
    }

    @Test
    void withRedisStoppedHealthStaysUpAndReadyGoesDownUntilItIsBack() throws Exception {
        RedisServer redis = RedisServer.start();
        Path opsUrlFile = Files.createTempFile("ops-url", ".txt");
        Map<String, Object> lease = Map.of("lease", Map.of("name", "planner", "role", "standby", "holder", "host-7-42"));
        ServiceRunner.Running running = ServiceRunner.start("lrsvc", env(redis, Map.of("OPS_URL_FILE", opsUrlFile.toString())),
                ctx -> service(lease));
        String ops = "http://127.0.0.1:" + running.opsPort();
        try (RedisBus reader = redis.bus("lr:")) {
            assertEquals(200, get(ops + "/health").statusCode());
            assertEquals(200, get(ops + "/ready").statusCode());
            assertEquals(ops, Files.readString(opsUrlFile).trim(), "the ops URL for the container's healthcheck");
            assertTrue(dev.autoscaler.common.ops.HealthProbe.probe(opsUrlFile, "/ready"));

            await("the heartbeat with the lease", () -> !StatusReader.services(reader).isEmpty());
            ServiceInfo info = StatusReader.services(reader).get(0);
            assertEquals(new ServiceInfo.Lease("planner", "standby", "host-7-42"), info.lease());
            assertEquals("standby (lease held by host-7-42)", info.roleText());
            assertTrue(Json.write(info).contains("\"lease\":{\"name\":\"planner\",\"role\":\"standby\",\"holder\":\"host-7-42\"}"));

            redis.close();
            await("/ready to say Redis is away", () -> status(ops + "/ready") == 503);
            long t0 = System.nanoTime();
            var health = get(ops + "/health");
            double healthSec = (System.nanoTime() - t0) / 1e9;
            assertEquals(200, health.statusCode(), "liveness does not depend on Redis: " + health.body());
            assertTrue(healthSec < 2, "/health answers without waiting for Redis: " + healthSec + " s");
            assertTrue(health.body().contains("\"version\":\"dev\""), "the build's version (dev from classes): " + health.body());
            var ready = get(ops + "/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("\"redis\":\"down\""), ready.body());
            assertTrue(dev.autoscaler.common.ops.HealthProbe.probe(opsUrlFile, "/health"));
            assertFalse(dev.autoscaler.common.ops.HealthProbe.probe(opsUrlFile, "/ready"));

            redis = redis.restart();
            await("/ready once Redis is back", () -> status(ops + "/ready") == 200);
            assertEquals(200, get(ops + "/health").statusCode());
        } finally {
            running.close();
            redis.close();
            Files.deleteIfExists(opsUrlFile);
        }
    }

    @Test
    void aStuckMessageHandlerFailsLivenessUntilItReturns() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            CountDownLatch release = new CountDownLatch(1);
            ServiceRunner.Running running = ServiceRunner.start("stuck", env(redis, Map.of("BUS_HANDLER_STUCK_SEC", "5")), ctx -> {
                ctx.bus().subscribe(Channels.RESULTS, com.fasterxml.jackson.databind.JsonNode.class, m -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                return service(Map.of());
            });
            String ops = "http://127.0.0.1:" + running.opsPort();
            try (RedisBus bus = redis.bus("lr:")) {
                assertEquals(200, get(ops + "/health").statusCode());
                bus.publishRaw(Channels.RESULTS, "{}");
                await("liveness to fail on the stuck handler", () -> status(ops + "/health") == 503);
                assertTrue(get(ops + "/health").body().contains("a message handler has been busy for"));
                release.countDown();
                await("liveness back once it returned", () -> status(ops + "/health") == 200);
            } finally {
                release.countDown();
                running.close();
            }
        }
    }

    @Test
    void badBusSettingsStopTheServiceAtStartNamingTheVariable() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            for (var bad : List.of(Map.of("MAX_MESSAGE_BYTES", "10"), Map.of("BUS_QUEUE_MAX", "0"), Map.of("BUS_HANDLER_STUCK_SEC", "x"))) {
                var e = org.junit.jupiter.api.Assertions.assertThrows(ServiceRunner.StartFailed.class,
                        () -> ServiceRunner.start("bad", env(redis, bad), ctx -> service(Map.of())));
                assertEquals(2, e.exitCode(), bad.toString());
            }
        }
    }
}
