package dev.autoscaler.planner.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Targets shared out among planners through a real redis-server: one owner at a time, joins, leaves and crashes. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShardedLeasesTest {
    static final int TARGETS = 40;
    static final Duration TTL = Duration.ofMillis(1500);
    RedisServer redis;
    RedisBus bus;
    final List<ShardedLeases> planners = new ArrayList<>();
    final Map<String, List<String>> taken = new ConcurrentHashMap<>();
    final Map<String, List<String>> givenUp = new ConcurrentHashMap<>();
    /** Rounds in which two planners said they owned one target: must stay 0. */
    int doubleOwned;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus();
    }

    @AfterEach
    void stop() {
        planners.forEach(ShardedLeases::close);
        bus.close();
        redis.close();
    }

    private ShardedLeases planner(String name) {
        ShardedLeases p = new ShardedLeases(bus, "planner", name, TTL, new TargetOwnership.Listener() {
            @Override
            public void taken(String target) {
                taken.computeIfAbsent(name, n -> new ArrayList<>()).add(target);
            }

            @Override
            public void givingUp(String target) {
                givenUp.computeIfAbsent(name, n -> new ArrayList<>()).add(target);
            }
        }).start();
        planners.add(p);
        return p;
    }

    /** One window for every target, offered to every planner as a planner's lane would; returns each target's owners. */
    private Map<String, Set<String>> round(List<ShardedLeases> live) {
        Map<String, Set<String>> owners = new ConcurrentHashMap<>();
        for (int t = 0; t < TARGETS; t++) {
            String target = "t" + t;
            for (ShardedLeases p : live) if (p.owns(target)) owners.computeIfAbsent(target, k -> ConcurrentHashMap.newKeySet()).add(p.holder());
            if (owners.getOrDefault(target, Set.of()).size() > 1) doubleOwned++;
        }
        return owners;
    }

    /** Rounds until every target has one owner, counting any round with two. */
    private Map<String, Set<String>> settle(List<ShardedLeases> live) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            Map<String, Set<String>> owners = round(live);
            if (owners.size() == TARGETS && owners.values().stream().allMatch(s -> s.size() == 1)) return owners;
            if (System.nanoTime() > deadline) fail("targets not settled: " + owners);
            Thread.sleep(50);
        }
    }

    private static long count(Map<String, Set<String>> owners, String holder) {
        return owners.values().stream().filter(s -> s.contains(holder)).count();
    }

    @Test
    void theTargetsAreSharedAndANewPlannerTakesItsShareWithoutTwoOwnersAtOnce() throws Exception {
        ShardedLeases a = planner("a"), b = planner("b");
        awaitTrue(() -> a.health().get("members").equals(List.of("a", "b")) && b.health().get("members").equals(List.of("a", "b")),
                "each sees both");
        Map<String, Set<String>> two = settle(List.of(a, b));
        assertTrue(count(two, "a") > 5 && count(two, "b") > 5, "both hold a share: " + count(two, "a") + "/" + count(two, "b"));
        assertEquals(Set.copyOf(a.heldTargets()), Set.copyOf(two.entrySet().stream().filter(e -> e.getValue().contains("a")).map(Map.Entry::getKey).toList()));

        ShardedLeases c = planner("c");
        for (ShardedLeases p : List.of(a, b, c)) {
            // meanwhile the windows go on: a and b keep deciding until they see c
            awaitTrue(() -> round(List.of(a, b, c)) != null && p.health().get("members").equals(List.of("a", "b", "c")), p.holder() + " sees c");
        }
        Map<String, Set<String>> three = settle(List.of(a, b, c));
        long cHolds = count(three, "c");
        assertTrue(cHolds > 3, "the new planner took its share without a restart of the others: " + cHolds);
        assertEquals(cHolds, givenUp.getOrDefault("a", List.of()).size() + givenUp.getOrDefault("b", List.of()).size(),
                "every target c took was given up (its state saved) by its last owner first");
        assertEquals(0, doubleOwned, "no round had two owners of one target");
        assertEquals(Map.of("c", Set.copyOf(taken.get("c"))), Map.of("c", Set.copyOf(c.heldTargets())));
    }

    @Test
    void aCrashedPlannersTargetsAreTakenWithinAboutOneTtlAndItsFencedWritesRefused() throws Exception {
        ShardedLeases a = planner("a"), b = planner("b");
        awaitTrue(() -> a.health().get("members").equals(List.of("a", "b")), "a sees both");
        awaitTrue(() -> b.health().get("members").equals(List.of("a", "b")), "b sees both");
        Map<String, Set<String>> two = settle(List.of(a, b));
        String ofB = two.entrySet().stream().filter(e -> e.getValue().contains("b")).map(Map.Entry::getKey).findFirst().orElseThrow();
        assertTrue(b.writeFenced(ofB, bus.keys().desired(ofB), "replicas", "3"));
        assertFalse(a.writeFenced(ofB, bus.keys().desired(ofB), "replicas", "9"), "not a's to write");

        long crashed = System.nanoTime();
        b.abandon(); // no release, no leaving: its membership and leases run out
        Map<String, Set<String>> one = settle(List.of(a));
        double tookSec = (System.nanoTime() - crashed) / 1e9;
        assertEquals(TARGETS, count(one, "a"));
        // a lease runs out one ttl after its last renewal, and a learns of the crash at its next look at the members
        assertTrue(tookSec < TTL.toMillis() * 2 / 1000.0, "b's targets taken " + tookSec + " s after the crash (ttl "
                + TTL.toMillis() / 1000.0 + " s)");
        assertTrue(a.writeFenced(ofB, bus.keys().desired(ofB), "replicas", "4"));
        // b wakes up (a GC pause, say) with its old token: refused, whatever it believes
        assertFalse(new dev.autoscaler.common.bus.FencingTokens(bus, "planner:" + ofB).write(1, bus.keys().desired(ofB), "replicas", "1"));
        assertEquals("4", bus.redis().hget(bus.keys().desired(ofB), "replicas"));
        assertEquals(0, doubleOwned);
    }

    @Test
    void aPlannerThatStopsReleasesAtOnce() throws Exception {
        ShardedLeases a = planner("a"), b = planner("b");
        awaitTrue(() -> a.health().get("members").equals(List.of("a", "b")) && b.health().get("members").equals(List.of("a", "b")),
                "each sees both");
        settle(List.of(a, b));
        b.close();
        assertEquals(0L, bus.redis().keys(bus.keys().lease("planner:*")).stream().filter(k -> "b".equals(bus.redis().get(k))).count(),
                "b released every lease");
        assertEquals(List.of("a"), bus.redis().zrange(bus.keys().members("planner"), 0, -1), "b left the members");
        assertFalse(b.owns("t0"), "a closed planner owns nothing");
        settle(List.of(a));
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out: " + what);
            Thread.sleep(20);
        }
    }
}
