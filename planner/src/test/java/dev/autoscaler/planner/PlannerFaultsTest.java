package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The planner under the faults of its own control plane: Redis lost, a second planner. Real redis-server. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PlannerFaultsTest {
    RedisServer redis;
    RedisBus bus;
    ServiceContext ctxA, ctxB;
    PlannerService a, b;
    final LinkedBlockingQueue<Plan> plans = new LinkedBlockingQueue<>();
    double ts = 1_761_581_000.0;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus();
        bus.subscribe(Channels.ACTIONS, Plan.class, plans::add);
    }

    @AfterEach
    void stop() {
        for (PlannerService p : new PlannerService[] {a, b}) if (p != null) p.close();
        for (ServiceContext c : new ServiceContext[] {ctxA, ctxB}) if (c != null) c.close();
        bus.close();
        redis.close();
    }

    private ServiceContext context(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "SLO_P95_MS", "100", "CAPACITY_RPS", "100",
                "SAMPLE_INTERVAL", "1", "LLM_PROVIDER", "none", "MIN_REPLICAS", "1", "MAX_REPLICAS", "10"));
        env.putAll(extra);
        return new ServiceContext(new Env(env));
    }

    private LatencyMetrics window(double p95, double rps, int ready) {
        ts += 1;
        return new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, (int) rps, 1.0, p95 / 2, p95 / 2, p95, p95, p95, rps, rps,
                0, ready, "access_log", ts);
    }

    private Plan decide(LatencyMetrics m) throws InterruptedException {
        bus.publish(Channels.ALERTS, m);
        Plan p = plans.poll(10, TimeUnit.SECONDS);
        assertNotNull(p, "a plan for the window");
        return p;
    }

    private String desired() {
        return bus.redis().hget(bus.keys().desired("app"), "replicas");
    }

    @Test
    void anEmptyRegistryAfterARedisRestartIsHeldNotPlannedAsZeroReady() throws Exception {
        ctxA = context(Map.of());
        a = new PlannerService(ctxA);
        RegistryFixture.register(bus, "app", 8);
        bus.redis().hset(bus.keys().desired("app"), Map.of("replicas", "8"));
        Plan before = decide(window(30, 300, 8));
        assertEquals(8, before.decision().targetReplicas(), before.decision().reason());

        redis = redis.restart(); // everything in Redis is gone: desired, registry, planner state, the lease
        awaitTrue(() -> bus.ping(), "the test's bus reconnects");
        awaitTrue(() -> bus.redis().zcard(bus.keys().members("planner")) == 1, "the planner joins the members again");
        // the planner's and this test's subscriptions come back with their connections: a window published before
        // would reach nobody
        awaitTrue(() -> subscribers(Channels.ALERTS) >= 1 && subscribers(Channels.ACTIONS) >= 1, "both re-subscribed");
        plans.clear();
        Plan held = decide(window(30, 300, 0));
        assertEquals(Plan.Action.noop, held.decision().action());
        assertTrue(held.decision().reason().contains("current count unknown"), held.decision().reason());
        assertNull(held.decision().targetReplicas(), "no count is claimed while it is unknown");
        assertNull(desired(), "nothing written to desired while the count is unknown");
        assertNotNull(bus.redis().get(bus.keys().plannerState("app")), "the policy state is saved again");

        // the executor re-registers what runs; a window measured before that still says 0 ready
        RegistryFixture.register(bus, "app", 8);
        Plan stale = decide(window(30, 300, 0));
        assertEquals(Plan.Action.noop, stale.decision().action(), stale.decision().reason());
        assertNull(desired());

        // half of them registered again when the next window comes: the planner still knows it asked for 8
        RegistryFixture.register(bus, "app", 5);
        Plan after = decide(window(30, 300, 5));
        assertEquals(8, after.telemetry().currentReplicas(), "planned from the 8 it asked for, not the 5 registered so far: "
                + after.decision().reason());
        assertNotNull(desired(), "desired written back");
        assertTrue((Long) a.health().details().get("restored_desired") >= 1, "counted on /health");
    }

    @Test
    void aFleetScaledToZeroIsBelievedAndCanScaleUpAgain() throws Exception {
        ctxA = context(Map.of("MIN_REPLICAS", "0"));
        a = new PlannerService(ctxA);
        bus.redis().hset(bus.keys().desired("app"), Map.of("replicas", "0"));
        Plan p = decide(window(30, 300, 0));
        assertEquals(Plan.Action.scale_up, p.decision().action(), "desired 0 and nothing registered is a known 0: "
                + p.decision().reason());
    }

    @Test
    void oneOfTwoPlannersDecidesATargetAndTheOtherTakesItOverWhenItStops() throws Exception {
        // a short lease, so the handover is quick; long enough that a busy machine does not drop it between renewals
        ctxA = context(Map.of("PLANNER_LEASE_SEC", "3"));
        a = new PlannerService(ctxA);
        ctxB = context(Map.of("PLANNER_LEASE_SEC", "3"));
        b = new PlannerService(ctxB);
        RegistryFixture.register(bus, "app", 2);
        awaitTrue(() -> members(a).size() == 2 && members(b).size() == 2, "each planner sees both");

        for (int i = 0; i < 3; i++) decide(window(30, 100, 2));
        assertNull(plans.poll(500, TimeUnit.MILLISECONDS), "one plan per window, not two");
        PlannerService owner = (long) a.health().details().get("windows") == 3 ? a : b;
        PlannerService other = owner == a ? b : a;
        assertEquals(3L, owner.health().details().get("windows"));
        assertEquals(0L, other.health().details().get("windows"));
        assertEquals("active", role(owner));
        assertEquals("standby", role(other));
        assertEquals(owner.health().details().get("lease") instanceof Map<?, ?> l ? l.get("holder") : null,
                bus.redis().hget(bus.keys().last("app"), "planner"), "last:app names the planner that decided");

        owner.close();
        if (owner == a) a = null; else b = null;
        // the one that stopped left the members and released the target: the other takes it at its next look at them
        awaitTrue(() -> members(other).size() == 1, "the other sees it left");
        plans.clear();
        assertNotNull(decide(window(30, 100, 2)));
        assertEquals(1L, other.health().details().get("windows"));
        assertEquals("active", role(other));
    }

    @SuppressWarnings("unchecked")
    private static java.util.List<String> members(PlannerService p) {
        return (java.util.List<String>) ((Map<String, Object>) p.health().details().get("lease")).get("members");
    }

    private long subscribers(String channel) {
        return bus.redis().pubsubNumsub(channel).getOrDefault(channel, 0L);
    }

    @SuppressWarnings("unchecked")
    private static String role(PlannerService p) {
        return (String) ((Map<String, Object>) p.health().details().get("lease")).get("role");
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // Redis still reconnecting
            }
            if (System.nanoTime() > deadline) fail("timed out: " + what);
            Thread.sleep(20);
        }
    }
}
