package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.ReplicaRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.executor.backend.ProcessBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real executor (process backend, real app replicas, a real redis-server) busy with a drain that waits out
 * DRAIN_SEC (no watcher reports upstreams here) while plans keep coming: they join one reconcile, whose result answers
 * for the newest and names the others. No periodic reconcile runs meanwhile (RECONCILE_SEC=600): only the plans, and
 * a replica's exit, ask.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PlansWhileTheLaneIsBusyTest {
    private static final String TARGET = "busy";

    private RedisServer redis;
    private RedisBus bus;
    private ServiceContext ctx;
    private ReplicaExecutor executor;
    private ProcessBackend replicas;
    private final String prefix = "busy" + ThreadLocalRandom.current().nextInt(1_000_000) + ":";

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus(prefix);
        Path logDir = Files.createTempDirectory("busy-lane-");
        replicas = new ProcessBackend(ReplicaScope.of(new RedisSettings(redis.url(), prefix)), List.of(), Map.of(), 0, logDir, Set::of);
        ctx = new ServiceContext(new Env(Map.ofEntries(Map.entry("REDIS_URL", redis.url()), Map.entry("KEY_PREFIX", prefix),
                Map.entry("TARGETS", TARGET), Map.entry("MIN_REPLICAS", "1"), Map.entry("MAX_REPLICAS", "3"),
                Map.entry("RECONCILE_SEC", "600"), Map.entry("START_TIMEOUT_SEC", "90"), Map.entry("DRAIN_SEC", "4"),
                Map.entry("DRAIN_SETTLE_SEC", "0"), Map.entry("GRACE_SEC", "5"),
                Map.entry("APP_PORT_BASE", String.valueOf(20_000 + ThreadLocalRandom.current().nextInt(20_000))),
                Map.entry("REPLICA_LOG_DIR", logDir.toString()))));
    }

    @AfterEach
    void stop() {
        if (executor != null) executor.close();
        ctx.close();
        replicas.discover(TARGET).forEach(r -> replicas.stop(r, Duration.ofSeconds(5)));
        bus.close();
        redis.close();
    }

    @Test
    void plansThatComeWhileADrainRunsJoinOneReconcileWhoseResultAnswersForTheNewest() throws Exception {
        setDesired(2);
        executor = new ReplicaExecutor(ctx);
        awaitTrue(60, "two replicas ready", () -> count(State.ready) == 2);

        setDesired(1);
        bus.publish(Channels.ACTIONS, plan("p0"));
        awaitTrue(10, "the drain began", () -> count(State.draining) == 1);
        for (String id : List.of("p1", "p2", "p3")) bus.publish(Channels.ACTIONS, plan(id));

        awaitTrue(30, "results for p0 and p3", () -> resultsByPlan().keySet().containsAll(Set.of("p0", "p3")));
        Map<String, JsonNode> results = resultsByPlan();
        assertEquals(Set.of("p0", "p3"), results.keySet(), "one result per reconcile, for the newest plan");
        assertTrue(results.get("p0").path("result").path("message").asText().contains("drained and stopped"), results.get("p0").toString());
        String folded = results.get("p3").path("result").path("message").asText();
        assertTrue(folded.contains("2 older plan(s) folded into this one while they waited (p1, p2)"), folded);
        assertEquals(2L, ((Number) executor.health().details().get("plans_coalesced")).longValue());
        assertEquals(1, count(State.ready));
    }

    @Test
    void aReplicaThatDiesIsReplacedAtOnceWithoutAPlanOrATick() throws Exception {
        setDesired(2);
        executor = new ReplicaExecutor(ctx);
        awaitTrue(60, "two replicas ready", () -> count(State.ready) == 2);
        ReplicaRecord victim = bus.redis().hgetall(bus.keys().registry(TARGET)).values().stream()
                .map(j -> Json.read(j, ReplicaRecord.class)).findFirst().orElseThrow();
        ProcessHandle.of(Long.parseLong(victim.handle())).orElseThrow().destroyForcibly();
        // RECONCILE_SEC=600 and no plan: only the backend's word that it exited can start the reconcile
        awaitTrue(60, "the dead replica replaced", () -> count(State.ready) == 2
                && !bus.redis().hexists(bus.keys().registry(TARGET), victim.id()));
    }

    private static Plan plan(String id) {
        return new Plan("plan", System.currentTimeMillis() / 1000.0, id, TARGET, TARGET,
                new Plan.Decision(Plan.Action.scale_down, TARGET, 1, "test", 0.9, "manual", "enforce"), null);
    }

    private void setDesired(int n) {
        bus.redis().hset(bus.keys().desired(TARGET), Map.of("replicas", String.valueOf(n), "plan_id", "desired-" + n));
    }

    private long count(State s) {
        return bus.redis().hgetall(bus.keys().registry(TARGET)).values().stream()
                .filter(j -> Json.read(j, ReplicaRecord.class).state() == s).count();
    }

    /** The results of this test's plans in the {@code results} stream (level-triggered ones left out). */
    private Map<String, JsonNode> resultsByPlan() {
        Map<String, JsonNode> out = new java.util.HashMap<>();
        List<JsonNode> all = new ArrayList<>();
        for (var e : bus.redis().xrange(bus.keys().resultsStream(), io.lettuce.core.Range.create("-", "+"))) {
            all.add(Json.read(e.getBody().get(ExecResult.STREAM_FIELD), JsonNode.class));
        }
        for (JsonNode r : all) {
            String id = r.path("plan_id").asText();
            if (id.matches("p\\d")) out.put(id, r);
        }
        return out;
    }

    private static void awaitTrue(double seconds, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("not within " + seconds + " s: " + what);
            Thread.sleep(50);
        }
    }
}
