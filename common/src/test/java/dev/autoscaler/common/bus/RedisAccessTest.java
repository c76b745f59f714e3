package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisAccess.Role;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.common.testing.RedisServer;
import io.lettuce.core.RedisCommandExecutionException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL users of {@link RedisAccess} on a real redis-server started with the file it writes: each does its service's
 * work, and every command outside its table is refused with NOPERM (each refusal listed); a connection without a user
 * gets NOAUTH.
 */
class RedisAccessTest {
    static final Keys KEYS = new Keys("autoscaler:");
    static final String T = "app";
    static RedisServer redis;
    static Map<Role, String> passwords;
    static final Map<Role, RedisBus> buses = new LinkedHashMap<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        passwords = RedisAccess.newPasswords();
        Path acl = Files.writeString(dir.resolve("users.acl"), RedisAccess.aclFile(KEYS, passwords));
        redis = RedisServer.start(List.of("--aclfile", acl.toString()));
        for (Role r : Role.values()) buses.put(r, as(r));
    }

    @AfterAll
    static void stop() {
        buses.values().forEach(RedisBus::close);
        if (redis != null) redis.close();
    }

    static RedisBus as(Role r) {
        return new RedisBus(new RedisSettings(redis.url(), KEYS.prefix(), r.user(), passwords.get(r)), new SimpleMeterRegistry(), false);
    }

    @Test
    void theAclFileHoldsNoPassword() throws Exception {
        String acl = Files.readString(dir.resolve("users.acl"));
        for (String pw : passwords.values()) assertTrue(!acl.contains(pw), "a password in the ACL file");
        assertTrue(acl.startsWith("user default off"), acl);
        assertEquals(Role.values().length + 1, acl.lines().count());
    }

    @Test
    void withoutAUserEveryConnectionIsRefused() {
        try (RedisBus anonymous = new RedisBus(new RedisSettings(redis.url(), KEYS.prefix()), new SimpleMeterRegistry(), false)) {
            anonymous.redis().get(KEYS.desired(T));
            fail("an unauthenticated connection was served");
        } catch (RuntimeException e) {
            assertTrue(chain(e).contains("NOAUTH"), chain(e));
        }
        try (RedisBus wrong = new RedisBus(new RedisSettings(redis.url(), KEYS.prefix(), "planner", "not-its-password"),
                new SimpleMeterRegistry(), false)) {
            wrong.redis().get(KEYS.desired(T));
            fail("a wrong password was served");
        } catch (RuntimeException e) {
            assertTrue(chain(e).contains("WRONGPASS"), chain(e));
        }
    }

    @Test
    void eachServiceDoesItsWorkAsItsOwnUser() {
        // the executor registers a replica and results; the monitor reads the ready count and publishes a window
        RedisBus ex = buses.get(Role.EXECUTOR);
        RedisLease exLease = new RedisLease(ex, "executor:" + T, "ex-1", Duration.ofSeconds(10)).start();
        assertTrue(exLease.held(), "the executor takes its target's lease");
        ex.redis().hset(KEYS.registry(T), "app-dup-1", "{}");
        ex.redis().incr(KEYS.replicaCounter(T));
        ex.redis().hgetall(KEYS.targetSettings(T));
        ex.redis().hget(KEYS.desired(T), "replicas");
        ex.redis().hset(KEYS.last(T), "test-field", "1"); // (the result field, with a value StatusReader need not parse)
        ex.appendCapped(KEYS.resultsStream(), Map.of("json", "{}"), 100);
        ex.publishRaw(Channels.REPLICAS, "{}");
        ex.publishRaw(Channels.RESULTS, "{}");
        exLease.close();

        RedisBus mon = buses.get(Role.MONITOR);
        mon.redis().hgetall(KEYS.registry(T));
        mon.publishRaw(Channels.ALERTS, "{}");

        RedisBus pl = buses.get(Role.PLANNER);
        RedisLease plLease = new RedisLease(pl, "planner", "pl-1", Duration.ofSeconds(10)).start();
        assertTrue(plLease.held(), "the planner takes its lease");
        assertTrue(plLease.writeFenced(KEYS.desired(T), "replicas", "2"), "a fenced write of desired");
        pl.redis().set(KEYS.plannerState(T), "{}");
        pl.redis().hgetall(KEYS.targetSettings(T));
        pl.redis().hdel(KEYS.targetSettings(T), "scale");
        pl.redis().sadd(KEYS.targetsSet(), T);
        pl.redis().hset(KEYS.last(T), "mode", "enforce");
        pl.appendCapped(KEYS.history(T), Map.of("window", "{}"), 100);
        pl.appendCapped(KEYS.eventsStream(), Map.of("json", "{}"), 100);
        pl.appendCapped(KEYS.llmStream(), Map.of("json", "{}"), 100);
        pl.publishRaw(Channels.ACTIONS, "{}");
        plLease.close();

        RedisBus w = buses.get(Role.WATCHER);
        w.redis().hgetall(KEYS.registry(T));
        w.redis().set(KEYS.upstreams(T), "127.0.0.1:1");
        w.publishRaw(Channels.UPSTREAMS, "{}");

        RedisBus dash = buses.get(Role.DASHBOARD);
        StatusReader.read(dash);
        dash.redis().xrange(KEYS.history(T), io.lettuce.core.Range.create("-", "+"));
        dash.redis().xrevrange(KEYS.resultsStream(), io.lettuce.core.Range.create("-", "+"));
        dash.redis().hset(KEYS.targetSettings(T), "mode", "advise");

        assertEquals(1, StatusReader.read(buses.get(Role.ADMIN)).size(), "status as admin sees the target");
        for (Role r : Role.values()) {
            if (r == Role.ADMIN) continue;
            String key = KEYS.service(r.user(), "i-1");
            // the heartbeat's own script and its DEL at a stop
            buses.get(r).redis().eval("redis.call('HSET', KEYS[1], 'a', '1'); return redis.call('EXPIRE', KEYS[1], 30)",
                    io.lettuce.core.ScriptOutputType.INTEGER, key);
            buses.get(r).redis().del(key);
        }
    }

    @Test
    void everythingOutsideEachTableIsRefused() {
        List<String> refused = new ArrayList<>();
        Map<Role, List<Probe>> forbidden = new LinkedHashMap<>();
        forbidden.put(Role.MONITOR, List.of(
                new Probe("HSET desired", b -> b.redis().hset(KEYS.desired(T), "replicas", "1")),
                new Probe("HSET registry", b -> b.redis().hset(KEYS.registry(T), "x", "{}")),
                new Probe("PUBLISH actions", b -> b.publishRaw(Channels.ACTIONS, "{}")),
                new Probe("GET planner state", b -> b.redis().get(KEYS.plannerState(T)))));
        forbidden.put(Role.PLANNER, List.of(
                new Probe("HSET registry", b -> b.redis().hset(KEYS.registry(T), "x", "{}")),
                new Probe("PUBLISH replicas", b -> b.publishRaw(Channels.REPLICAS, "{}")),
                new Probe("SET upstreams", b -> b.redis().set(KEYS.upstreams(T), "evil:1")),
                new Probe("SET executor lease", b -> b.redis().set(KEYS.lease("executor:" + T), "me"))));
        forbidden.put(Role.EXECUTOR, List.of(
                new Probe("HSET desired", b -> b.redis().hset(KEYS.desired(T), "replicas", "9")),
                new Probe("HSET target settings", b -> b.redis().hset(KEYS.targetSettings(T), "llm", "decide")),
                new Probe("PUBLISH alerts", b -> b.publishRaw(Channels.ALERTS, "{}")),
                new Probe("SET planner lease", b -> b.redis().set(KEYS.lease("planner"), "me"))));
        forbidden.put(Role.WATCHER, List.of(
                new Probe("HSET desired", b -> b.redis().hset(KEYS.desired(T), "replicas", "9")),
                new Probe("HSET registry", b -> b.redis().hset(KEYS.registry(T), "x", "{}")),
                new Probe("PUBLISH actions", b -> b.publishRaw(Channels.ACTIONS, "{}"))));
        forbidden.put(Role.DASHBOARD, List.of(
                new Probe("PUBLISH replicas", b -> b.publishRaw(Channels.REPLICAS, "{}")),
                new Probe("PUBLISH actions", b -> b.publishRaw(Channels.ACTIONS, "{}")),
                new Probe("HSET desired", b -> b.redis().hset(KEYS.desired(T), "replicas", "9")),
                new Probe("DEL registry", b -> b.redis().del(KEYS.registry(T)))));
        forbidden.put(Role.ADMIN, List.of());
        for (Role r : Role.values()) {
            List<Probe> probes = new ArrayList<>(forbidden.get(r));
            // nobody, the admin included, may touch the server itself or walk the keyspace with KEYS
            probes.add(new Probe("CONFIG GET", b -> b.redis().configGet("*")));
            probes.add(new Probe("FLUSHALL", b -> b.redis().flushall()));
            probes.add(new Probe("KEYS", b -> b.redis().keys("*")));
            probes.add(new Probe("SET outside the prefix", b -> b.redis().set("other:key", "x")));
            for (Probe p : probes) {
                try {
                    p.call().accept(buses.get(r));
                    fail(r.user() + " was allowed " + p.what());
                } catch (RedisCommandExecutionException e) {
                    assertTrue(e.getMessage().startsWith("NOPERM"), r.user() + " " + p.what() + ": " + e.getMessage());
                    refused.add(r.user() + ": " + p.what());
                }
            }
        }
        System.out.println("refused with NOPERM:\n  " + String.join("\n  ", refused));
        assertEquals(Role.values().length * 4 + 19, refused.size(), String.join("\n", refused));
    }

    record Probe(String what, Consumer<RedisBus> call) {}

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t).append(" / ");
        return sb.toString();
    }
}
