package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.local.LocalRedisCluster;
import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Redis Cluster of three masters (Debian's redis-server, made with redis-cli --cluster create): the bus on it
 * (commands routed by slot, one target's keys in one slot, per-target messages on sharded channels, SCAN over every
 * node), and the whole pipeline with REDIS_URL naming the three nodes.
 */
class RedisClusterIT {
    static LocalRedisCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalRedisCluster.start(Files.createTempDirectory("it-redis-cluster"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** A bus on the cluster, as a service's, whose keys and channels start with {@code prefix}. */
    static RedisBus bus(String prefix) {
        return new RedisBus(RedisSettings.from(new Env(Map.of("REDIS_URL", cluster.url(), "KEY_PREFIX", prefix))),
                new SimpleMeterRegistry(), false);
    }

    @Test
    void aTargetsKeysShareASlotScriptsOverThemRunAndTargetsSpreadOverTheMasters() {
        try (RedisBus bus = bus("c1:")) {
            Keys k = bus.keys();
            assertEquals("c1:desired:{app}", k.desired("app"));
            Set<Long> slots = List.of(k.desired("app"), k.registry("app"), k.targetSettings("app"), k.plannerState("app"),
                    k.plannerRises("app"), k.last("app"), k.history("app"), k.upstreams("app"), k.replicaCounter("app")).stream()
                    .map(key -> bus.redis().clusterKeyslot(key)).collect(Collectors.toSet());
            assertEquals(1, slots.size(), "one slot for all of app's keys: " + slots);
            // a script over three of them, as the planner's window writes are
            Long n = bus.redis().eval("redis.call('SET', KEYS[1], 'a'); redis.call('HSET', KEYS[2], 'f', 'b'); "
                    + "redis.call('XADD', KEYS[3], '*', 'x', 'y'); return 3", ScriptOutputType.INTEGER,
                    new String[] {k.plannerState("app"), k.last("app"), k.history("app")});
            assertEquals(3L, n);
            Set<String> thirds = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                bus.redis().hset(k.desired("t" + i), Map.of("replicas", "2"));
                long slot = bus.redis().clusterKeyslot(k.desired("t" + i));
                thirds.add(slot < 5461 ? "first" : slot < 10923 ? "second" : "third"); // how redis-cli shares the slots out
            }
            assertEquals(3, thirds.size(), "40 targets' keys on all three masters: " + thirds);
            assertEquals("2", bus.redis().hget(k.desired("t39"), "replicas"));
        }
    }

    @Test
    void pubSubReachesEverySubscriberAndStatusFindsTargetsOnEveryNode() throws Exception {
        try (RedisBus a = bus("c2:"); RedisBus b = bus("c2:")) {
            List<LatencyMetrics> heard = new CopyOnWriteArrayList<>();
            b.subscribe(Channels.ALERTS, LatencyMetrics.class, heard::add);
            for (int i = 0; i < 12; i++) a.redis().hset(a.keys().desired("s" + i), Map.of("replicas", "1"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                a.publish(Channels.ALERTS, new LatencyMetrics(LatencyMetrics.KIND, "s1", "http://x/", 1.0, 10, 1.0, 10.0, 10.0, 20.0, 30.0,
                        40.0, 10.0, 10.0, 0, 1, "probe", 1.0));
                Thread.sleep(100);
            }
            assertEquals("s1", heard.get(0).target());
            Set<String> targets = StatusReader.read(a).stream().map(StatusReader.TargetStatus::target).collect(Collectors.toSet());
            assertEquals(12, targets.size(), "SCAN walked every node, and the names lost their tags: " + targets);
            assertTrue(targets.contains("s11"), targets.toString());
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyServiceRunsOnTheClusterAndAStepScalesUp() throws Exception {
        Map<String, String> env = new HashMap<>(PipelineIT.fastSettings());
        env.put("REDIS_URL", cluster.url());
        env.put("KEY_PREFIX", "pipeline:");
        try (LocalStack stack = new LocalStack(Files.createTempDirectory("it-cluster"), env).targets(List.of("app", "shop")).start()) {
            List<Plan> plans = new CopyOnWriteArrayList<>();
            stack.bus().subscribe(Channels.ACTIONS, Plan.class, plans::add);
            String shop = stack.lbUrl("shop");
            assertEquals(0, PipelineIT.load(shop, new RateShape.Constant(80), 5).failed());
            LoadReport step = PipelineIT.load(shop, new RateShape.Constant(300), 25);
            assertTrue(step.ok() > 6000, step.toString());
            assertTrue(stack.readyReplicas("shop") >= 2, "shop scaled up on the cluster: " + stack.readyReplicas("shop"));
            assertTrue(plans.stream().anyMatch(p -> p.target().equals("app")) && plans.stream().anyMatch(p -> p.target().equals("shop")),
                    "plans for both targets");

            var redis = stack.bus().redis();
            Keys k = stack.bus().keys();
            Set<Long> shopSlots = Set.of(k.desired("shop"), k.registry("shop"), k.plannerState("shop"), k.last("shop"), k.history("shop"))
                    .stream().map(redis::clusterKeyslot).collect(Collectors.toSet());
            assertEquals(1, shopSlots.size(), shopSlots.toString());
            assertEquals(1, redis.exists(k.plannerState("shop")), "the planner's state, written by its script");
            // the windows, plans and results went out on each target's sharded channel, on the node of its slot
            String shardChannels = cluster.ports().stream().map(p -> p + ": " + cluster.cli(p, "pubsub", "shardchannels").replace('\n', ' '))
                    .collect(Collectors.joining("; "));
            for (String ch : List.of("pipeline:alerts:{shop}", "pipeline:actions:{shop}", "pipeline:alerts:{app}", "pipeline:actions:{app}")) {
                assertTrue(shardChannels.contains(ch), ch + " among " + shardChannels);
            }
            assertEquals("SPUBLISH", stack.bus().route(Channels.ACTIONS, "shop").command());
            var rows = StatusReader.read(stack.bus());
            assertEquals(List.of("app", "shop"), rows.stream().map(StatusReader.TargetStatus::target).toList());
            assertTrue(rows.get(1).ready() >= 2, rows.toString());
            for (String svc : List.of("monitor", "planner", "executor", "watcher")) {
                String log = Files.readString(stack.logFile(svc));
                assertFalse(log.contains("CROSSSLOT") || log.contains("MOVED"), svc + ": " + log.lines()
                        .filter(l -> l.contains("CROSSSLOT") || l.contains("MOVED")).findFirst().orElse(""));
            }
        }
    }
}
