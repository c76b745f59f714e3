package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.common.bus.LocalCertificates;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.status.StatusReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.executor.backend.ReplicaRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crash recovery and bad input on a running stack (planner in advise mode, so desired state is set by the test), whose
 * Redis speaks TLS only, as {@code autoscaler demo --tls} runs it: every service connects over TLS with the run's
 * client certificate and its own ACL user, through the restarts below.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RecoveryIT {
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = new HashMap<>(PipelineIT.fastSettings());
        env.put("PLANNER_MODE", "advise");
        stack = new LocalStack(Files.createTempDirectory("it-recovery"), env).tls(true).start();
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
        var next = last;
        long planDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < planDeadline && (next == null || next.equals(last))) {
            Thread.sleep(100);
            next = stack.bus().redis().hget(stack.bus().keys().last(LocalStack.TARGET), "plan");
        }
        assertTrue(next != null && !next.equals(last), "a new plan after the garbage");
    }

    @Test
    void theStacksRedisAnswersOnlyTlsClientsWithTheRunsCertificateAndAUser() throws Exception {
        assertTrue(stack.redisUrl().startsWith("rediss://"), stack.redisUrl());
        int port = URI.create(stack.redisUrl()).getPort();
        String plain = dev.autoscaler.cli.ComposeCheck.unauthenticatedPing(port);
        assertFalse(plain.startsWith("+") || plain.startsWith("-"), "a plaintext client got a Redis answer: " + plain);

        LocalCertificates certs = LocalCertificates.in(stack.runDir().resolve("secrets/tls"));
        Map<String, String> noUser = new HashMap<>(certs.clientEnv());
        String refused = refusal(noUser);
        assertTrue(refused.contains("NOAUTH"), "TLS without a user: " + refused);

        Map<String, String> noCertificate = new HashMap<>(LocalStack.operatorEnv(stack.runDir()));
        noCertificate.remove("REDIS_TLS_CERT_FILE");
        noCertificate.remove("REDIS_TLS_KEY_FILE");
        String handshake = refusal(noCertificate);
        assertFalse(handshake.isEmpty(), "the admin user without the client certificate was served");
        assertFalse(handshake.contains("NOAUTH") || handshake.contains("WRONGPASS"), "refused in the handshake, before any user: " + handshake);

        // what `autoscaler status` reads the demo with: the admin user and the run's certificates
        Map<String, String> operator = new HashMap<>(LocalStack.operatorEnv(stack.runDir()));
        operator.put("REDIS_URL", stack.redisUrl());
        try (RedisBus bus = new RedisBus(RedisSettings.from(new Env(operator)), new SimpleMeterRegistry(), false)) {
            assertEquals(List.of(LocalStack.TARGET), StatusReader.read(bus).stream().map(StatusReader.TargetStatus::target).toList());
        }
    }

    /** What a client with these settings (on the stack's URL) is told on its first command; empty if it is served. */
    private static String refusal(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("REDIS_URL", stack.redisUrl());
        try (RedisBus bus = new RedisBus(RedisSettings.from(new Env(env)), new SimpleMeterRegistry(), false)) {
            bus.redis().ping();
            return "";
        } catch (RuntimeException e) {
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) chain.append(t).append(" / ");
            return chain.toString();
        }
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

    /**
     * Windows lost while Redis is away do not pile their requests onto the windows after it, and the ticks a wait on Redis
     * held up do not come all at once as windows of milliseconds (one request in 7 ms read as 143 a second): each
     * window's rate is the rate of its own span (a pile-up reads as a burst, and a burst as a need for replicas). A
     * window may be longer than SAMPLE_INTERVAL when the monitor waited on Redis: its window_sec says so.
     */
    @Test
    void theWindowsAfterRedisWasAwayCountOnlyTheirOwnRequests() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(stack.process("redis") != null, "stack uses an external Redis");
        List<Double> before = windowRates(5, 30);
        double steady = before.stream().sorted().toList().get(before.size() / 2);
        Path monitorLog = stack.logFile("monitor");
        long lostBefore = windowsNotPublished(monitorLog);
        stack.killRedis();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (windowsNotPublished(monitorLog) < lostBefore + 4) {
            assertTrue(System.nanoTime() < deadline, "the monitor did not miss 4 windows within 30 s with Redis away");
            Thread.sleep(100);
        }
        stack.startRedisAgain();
        List<Double> after = windowRates(3, 30);
        double highest = after.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertTrue(highest <= 2 * steady + 1, "windows after the outage: " + after + " requests/s against " + steady
                + " before (" + before + "): requests carried over, or windows of milliseconds");
    }

    /**
     * The requests per second of window span ({@code requests / window_sec}) of the next {@code n} windows the planner
     * records in history, waiting up to {@code sec}.
     */
    private static List<Double> windowRates(int n, int sec) throws Exception {
        String history = stack.bus().keys().history(LocalStack.TARGET);
        String from = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(sec);
        List<Double> out = new java.util.ArrayList<>();
        while (out.size() < n) {
            assertTrue(System.nanoTime() < deadline, "no " + n + " windows within " + sec + " s: " + out);
            try {
                if (from == null) {
                    var newest = stack.bus().redis().xrevrange(history, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.create(0, 1));
                    from = newest.isEmpty() ? "0" : newest.get(0).getId();
                }
                for (var e : stack.bus().redis().xrange(history, io.lettuce.core.Range.create("(" + from, "+"))) {
                    from = e.getId();
                    if (out.size() < n && e.getBody().containsKey("window")) {
                        var w = dev.autoscaler.common.msg.Json.read(e.getBody().get("window"), dev.autoscaler.common.msg.LatencyMetrics.class);
                        out.add(Math.round(w.requests() / w.windowSec() * 10) / 10.0);
                    }
                }
            } catch (RuntimeException reconnecting) {
                // the test's own connection is reconnecting after the restart
            }
            Thread.sleep(200);
        }
        return out;
    }

    private static long windowsNotPublished(Path log) throws java.io.IOException {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("window not published")).count();
        }
    }
}
