package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The planner's {@code history:{target}} stream: one entry per decided window, against a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlannerHistoryTest {
    RedisServer redis;
    ServiceContext ctx;
    PlannerService planner;
    RedisBus bus;
    final LinkedBlockingQueue<Plan> plans = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        ctx = new ServiceContext(new Env(Map.of("REDIS_URL", redis.url(), "SLO_P95_MS", "100", "CAPACITY_RPS", "100",
                "SAMPLE_INTERVAL", "1", "LLM_PROVIDER", "none")));
        bus = redis.bus();
        bus.subscribe(Channels.ACTIONS, Plan.class, plans::add);
        planner = new PlannerService(ctx);
        RegistryFixture.register(bus, "app", 2);
    }

    @AfterEach
    void stop() {
        planner.close();
        ctx.close();
        bus.close();
        redis.close();
    }

    @Test
    void everyWindowIsAppendedWithItsPlanAndInModeOffAlone() throws Exception {
        List<LatencyMetrics> windows = new ArrayList<>();
        List<Plan> decided = new ArrayList<>();
        for (double p95 : new double[] {40, 250, 60}) {
            LatencyMetrics m = window(p95, windows.size());
            windows.add(m);
            bus.publish(Channels.ALERTS, m);
            Plan p = plans.poll(10, TimeUnit.SECONDS);
            assertNotNull(p, "a plan for window " + windows.size());
            decided.add(p);
        }
        // the plan is published before the window is recorded: wait for the third entry, then check there are no more
        awaitHistory(3);
        List<StreamMessage<String, String>> history = history();
        assertEquals(3, history.size(), history.toString());
        for (int i = 0; i < 3; i++) {
            Map<String, String> e = history.get(i).getBody();
            assertEquals(windows.get(i).ts(), Json.read(e.get("window"), LatencyMetrics.class).ts(), "window " + i);
            assertEquals(windows.get(i).p95Ms(), Json.read(e.get("window"), LatencyMetrics.class).p95Ms());
            assertEquals(decided.get(i).id(), Json.read(e.get("plan"), Plan.class).id(), "the plan of window " + i);
        }
        assertTrue(decided.stream().anyMatch(p -> p.decision().action() != Plan.Action.noop), "a decision, not only noops");

        bus.redis().hset(bus.keys().targetSettings("app"), "mode", "off");
        LatencyMetrics off = window(40, 3);
        bus.publish(Channels.ALERTS, off);
        awaitHistory(4);
        Map<String, String> last = history().get(3).getBody();
        assertEquals(off.ts(), Json.read(last.get("window"), LatencyMetrics.class).ts());
        assertFalse(last.containsKey("plan"), "mode off publishes no plan: " + last.keySet());
    }

    private static LatencyMetrics window(double p95, int i) {
        return new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, 100, 1.0, p95 / 2, p95 / 2, p95, p95, p95, 150, 150.0, 0,
                2, "access_log", 1_761_581_000.0 + i);
    }

    private List<StreamMessage<String, String>> history() {
        return bus.redis().xrange(bus.keys().history("app"), Range.create("-", "+"));
    }

    private void awaitHistory(int entries) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (history().size() < entries) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + entries + " history entries: " + history());
            Thread.sleep(20);
        }
    }

    @Test
    void aManualScaleIsOneManualPlanWithinTheBoundsAndWaitsWhileTheModeIsOff() throws Exception {
        String settings = bus.keys().targetSettings("app");
        bus.redis().hset(settings, Map.of("mode", "off", "scale", "4"));
        bus.publish(Channels.ALERTS, window(40, 0));
        awaitHistory(1);
        assertEquals("4", bus.redis().hget(settings, "scale"), "mode off applies nothing: the scale waits");

        bus.redis().hdel(settings, "mode");
        bus.publish(Channels.ALERTS, window(40, 1));
        Plan p = plans.poll(10, TimeUnit.SECONDS);
        assertNotNull(p);
        assertEquals("manual", p.decision().source(), p.decision().reason());
        assertEquals(4, p.decision().targetReplicas());
        assertEquals("4", bus.redis().hget(bus.keys().desired("app"), "replicas"));
        assertEquals(null, bus.redis().hget(settings, "scale"), "taken once");
    }
}
