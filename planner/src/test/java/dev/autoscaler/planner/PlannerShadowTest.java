package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HPA and KPA shadows in the planner's plans, against a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlannerShadowTest {

    @Test
    void thePlansCarryWhatHpaAndKpaWouldHoldAndTheTotalsOfAllThree() throws Exception {
        // 170 rps on 2 replicas of 100 rps capacity: 85 % utilisation, past HPA's 70 % and its 10 % tolerance, and KPA's 70 rps per pod
        Plan last = run(Map.of(), 20);
        Plan.Shadow shadow = last.telemetry().shadow();
        assertNotNull(shadow, "a shadow once the capacity is known");
        assertEquals(3, shadow.hpa().replicas(), "HPA at its 15 s sync: ceil(2 x 0.85 / 0.7)");
        assertEquals(3, shadow.kpa().replicas(), "KPA: ceil(170 / 70)");
        assertEquals(2, shadow.ours().replicas());
        assertEquals(2 * 19, shadow.ours().replicaS(), 1e-9, "19 seconds between the first window and the last, at 2");
        assertEquals(2 * 15 + 3 * 4, shadow.hpa().replicaS(), 1e-9, "2 until its sync at 15 s, then 3");
        assertEquals(0, shadow.ours().estViolationS(), 1e-9, "85 rps per replica is under the capacity");
        assertEquals(1_761_581_000.0, shadow.sinceTs(), 1e-9);

        assertNull(run(Map.of("PLANNER_SHADOWS", "false"), 3).telemetry().shadow(), "off: no shadow");
    }

    private static Plan run(Map<String, String> extra, int windows) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "SLO_P95_MS", "100", "CAPACITY_RPS", "100",
                    "SAMPLE_INTERVAL", "1", "LLM_PROVIDER", "none", "PLANNER_MODE", "advise"));
            env.putAll(extra);
            ServiceContext ctx = new ServiceContext(new Env(env));
            RedisBus bus = redis.bus();
            LinkedBlockingQueue<Plan> plans = new LinkedBlockingQueue<>();
            bus.subscribe(Channels.ACTIONS, Plan.class, plans::add);
            PlannerService planner = new PlannerService(ctx);
            try {
                RegistryFixture.register(bus, "app", 2);
                Plan p = null;
                for (int i = 0; i < windows; i++) {
                    bus.publish(Channels.ALERTS, new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, 170, 1.0, 20, 20, 40.0, 40, 40,
                            170, 170.0, 0, 2, "access_log", 1_761_581_000.0 + i));
                    p = plans.poll(10, TimeUnit.SECONDS);
                    assertNotNull(p, "a plan for window " + i);
                }
                // what `status` (and --json) shows is the last plan's shadow; the planner writes last:{target} after publishing
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                StatusReader.TargetStatus row = StatusReader.read(bus).get(0);
                while (!java.util.Objects.equals(row.shadow(), p.telemetry().shadow()) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    row = StatusReader.read(bus).get(0);
                }
                assertEquals(p.telemetry().shadow(), row.shadow(), "status shows the last plan's shadow");
                if (row.shadow() != null) {
                    assertTrue(Json.write(row).contains("\"est_violation_s\""), Json.write(row));
                }
                return p;
            } finally {
                planner.close();
                ctx.close();
                bus.close();
            }
        }
    }
}
