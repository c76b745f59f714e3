package dev.autoscaler.planner.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.planner.advisor.LlmAdvisor.StateKey;
import dev.autoscaler.planner.llm.LlmAnswer;
import dev.autoscaler.planner.llm.LlmException;
import dev.autoscaler.planner.llm.LlmProvider;
import dev.autoscaler.planner.llm.LlmRequest;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.AdviceRules;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the advisor asks and what it does with answers, on a clock the test drives. The provider here is an in-process
 * scripted double (the wire formats are tested against the fake servers in the llm package's tests).
 */
class LlmAdvisorTest {
    static final String KEY = "sk-test-SECRET-9876";

    /** A provider that answers from a script, records when it was asked (on the test clock) and can hang. */
    static final class ScriptedProvider implements LlmProvider {
        final ConcurrentLinkedQueue<Object> script = new ConcurrentLinkedQueue<>();
        final List<Double> askedAt = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong clock;
        /** Calls that were stopped by an interrupt (cancelled) while they hung. */
        final AtomicLong interrupted = new AtomicLong();
        volatile boolean hang;
        /** When set, an answer waits for it: a slow call. */
        volatile CountDownLatch gate;

        ScriptedProvider(AtomicLong clock) {
            this.clock = clock;
        }

        @Override public String name() { return "gemini"; }
        @Override public String model() { return "scripted"; }

        @Override
        public LlmAnswer ask(LlmRequest r) throws LlmException {
            askedAt.add(clock.get() / 1000.0);
            if (hang) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted.incrementAndGet();
                }
                throw new LlmException(LlmException.Kind.TIMEOUT, null, null, "timed out");
            }
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    // cancelled: stop here, as a real client does, rather than answer late
                    Thread.currentThread().interrupt();
                    throw new LlmException(LlmException.Kind.TIMEOUT, null, null, "interrupted");
                }
            }
            Object next = script.poll();
            if (next instanceof LlmException e) throw e;
            if (next instanceof LlmAnswer a) return a;
            return answer("{\"action\":\"noop\",\"confidence\":0.9,\"reasoning\":\"steady\"}");
        }

        @Override public void close() { release.countDown(); }
    }

    static LlmAnswer answer(String text) {
        return new LlmAnswer(text, "STOP", false, 100, 20);
    }

    final AtomicLong clockMs = new AtomicLong(1_000_000);
    final List<LlmCall> audit = new CopyOnWriteArrayList<>();
    ScriptedProvider provider = new ScriptedProvider(clockMs);
    LlmAdvisor advisor;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    LlmAdvisor advisor(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", KEY));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        advisor = new LlmAdvisor(LlmSettings.from(new Env(env)), provider, audit::add, meters, () -> clockMs.get() / 1000.0);
        return advisor;
    }

    @AfterEach
    void close() {
        if (advisor != null) advisor.close();
    }

    static LlmRequest request() {
        return new LlmRequest("system", "{}", 0.1, 64, Map.of(), Duration.ofSeconds(5));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** One window a simulated second later; waits until any call it started has settled. */
    void window(StateKey key) throws InterruptedException {
        clockMs.addAndGet(1000);
        advisor.afterWindow("app", key, LlmAdvisorTest::request);
        await(() -> !advisor.busy("app"), "the call to settle");
    }

    /** One window per simulated second for {@code seconds}, the state changing every window. */
    void flood(int seconds, int replicas) throws InterruptedException {
        for (int i = 0; i < seconds; i++) window(StateKey.of(100 + 50 * (i % 7), replicas + i % 3, i % 2 == 0));
    }

    @Test
    void everyCallOutcomeIsCountedFromZeroSoTheFirstFailureIsARise() throws InterruptedException {
        advisor();
        for (String outcome : List.of("ok", "rejected", "timeout", "429", "error")) {
            var c = meters.find("autoscaler_llm_calls").tag("provider", "gemini").tag("outcome", outcome).counter();
            assertTrue(c != null && c.count() == 0, outcome + " is exported at 0 before any call");
        }
        provider.script.add(new LlmException(LlmException.Kind.RATE_LIMITED, 429, Duration.ofSeconds(45), "HTTP 429 RESOURCE_EXHAUSTED"));
        window(StateKey.of(300, 2, true));
        await(() -> meters.get("autoscaler_llm_calls").tag("outcome", "429").counter().count() == 1, "the 429 counted on the same series");
    }

    @Test
    void aFloodOfStateChangesNeverMakesMoreThanLlmRpmCallsInAnyMinute() throws InterruptedException {
        advisor("LLM_RPM", "6");
        flood(300, 2);
        List<Double> at = new ArrayList<>(provider.askedAt);
        assertTrue(at.size() >= 25, "a call every 10 s at most, and one was due every window: " + at.size());
        for (int i = 0; i < at.size(); i++) {
            int inMinute = 0;
            for (double t : at) if (t >= at.get(i) && t < at.get(i) + 60) inMinute++;
            assertTrue(inMinute <= 6, inMinute + " calls in the minute from " + at.get(i));
        }
    }

    @Test
    void withoutChangesItAsksAtTheHeartbeat() throws InterruptedException {
        advisor("LLM_HEARTBEAT_SEC", "60", "LLM_RPM", "60");
        StateKey same = StateKey.of(200, 3, false);
        for (int i = 0; i < 200; i++) window(same);
        // the first window, then every 60 s: 1, 61, 121, 181
        assertEquals(List.of(1001.0, 1061.0, 1121.0, 1181.0), provider.askedAt);
    }

    /** One window of {@code target} a simulated second later; waits until any call it started has settled. */
    void window(String target, StateKey key) throws InterruptedException {
        clockMs.addAndGet(1000);
        advisor.afterWindow(target, key, LlmAdvisorTest::request);
        await(() -> !advisor.busy(target), "the call to settle");
    }

    @Test
    void whenCallsAreScarceTheBreachIsAskedAndACalmTargetIsAuditedAsSkippedOnce() throws InterruptedException {
        // 2 a minute, 1 kept for breaches: a bucket of 2 refilled once a minute
        advisor("LLM_RPM", "2", "LLM_RESERVE", "1");
        window("calm-a", StateKey.of(100, 2, false));
        for (int i = 0; i < 5; i++) window("calm-b", StateKey.of(100 + 60 * i, 2 + i, false));
        window("hot", StateKey.of(400, 2, true));
        assertEquals(2, provider.askedAt.size(), "calm-a from the full bucket, hot from the reserve: " + audit);
        List<LlmCall> skips = audit.stream().filter(c -> "skipped".equals(c.outcome())).toList();
        assertEquals(List.of("calm-b"), skips.stream().map(LlmCall::target).toList(), "five due windows, one entry: " + skips);
        assertTrue(skips.get(0).reason().contains("kept for targets in or near a breach (LLM_RESERVE)"), skips.get(0).reason());
        assertEquals("first window", skips.get(0).trigger());
        // now nothing is left at all: a second breach waits for the refill, and says so
        window("hot2", StateKey.of(400, 3, true));
        window("hot2", StateKey.of(500, 4, true));
        List<LlmCall> later = audit.stream().filter(c -> "skipped".equals(c.outcome()) && c.target().equals("hot2")).toList();
        assertEquals(1, later.size(), later.toString());
        assertTrue(later.get(0).reason().startsWith("no call left in this planner's budget of LLM_RPM=2 a minute; the next in"),
                later.get(0).reason());
        assertEquals(0L, later.get(0).callsLeft());
        assertEquals(2, provider.askedAt.size());
    }

    @Test
    void aRateLimitBacksOffForAtLeastRetryAfterAndAServerErrorStormDoublesTheWait() throws InterruptedException {
        advisor("LLM_RPM", "600", "LLM_BACKOFF_BASE_SEC", "10", "LLM_BACKOFF_MAX_SEC", "300");
        provider.script.add(new LlmException(LlmException.Kind.RATE_LIMITED, 429, Duration.ofSeconds(45), "HTTP 429 RESOURCE_EXHAUSTED"));
        for (int i = 0; i < 5; i++) provider.script.add(new LlmException(LlmException.Kind.SERVER, 500, null, "HTTP 500 INTERNAL"));
        flood(800, 2);
        List<Double> at = provider.askedAt;
        assertTrue(at.size() >= 7, at.toString());
        assertEquals(45, at.get(1) - at.get(0), 1.0, "Retry-After 45 s over a base of 10 s: " + at);
        // then 500s: 20, 40, 80, 160, 300 (the doubling continues from the 429, capped at LLM_BACKOFF_MAX_SEC)
        double[] waits = {20, 40, 80, 160, 300};
        for (int i = 0; i < waits.length; i++) assertEquals(waits[i], at.get(i + 2) - at.get(i + 1), 1.0, "wait " + i + ": " + at);
        assertEquals("429", audit.get(0).outcome());
        assertTrue(audit.get(0).reason().startsWith("HTTP 429 RESOURCE_EXHAUSTED; next call in 45.0 s"), audit.get(0).reason());
        assertEquals("error", audit.get(1).outcome());
    }

    @Test
    void aHangingCallNeverBlocksAWindowAndOnlyOneIsInFlight() throws InterruptedException {
        advisor("LLM_RPM", "600");
        provider.hang = true;
        long worst = 0;
        for (int i = 0; i < 50; i++) {
            clockMs.addAndGet(1000);
            long t0 = System.nanoTime();
            advisor.afterWindow("app", StateKey.of(100 * (i + 1), 2 + i, true), LlmAdvisorTest::request);
            worst = Math.max(worst, System.nanoTime() - t0);
        }
        await(() -> provider.askedAt.size() == 1, "the one call");
        assertEquals(1, provider.askedAt.size(), "one call in flight per target, however many changes come");
        assertTrue(worst < 1_000_000_000L, "afterWindow returned at once (worst " + worst / 1e6 + " ms)");
        assertNull(advisor.held("app"));
    }

    @Test
    void aCallPastTheHardTimeoutIsCancelledInterruptedAndFreesTheSlot() throws InterruptedException {
        advisor("LLM_RPM", "600", "LLM_TIMEOUT_SEC", "0.1", "LLM_BACKOFF_BASE_SEC", "1");
        provider.hang = true;
        clockMs.addAndGet(1000);
        advisor.afterWindow("app", StateKey.of(100, 2, false), LlmAdvisorTest::request);
        await(() -> !advisor.busy("app"), "the hard timeout to free the slot");
        await(() -> provider.interrupted.get() == 1, "the hanging call's thread to be interrupted");
        assertEquals(1, advisor.cancelled());
        await(() -> !audit.isEmpty(), "the audit entry");
        assertEquals("timeout", audit.get(0).outcome());
        // after the backoff (1 s on the advisor's clock) the next change asks again: nothing piled up behind the hang
        provider.hang = false;
        window(StateKey.of(300, 3, false));
        assertEquals(2, provider.askedAt.size());
        assertNotNull(advisor.held("app"));
    }

    @Test
    void freshAdviceIsHeldAndAdviceOverTakenByAChangeIsStale() throws InterruptedException {
        advisor("LLM_RPM", "600");
        provider.script.add(answer("```json\n{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":0.8,\"reasoning\":\"rising\"}\n```"));
        window(StateKey.of(300, 3, false));
        LlmAdvisor.Held h = advisor.held("app");
        assertEquals(5, h.advice().targetReplicas());
        assertEquals(0.8, h.advice().confidence());
        assertEquals("first window", h.trigger());

        // now a call whose answer comes after the replica count changed
        CountDownLatch slow = new CountDownLatch(1);
        provider.gate = slow;
        provider.script.add(answer("{\"action\":\"scale_down\",\"target_replicas\":2,\"confidence\":0.9,\"reasoning\":\"quiet\"}"));
        clockMs.addAndGet(1000);
        advisor.afterWindow("app", StateKey.of(300, 3, true), LlmAdvisorTest::request);
        await(() -> provider.askedAt.size() == 2, "the second call");
        clockMs.addAndGet(1000);
        advisor.afterWindow("app", StateKey.of(300, 4, true), LlmAdvisorTest::request);
        slow.countDown();
        await(() -> !audit.isEmpty(), "the audit entry");
        assertEquals("rejected", audit.get(0).outcome());
        assertEquals("SLO breach started", audit.get(0).trigger());
        assertEquals("stale: replicas 3 -> 4 while it was in flight", audit.get(0).reason());
        assertNull(advisor.held("app"), "the newest answer replaces what was held: the policy decides alone");
    }

    @Test
    void anUnusableAnswerDropsTheAdviceHeldBeforeIt() throws InterruptedException {
        advisor("LLM_RPM", "600");
        provider.script.add(answer("{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":0.8}"));
        provider.script.add(answer("I would rather not say."));
        window(StateKey.of(300, 3, false));
        assertEquals(5, advisor.held("app").advice().targetReplicas());
        window(StateKey.of(300, 3, true));
        assertNull(advisor.held("app"));
        assertEquals("rejected", audit.get(0).outcome());
        assertEquals("no JSON object in the answer: 'I would rather not say.'", audit.get(0).reason());
    }

    @Test
    void aJudgedAdviceIsAuditedOnceWithWhatWasAppliedAndCountsTowardsAgreement() throws InterruptedException {
        advisor("LLM_RPM", "600");
        provider.script.add(answer("{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":0.8,\"reasoning\":\"rising " + KEY + "\"}"));
        window(StateKey.of(300, 3, false));
        LlmAdvisor.Held h = advisor.held("app");
        assertEquals("rising ***", h.advice().reasoning(), "a key in any text is redacted");
        var applied = advisor.judged("app", h, new AdviceRules.Outcome(true, null, 5, true, 3), "decide", 3);
        assertEquals("applied", applied.status());
        assertEquals(false, applied.agrees(), "the policy kept 3");
        assertEquals(0.0, applied.agreementRate());
        var again = advisor.judged("app", h, new AdviceRules.Outcome(true, null, 5, true, 5), "decide", 5);
        assertEquals(0.0, again.agreementRate(), "one advice counts once");
        assertEquals(1, audit.size());
        LlmCall c = audit.get(0);
        assertEquals("ok", c.outcome());
        assertEquals(5, c.applied());
        assertEquals(100, c.tokensIn());
        assertEquals("decide", c.role());
        assertNotNull(c.advice());
        var rejected = advisor.judged("app", h, new AdviceRules.Outcome(false, "no scale-down while slow", 3, false, 3), "decide", 3);
        assertEquals("rejected", rejected.status());
        assertEquals("no scale-down while slow", rejected.rejection());
    }
}
