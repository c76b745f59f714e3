package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.executor.ReplicaRecord;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Crash recovery and bad input on a running stack (planner in advise mode, so desired state is set by the test). */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RecoveryIT {
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = new HashMap<>(PipelineIT.fastSettings());
        env.put("PLANNER_MODE", "advise");
        stack = new LocalStack(Files.createTempDirectory("it-recovery"), env).start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    static void setDesired(int n) {
        stack.bus().redis().hset(stack.bus().keys().desired(LocalStack.TARGET), Map.of("replicas", String.valueOf(n)));
    }

    static Set<String> pids() {
        return stack.registry().stream().map(ReplicaRecord::handle).collect(Collectors.toSet());
    }

    @Test
    void aKilledExecutorIsRestartedAndAdoptsTheRunningReplicasWithoutDuplicatesOrOrphans() throws Exception {
        setDesired(3);
        stack.awaitReady(3, 60);
        Set<String> before = pids();
        assertEquals(3, before.size());

        stack.killService("executor");
        // the registry loses one entry while the executor is down: adoption must find that replica by itself
        ReplicaRecord lost = stack.registry().get(0);
        stack.bus().redis().hdel(stack.bus().keys().registry(LocalStack.TARGET), lost.id());
        stack.startService("executor");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !(stack.readyReplicas() == 3 && pids().equals(before))) Thread.sleep(200);
        assertEquals(before, pids(), "the same three processes, adopted");
        stack.awaitReconciles(3, 30); // several reconciles: nothing new may start
        assertEquals(before, pids());
        assertEquals(3, stack.replicaProcesses().size(), "no duplicate replica was started");
        assertEquals(200, Http.get(stack.lbUrl()).statusCode());
    }

    @Test
    void aMalformedMessageOnEveryChannelIsCountedAndDroppedAndTheServicesCarryOn() throws Exception {
        // malformed on every channel (a well-formed message of another kind, like the PoC's {"kind":"error"} on
        // actions, is counted as malformed too: the gate drops what no handler here would act on)
        String[] garbage = {"not json", "{\"kind\":\"plan\",\"ts\":\"yesterday\"}", "[1,2]", "{\"target\":\"bad name!\"}"};
        for (String channel : new String[] {Channels.ALERTS, Channels.ACTIONS, Channels.REPLICAS, Channels.UPSTREAMS, Channels.RESULTS}) {
            for (String g : garbage) stack.bus().publishRaw(channel, g);
        }
        Map<String, String> subscriberOf = Map.of(Channels.ALERTS, "planner", Channels.ACTIONS, "executor",
                Channels.REPLICAS, "watcher", Channels.UPSTREAMS, "executor");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (var e : subscriberOf.entrySet()) {
            String url = "http://127.0.0.1:" + stack.opsPorts().get(e.getValue()) + "/metrics";
            double count = 0;
            while (System.nanoTime() < deadline) {
                count = Http.metric(Http.get(url).body(), "autoscaler_messages_malformed_total{channel=\"" + e.getKey() + "\"}");
                if (count >= garbage.length) break;
                Thread.sleep(100);
            }
            assertEquals(garbage.length, count, e.getValue() + " counts every malformed message on " + e.getKey());
        }
        for (String service : LocalStack.SERVICES) {
            var health = Http.get("http://127.0.0.1:" + stack.opsPorts().get(service) + "/health");
            assertEquals(200, health.statusCode(), service + " is still healthy: " + health.body());
        }
        // and the planner still decides on the next good window
        var last = stack.bus().redis().hget(stack.bus().keys().last(LocalStack.TARGET), "plan");
        Thread.sleep(2500);
        var next = stack.bus().redis().hget(stack.bus().keys().last(LocalStack.TARGET), "plan");
        assertTrue(next != null && !next.equals(last), "a new plan after the garbage");
    }

    @Test
    void aRedisRestartIsSurvived() throws Exception {
        // our own redis-server is a child of the stack; restart it on the same port
        var redisProc = stack.process("redis");
        org.junit.jupiter.api.Assumptions.assumeTrue(redisProc != null, "stack uses an external Redis");
        setDesired(2);
        stack.awaitReady(2, 60);
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < settle && (stack.replicaProcesses().size() != 2 || stack.registry().size() != 2)) Thread.sleep(200);
        Set<String> replicasBefore = pids();
        assertEquals(2, replicasBefore.size());
        String before = stack.bus().redis().hget(stack.bus().keys().last(LocalStack.TARGET), "plan");
        stack.restartRedis();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String after = null;
        while (System.nanoTime() < deadline) {
            try {
                after = stack.bus().redis().hget(stack.bus().keys().last(LocalStack.TARGET), "plan");
                if (after != null && !after.equals(before)) break;
            } catch (RuntimeException reconnecting) {
                // the test's own connection is reconnecting too
            }
            Thread.sleep(200);
        }
        assertTrue(after != null && !after.equals(before), "monitor -> planner flow resumed after the Redis restart");
        // the executor re-adopts its replicas from the machine: the same two, none started or stopped
        long readopt = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < readopt && !pids().equals(replicasBefore)) Thread.sleep(200);
        assertEquals(replicasBefore, pids(), "registry rebuilt from the running replicas");
        assertEquals(2, stack.replicaProcesses().size(), "no replica started or stopped because Redis forgot");
        for (String service : LocalStack.SERVICES) {
            assertEquals(200, Http.get("http://127.0.0.1:" + stack.opsPorts().get(service) + "/health").statusCode(), service);
        }
    }
}
