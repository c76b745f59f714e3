package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.ReplicaRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.executor.backend.ProcessBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real executors (process backend, real app replicas, a real redis-server) on one target: one acts, the other
 * stands by; when the active one stops, the standby takes the lease over and adopts the replicas that run instead of
 * starting new ones; after a Redis restart that lost everything it registers them again and starts or stops none.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TwoExecutorsOneTargetTest {
    private static final String TARGET = "pair";
    private static final double LEASE_SEC = 3;

    private RedisServer redis;
    private RedisBus bus;
    private Path logDir;
    private final String prefix = "two" + ThreadLocalRandom.current().nextInt(1_000_000) + ":";
    private final int portBase = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
    private final List<ServiceContext> contexts = new ArrayList<>();
    private final List<ReplicaExecutor> executors = new ArrayList<>();
    private ProcessBackend replicas;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus(prefix);
        logDir = Files.createTempDirectory("two-executors-");
        // the executors' own scope, to find (and finally stop) the replicas they share
        replicas = new ProcessBackend(ReplicaScope.of(new RedisSettings(redis.url(), prefix)), List.of(), Map.of(), portBase, logDir, Set::of);
    }

    @AfterEach
    void stop() {
        executors.forEach(ReplicaExecutor::close);
        contexts.forEach(ServiceContext::close);
        // replicas outlive executors on purpose; a test must not leave them behind
        replicas.discover(TARGET).forEach(r -> replicas.stop(r, Duration.ofSeconds(5)));
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    @Test
    void oneActsTheOtherStandsByAndTakesTheRunningReplicasOverWithinOneLeaseTtl() throws Exception {
        setDesired(2);
        ReplicaExecutor a = executor();
        ReplicaExecutor b = executor();
        awaitTrue(60, "two replicas ready", () -> readyIds().size() == 2);
        awaitTrue(10, "one active, one standby", () -> Set.of(role(a), role(b)).equals(Set.of("active", "standby")));
        ReplicaExecutor active = role(a).equals("active") ? a : b;
        ReplicaExecutor standby = active == a ? b : a;
        awaitTrue(10, "the standby sees who holds the lease", () -> holder(active).equals(holder(standby)));
        long standbyReconciles = reconciles(standby);
        awaitTrue(10, "the standby reconciles a few times (RECONCILE_SEC=1)", () -> reconciles(standby) >= standbyReconciles + 3);
        Map<String, String> before = pidsById();
        assertEquals(2, before.size(), "the standby started none of its own: " + before);
        assertEquals(before.keySet(), readyIds());

        active.close();
        long releasedAt = System.nanoTime();
        awaitTrue(LEASE_SEC, "the standby takes the lease over within one lease ttl", () -> role(standby).equals("active"));
        System.out.printf("lease handover after close: %d ms (EXECUTOR_LEASE_SEC=%s)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt), LEASE_SEC);
        long afterTakeover = reconciles(standby);
        awaitTrue(10, "the new holder reconciles a few times", () -> reconciles(standby) >= afterTakeover + 3);
        assertEquals(before.keySet(), readyIds());
        assertEquals(before, pidsById(), "the same processes: adopted, not restarted");
        assertEquals(before, registeredHandles(), "registered with the same pids");

        setDesired(3);
        awaitTrue(60, "the new holder acts: a third replica ready", () -> readyIds().size() == 3);
        Map<String, String> three = pidsById();
        assertTrue(three.entrySet().containsAll(before.entrySet()), "the first two kept: " + three);

        redis = redis.restart();
        awaitTrue(20, "after Redis lost everything the running replicas are registered again",
                () -> registeredHandlesOrEmpty().equals(three) && readyIds().size() == 3);
        assertEquals(three, pidsById(), "none started or stopped because Redis forgot the desired count and the registry");
    }

    // ---- helpers ----

    private ReplicaExecutor executor() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redis.url());
        env.put("KEY_PREFIX", prefix);
        env.put("TARGETS", TARGET);
        env.put("MIN_REPLICAS", "1");
        env.put("MAX_REPLICAS", "4");
        env.put("EXECUTOR_LEASE_SEC", String.valueOf(LEASE_SEC));
        env.put("RECONCILE_SEC", "1");
        env.put("START_TIMEOUT_SEC", "90");
        env.put("DRAIN_SEC", "1");
        env.put("DRAIN_SETTLE_SEC", "0");
        env.put("GRACE_SEC", "5");
        env.put("APP_PORT_BASE", String.valueOf(portBase));
        env.put("REPLICA_LOG_DIR", logDir.toString());
        ServiceContext ctx = new ServiceContext(new Env(env));
        contexts.add(ctx);
        ReplicaExecutor e = new ReplicaExecutor(ctx);
        executors.add(e);
        return e;
    }

    private void setDesired(int n) {
        bus.redis().hset(bus.keys().desired(TARGET), Map.of("replicas", String.valueOf(n), "plan_id", "plan-" + n));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lease(ReplicaExecutor e) {
        Map<String, Object> target = (Map<String, Object>) e.health().details().get(TARGET);
        assertNotNull(target, "no lease in /health: " + e.health().details());
        return (Map<String, Object>) target.get("lease");
    }

    private static String role(ReplicaExecutor e) {
        return String.valueOf(lease(e).get("role"));
    }

    private static String holder(ReplicaExecutor e) {
        return String.valueOf(lease(e).get("holder"));
    }

    private static long reconciles(ReplicaExecutor e) {
        return ((Number) e.health().details().get("reconciles")).longValue();
    }

    /** The replica processes that run, found from the machine: id -> pid. */
    private Map<String, String> pidsById() {
        return replicas.discover(TARGET).stream().collect(Collectors.toMap(ReplicaRecord::id, ReplicaRecord::handle));
    }

    private Map<String, String> registeredHandles() {
        Map<String, String> out = new HashMap<>();
        bus.redis().hgetall(bus.keys().registry(TARGET)).forEach((id, json) -> out.put(id, Json.read(json, ReplicaRecord.class).handle()));
        return out;
    }

    /** As {@link #registeredHandles}, empty while the test's own connection is still reconnecting. */
    private Map<String, String> registeredHandlesOrEmpty() {
        try {
            return registeredHandles();
        } catch (RuntimeException reconnecting) {
            return Map.of();
        }
    }

    private Set<String> readyIds() {
        try {
            return bus.redis().hgetall(bus.keys().registry(TARGET)).values().stream().map(j -> Json.read(j, ReplicaRecord.class))
                    .filter(r -> r.state() == State.ready).map(ReplicaRecord::id).collect(Collectors.toSet());
        } catch (RuntimeException reconnecting) {
            return Set.of();
        }
    }

    private static void awaitTrue(double seconds, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("not within " + seconds + " s: " + what);
            Thread.sleep(50);
        }
    }
}
