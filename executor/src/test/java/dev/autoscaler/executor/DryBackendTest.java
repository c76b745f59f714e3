package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.ReplicaRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * EXECUTOR_BACKEND=dry: the real executor over a real redis-server for several targets, with nothing started. Replicas
 * are registered ready at once and follow desired both ways; the registry is what a planner reads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DryBackendTest {

    @Test
    void replicasFollowDesiredForEveryTargetWithNothingStarted() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBus bus = redis.bus("dry:")) {
            var ctx = new ServiceContext(new Env(Map.ofEntries(Map.entry("REDIS_URL", redis.url()), Map.entry("KEY_PREFIX", "dry:"),
                    Map.entry("EXECUTOR_BACKEND", "dry"), Map.entry("TARGETS", "a,b,c"), Map.entry("MIN_REPLICAS", "1"),
                    Map.entry("MAX_REPLICAS", "20"), Map.entry("RECONCILE_SEC", "0.5"), Map.entry("DRAIN_SEC", "0"),
                    Map.entry("DRAIN_SETTLE_SEC", "0"))));
            try (var executor = new ReplicaExecutor(ctx)) {
                for (String t : List.of("a", "b", "c")) awaitTrue("one replica of " + t, () -> ready(bus, t) == 1);
                bus.redis().hset(bus.keys().desired("b"), Map.of("replicas", "12", "plan_id", "up"));
                awaitTrue("b at 12", () -> ready(bus, "b") == 12);
                bus.redis().hset(bus.keys().desired("b"), Map.of("replicas", "3", "plan_id", "down"));
                awaitTrue("b down to 3", () -> ready(bus, "b") == 3 && bus.redis().hlen(bus.keys().registry("b")) == 3);
                assertEquals(1, ready(bus, "a"), "the other targets untouched");
                assertEquals(1, ready(bus, "c"));
                assertMetered(ctx.meters());
                var registry = bus.redis().hgetall(bus.keys().registry("b")).values().stream()
                        .map(j -> Json.read(j, ReplicaRecord.class)).toList();
                assertTrue(registry.stream().allMatch(r -> "dry".equals(r.handle()) && r.address().startsWith("127.0.0.1:")), registry.toString());
                assertEquals(3, registry.stream().map(ReplicaRecord::address).distinct().count(), "each its own address");

                // noop plans at the count the last reconcile settled are answered without one; another count is reconciled
                // once a reconcile found b settled at 3 (the drain's own reconcile acted), a noop at 3 is answered
                awaitTrue("b settled at 3", () -> Map.of("a", 1, "b", 3, "c", 1).equals(executor.health().details().get("settled")));
                long answeredBefore = answered(executor);
                for (int i = 0; i < 20; i++) bus.publish(Channels.ACTIONS, noop("n" + i, "b", 3));
                awaitTrue("20 noop results", () -> results(bus, "n").size() == 20);
                assertTrue(results(bus, "n").stream().allMatch(r -> "noop".equals(r.result().status()) && r.replicasAfter() == 3),
                        results(bus, "n").toString());
                assertEquals(20, answered(executor) - answeredBefore);
                bus.publish(Channels.ACTIONS, noop("other", "b", 5));
                awaitTrue("the other count reconciled", () -> results(bus, "other").size() == 1);
                assertEquals(20, answered(executor) - answeredBefore,
                        "a noop at another count than the settled one is reconciled, not answered");
            } finally {
                ctx.close();
            }
        }
    }

    /** What dashboards and alerts read: each reconcile's result by target, failures from 0, and who leads. */
    private static void assertMetered(io.micrometer.core.instrument.MeterRegistry meters) {
        assertTrue(meters.get("autoscaler_executor_reconciles").tags("target", "b", "result", "ok").counter().count() >= 2,
                "b scaled up and down: two reconciles at least changed the fleet");
        assertEquals(0, meters.get("autoscaler_executor_reconciles").tags("target", "a", "result", "error").counter().count());
        assertEquals(0, meters.get("autoscaler_executor_reconciles").tags("target", "a", "result", "failed").counter().count());
        for (String t : List.of("a", "b", "c")) {
            assertEquals(1, meters.get("autoscaler_executor_leader").tag("target", t).gauge().value(), "the one executor leads " + t);
        }
    }

    private static long answered(ReplicaExecutor executor) {
        return ((Number) executor.health().details().get("noops_answered")).longValue();
    }

    private static Plan noop(String id, String target, int replicas) {
        return new Plan("plan", System.currentTimeMillis() / 1000.0, id, target, target,
                new Plan.Decision(Plan.Action.noop, target, replicas, "test", 0.9, "heuristic", "enforce"), null);
    }

    /** This test's results whose plan id starts with {@code prefix}. */
    private static List<ExecResult> results(RedisBus bus, String prefix) {
        return bus.redis().xrange(bus.keys().resultsStream(), io.lettuce.core.Range.create("-", "+")).stream()
                .map(e -> Json.read(e.getBody().values().iterator().next(), ExecResult.class))
                .filter(r -> r.planId() != null && r.planId().startsWith(prefix)).toList();
    }

    private static long ready(RedisBus bus, String target) {
        return bus.redis().hgetall(bus.keys().registry(target)).values().stream()
                .filter(j -> Json.read(j, ReplicaRecord.class).state() == State.ready).count();
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
