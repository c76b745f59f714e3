package dev.autoscaler.planner.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.planner.advisor.CallBudget.Refusal;
import dev.autoscaler.planner.advisor.CallBudget.Urgency;
import dev.autoscaler.planner.llm.LlmSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The LLM call budget: its reserve for pressing targets, and one budget shared by planners through a real Redis. */
class CallBudgetTest {
    static RedisServer redis;
    final AtomicLong clockMs = new AtomicLong(1_000_000);

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    static LlmSettings settings(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", "k"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return LlmSettings.from(new Env(env));
    }

    double now() {
        return clockMs.get() / 1000.0;
    }

    @Test
    void aCalmTargetLeavesTheReserveToPressingOnes() {
        // 6 a minute, 1 reserved: the bucket holds 2 and refills 5 a minute (one every 12 s)
        CallBudget b = CallBudget.local(settings("LLM_RPM", "6", "LLM_RESERVE", "1"), this::now);
        assertNull(b.take(Urgency.CALM), "from a full bucket");
        assertEquals(1, b.left());
        assertEquals(Refusal.RESERVED, b.take(Urgency.CALM), "the last call is the reserve");
        assertEquals(1, b.left(), "a calm refusal gives its call back");
        assertNull(b.take(Urgency.NEAR), "near a breach takes the reserve");
        assertEquals(Refusal.SPENT, b.take(Urgency.BREACH));
        assertTrue(b.explain(Refusal.SPENT, Urgency.BREACH).contains("LLM_RPM=6"), b.explain(Refusal.SPENT, Urgency.BREACH));
        clockMs.addAndGet(12_000);
        assertEquals(Refusal.RESERVED, b.take(Urgency.CALM), "one call back: the reserve again");
        assertNull(b.take(Urgency.BREACH));
        clockMs.addAndGet(24_000);
        assertNull(b.take(Urgency.CALM), "full again");
    }

    @Test
    void urgencyComesFromP95AgainstTheThreshold() {
        assertEquals(Urgency.BREACH, Urgency.of(120, 100.0, 0.8));
        assertEquals(Urgency.NEAR, Urgency.of(85, 100.0, 0.8));
        assertEquals(Urgency.CALM, Urgency.of(60, 100.0, 0.8));
        assertEquals(Urgency.CALM, Urgency.of(500, null, 0.8), "no threshold yet");
    }

    @Test
    void theReserveStaysBelowTheRate() {
        assertEquals(0, settings("LLM_RPM", "1").reserve(), "one call a minute: nothing to keep back");
        assertEquals(1, settings().reserve());
        var e = assertThrows(ConfigException.class, () -> settings("LLM_RPM", "3", "LLM_RESERVE", "3"));
        assertTrue(e.getMessage().contains("LLM_RESERVE"), e.getMessage());
        assertThrows(ConfigException.class, () -> settings("LLM_NEAR_BREACH", "1.5"));
    }

    /**
     * Two planners, each its own connection to Redis, one asking for a calm target and one for a breaching one every
     * second for five minutes: together never more than LLM_RPM in any minute, and the breach gets the calls.
     */
    @Test
    void plannersShareOneBudgetInRedisAndTheBreachIsAskedFirst() {
        LlmSettings s = settings("LLM_RPM", "6", "LLM_RESERVE", "1");
        try (RedisBus one = redis.bus("share1:"); RedisBus two = redis.bus("share1:")) {
            CallBudget calm = CallBudget.shared(s, one, this::now);
            CallBudget breach = CallBudget.shared(s, two, this::now);
            List<Double> calmCalls = new ArrayList<>();
            List<Double> breachCalls = new ArrayList<>();
            for (int sec = 0; sec < 300; sec++) {
                clockMs.addAndGet(1000);
                if (calm.take(Urgency.CALM) == null) calmCalls.add(now());
                if (breach.take(Urgency.BREACH) == null) breachCalls.add(now());
            }
            List<Double> all = new ArrayList<>(calmCalls);
            all.addAll(breachCalls);
            all.sort(Double::compare);
            for (double from : all) {
                long inMinute = all.stream().filter(t -> t >= from && t < from + 60).count();
                assertTrue(inMinute <= 6, inMinute + " calls in the minute from " + from + ": " + all);
            }
            assertTrue(breachCalls.size() >= 24, "the breach got the refills (5 a minute): " + breachCalls.size());
            assertTrue(calmCalls.size() <= 1, "the calm target only the first full bucket: " + calmCalls);
            String key = "share1:llm-budget:gemini:6/1";
            assertEquals(1, one.redis().exists(key), "the bucket is in Redis");
            assertTrue(one.redis().pttl(key) > 0, "and goes away once unused");
        }
    }

    @Test
    void withoutRedisNoCallStarts() throws Exception {
        LlmSettings s = settings("LLM_RPM", "6");
        RedisServer own = RedisServer.start();
        try (RedisBus bus = own.bus("gone:")) {
            CallBudget b = CallBudget.shared(s, bus, this::now);
            assertNull(b.take(Urgency.CALM));
            own.close();
            clockMs.addAndGet(60_000);
            assertEquals(Refusal.UNREACHABLE, b.take(Urgency.BREACH));
            assertTrue(b.explain(Refusal.UNREACHABLE, Urgency.BREACH).contains("did not answer"));
            assertEquals(Refusal.UNREACHABLE, b.take(Urgency.BREACH), "not asked again for a while");
        }
    }
}
