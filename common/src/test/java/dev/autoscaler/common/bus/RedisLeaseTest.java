package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two holders of one lease against a real redis-server; time is a clock the test moves, Redis's ttl is real. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisLeaseTest {
    private RedisServer redis;
    private RedisBus bus;
    private final AtomicLong clock = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus("lt:");
    }

    @AfterEach
    void stop() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    private RedisLease lease(String holder, long ttlMs) {
        return new RedisLease(bus, "planner", holder, Duration.ofMillis(ttlMs), clock::get);
    }

    @Test
    void oneHoldsTheOtherStandsByAndTakesOverOnRelease() {
        RedisLease a = lease("a", 10_000), b = lease("b", 10_000);
        assertTrue(a.tryHold());
        assertFalse(b.tryHold());
        assertEquals("a", b.holderSeen());
        assertTrue(a.tryHold(), "the holder renews");
        long first = a.token();
        a.close();
        assertTrue(b.tryHold(), "a released lease is free at once");
        assertTrue(b.token() > first, "each holding takes a newer fencing token");
        assertFalse(a.held());
    }

    @Test
    void aHolderThatStopsRenewingLosesItWhenRedisExpiresIt() throws Exception {
        RedisLease a = lease("a", 300), b = lease("b", 300);
        assertTrue(a.tryHold());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!b.tryHold()) {
            assertTrue(System.nanoTime() < deadline, "b never took the expired lease");
            Thread.onSpinWait();
        }
        assertFalse(a.tryHold(), "the old holder finds it taken and stands by");
    }

    @Test
    void aHolderActsOnlyUntilEightyPercentOfTheTtlAfterItsLastRenewal() {
        RedisLease a = lease("a", 10_000);
        assertTrue(a.tryHold());
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(7_900));
        assertTrue(a.held());
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
        assertFalse(a.held(), "past 80 % of the ttl without a renewal it must not act");
    }

    @Test
    void aStaleHolderCannotOverwriteANewerHoldersWrite() {
        RedisLease a = lease("a", 10_000), b = lease("b", 10_000);
        assertTrue(a.tryHold());
        String key = bus.keys().desired("app");
        assertTrue(a.writeFenced(key, "replicas", "3"));
        bus.redis().del(bus.keys().lease("planner")); // a's lease lost (as if it hung past its ttl)
        assertTrue(b.tryHold());
        assertTrue(b.writeFenced(key, "replicas", "5"));
        assertTrue(a.held(), "a does not know yet: its local deadline has not passed");
        assertFalse(a.writeFenced(key, "replicas", "1"), "an older fencing token is refused");
        assertEquals("5", bus.redis().hget(key, "replicas"));
    }

    @Test
    void theHolderTakesTheLeaseAgainAfterARedisRestartLostIt() throws Exception {
        RedisLease a = lease("a", 10_000);
        assertTrue(a.tryHold());
        redis = redis.restart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!a.tryHold()) {
            assertTrue(System.nanoTime() < deadline, "never held again after the restart");
            Thread.sleep(50); // a reconnect poll, not a stand-in for a condition: tryHold is the condition
        }
        assertEquals("a", bus.redis().get(bus.keys().lease("planner")));
    }

    @Test
    void tokensKeepRisingWhenRedisLosesTheCounter() throws Exception {
        RedisLease a = lease("a", 10_000), b = lease("b", 10_000);
        assertTrue(a.tryHold());
        long before = a.token();
        redis = redis.restart(); // the counter is gone with everything else
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!b.tryHold()) {
            assertTrue(System.nanoTime() < deadline, "b never took the lease after the restart");
            Thread.sleep(50); // a reconnect poll: tryHold is the condition
        }
        assertTrue(b.token() > before, "a new holder's token is above the old one: " + b.token() + " vs " + before);
    }
}
