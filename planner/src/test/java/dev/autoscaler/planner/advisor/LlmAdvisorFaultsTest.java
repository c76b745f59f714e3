package dev.autoscaler.planner.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.planner.advisor.LlmAdvisor.StateKey;
import dev.autoscaler.planner.llm.LlmProviders;
import dev.autoscaler.planner.llm.LlmRequest;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import dev.autoscaler.testkit.llm.FakeOpenAiServer;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The advisor's faults through the real providers against the local FAKE Gemini and OpenAI servers (their real wire
 * formats): a request builder that throws, a server that stalls mid-answer, one that answers 429 for minutes, garbage
 * answers, advice whose load has moved on, and a close while windows still arrive. In each, nothing is held and the
 * window is the policy's own. The advisor's clock (bucket, backoff, advice age) is the test's; the hard timeout is real.
 */
class LlmAdvisorFaultsTest {
    static final String KEY = "sk-test-SECRET-faults-4242";
    static final ScalingPolicy POLICY = new ScalingPolicy(PolicyConfig.from(new Env(Map.of("SLO_P95_MS", "100", "CAPACITY_RPS", "100"))));

    final AtomicLong clockMs = new AtomicLong(1_000_000);
    final List<LlmCall> audit = new CopyOnWriteArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FakeLlmServer fake;
    LlmAdvisor advisor;

    @AfterEach
    void close() {
        if (advisor != null) advisor.close();
        if (fake != null) fake.close();
    }

    LlmAdvisor start(FakeLlmServer server, String... kv) {
        fake = server;
        Map<String, String> env = new HashMap<>(Map.of("LLM_PROVIDER", server instanceof FakeOpenAiServer ? "openai" : "gemini",
                "LLM_API_KEY", KEY, "LLM_BASE_URL", server.baseUrl(), "LLM_RPM", "600", "LLM_BACKOFF_BASE_SEC", "1",
                "LLM_BACKOFF_MAX_SEC", "60"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        LlmSettings s = LlmSettings.from(new Env(env));
        advisor = new LlmAdvisor(s, LlmProviders.create(s).orElseThrow(), audit::add, meters, () -> clockMs.get() / 1000.0);
        return advisor;
    }

    static LlmRequest request(Duration timeout) {
        return new LlmRequest("You advise an autoscaler.", "{\"rps\":100,\"replicas\":2}", 0.1, 256, Map.of(), timeout);
    }

    static LlmRequest request() {
        return request(Duration.ofSeconds(5));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** One window 3 s later on the advisor's clock; waits until any call it started has settled. */
    void window(StateKey key, Supplier<LlmRequest> request) throws InterruptedException {
        clockMs.addAndGet(3000);
        advisor.afterWindow("app", key, request);
        await(() -> !advisor.busy("app"), "the call to settle");
    }

    /** The source of the decision for a window at {@code rps}, in the decide role, with whatever advice is held now. */
    String decidedBy(double rps) {
        LlmAdvisor.Held h = advisor.held("app", rps);
        double now = clockMs.get() / 1000.0;
        var w = new Window(now, 40, rps, rps, 1.0, 100, 2, 2);
        return POLICY.decide(PolicyState.initial(), w, now, h == null ? null : h.advice(), true).decision().source();
    }

    double counted(String name) {
        return meters.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aRequestBuilderThatThrowsFreesTheSlotAndIsCountedLoggedAndAudited() throws InterruptedException {
        start(new FakeGeminiServer(KEY).defaultReply(FakeGeminiServer.advice(
                "{\"action\":\"scale_up\",\"target_replicas\":4,\"confidence\":0.9,\"reasoning\":\"room\"}")));
        window(StateKey.of(100, 2, false), () -> {
            throw new IllegalStateException("prompt broke near " + KEY);
        });
        assertFalse(advisor.busy("app"), "the slot is free");
        assertEquals(1, counted("autoscaler_llm_request_errors"));
        assertEquals(1, audit.size());
        assertEquals("error", audit.get(0).outcome());
        assertEquals("request not built: IllegalStateException prompt broke near ***", audit.get(0).reason());
        assertEquals(0, fake.requestCount(), "nothing was sent");
        assertEquals("heuristic", decidedBy(100));

        // the next change asks again, and its answer is held
        window(StateKey.of(100, 3, false), LlmAdvisorFaultsTest::request);
        assertEquals(1, fake.requestCount());
        assertNotNull(advisor.held("app"), "the advisor works again");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gemini", "openai"})
    void aStalledAnswerIsCancelledAtTheHardTimeoutAndItsConnectionClosed(String provider) throws InterruptedException {
        FakeLlmServer server = "gemini".equals(provider) ? new FakeGeminiServer(KEY) : new FakeOpenAiServer(KEY);
        start(server.defaultReply(FakeLlmServer.stall()), "LLM_TIMEOUT_SEC", "0.5");
        // one answered call first: a cold SDK can spend the whole bound building its first request, which the cancel
        // then stops before it goes out (nothing to see at the server); warm, the request is out at once
        fake.enqueue("gemini".equals(provider) ? FakeGeminiServer.advice("warming up") : FakeOpenAiServer.advice("warming up"));
        window(StateKey.of(100, 2, false), () -> request(Duration.ofSeconds(5)));
        audit.clear();
        clockMs.addAndGet(3000);
        long t0 = System.nanoTime();
        // a client told to wait a minute: only the advisor's bound (0.5 s + the grace) ends this call
        advisor.afterWindow("app", StateKey.of(100, 3, false), () -> request(Duration.ofSeconds(60)));
        await(() -> !advisor.busy("app"), "the slot to be freed");
        // the stalled request's connection is closed; or, cancelled before it went out, it never reached the server
        await(() -> fake.abandoned() == fake.requestCount() - 1, "no request left open (" + fake.requestCount() + " requests, "
                + fake.abandoned() + " abandoned)");
        double took = (System.nanoTime() - t0) / 1e9;
        assertTrue(took >= advisor.hardTimeoutMs() / 1000.0 - 0.05, "not before the hard timeout: " + took + " s");
        assertTrue(took < 15, "long before the client's own minute: " + took + " s");
        assertEquals(1, advisor.cancelled());
        assertTrue(fake.requestCount() <= 2, "no request after the cancel: " + fake.requestCount());
        await(() -> !audit.isEmpty(), "the audit entry");
        assertEquals("timeout", audit.get(0).outcome());
        assertTrue(audit.get(0).reason().contains("cancelled"), audit.get(0).reason());
        assertNull(advisor.held("app"));
        assertEquals("heuristic", decidedBy(100));
    }

    @Test
    void a429ForFiveMinutesIsBackedOffAndThePolicyDecidesEveryWindow() throws InterruptedException {
        start(new FakeOpenAiServer(KEY).defaultReply(FakeOpenAiServer.error(429, "rate_limit_exceeded", 20)));
        for (int i = 0; i < 100; i++) {
            // a state change every window: a call whenever the backoff lets one go
            window(StateKey.of(100 + 40 * (i % 5), 2 + i % 2, false), LlmAdvisorFaultsTest::request);
            assertNull(advisor.held("app"));
            assertEquals("heuristic", decidedBy(100 + 40 * (i % 5)));
        }
        // 300 s: at least Retry-After (20 s) between calls, the doubling from 1 s reaching 32 and then 60 s
        int calls = fake.requestCount();
        assertTrue(calls >= 5 && calls <= 16, calls + " calls in 300 s");
        assertEquals(calls, audit.size());
        assertTrue(audit.stream().allMatch(c -> "429".equals(c.outcome())), audit.toString());
        assertTrue(counted("autoscaler_llm_deferred") > 50, "the windows in between were deferred");
    }

    @Test
    void garbageAnswersAreRejectedOneByOneAndThePolicyDecides() throws InterruptedException {
        List<FakeLlmServer.Reply> garbage = List.of(
                FakeLlmServer.raw(200, "<html><body>upstream says hi</body></html>"),
                FakeLlmServer.raw(200, "{\"candidates\": [ not json"),
                FakeGeminiServer.advice("I would add a replica or two."),
                FakeGeminiServer.advice("{\"action\":\"explode\",\"target_replicas\":3,\"confidence\":0.9}"),
                FakeGeminiServer.advice("{\"action\":\"scale_up\",\"target_replicas\":\"many\",\"confidence\":0.9}"),
                FakeGeminiServer.truncated("{\"action\":\"scale_up\",\"target_repl"),
                FakeGeminiServer.empty());
        start(new FakeGeminiServer(KEY));
        for (FakeLlmServer.Reply reply : garbage) fake.enqueue(reply);
        for (int i = 0; i < garbage.size(); i++) {
            window(StateKey.of(100, 2 + i % 2, false), LlmAdvisorFaultsTest::request);
            assertEquals(i + 1, audit.size(), "one audit entry per answer");
            LlmCall c = audit.get(i);
            assertTrue("rejected".equals(c.outcome()) || "error".equals(c.outcome()), i + ": " + c);
            assertNotNull(c.reason(), i + ": " + c);
            assertNull(advisor.held("app"), i + ": nothing held after " + c.reason());
            assertEquals("heuristic", decidedBy(100));
        }
    }

    @Test
    void heldAdviceIsDroppedOnceTheLoadLeavesTheBandItWasAskedAt() throws InterruptedException {
        start(new FakeGeminiServer(KEY).defaultReply(FakeGeminiServer.advice(
                "{\"action\":\"scale_up\",\"target_replicas\":3,\"confidence\":0.9,\"reasoning\":\"room\"}")));
        // bands are 25 % apart: 90, 100 and 104 rps share one, 120 is the next, 200 is three bands up
        window(StateKey.of(90, 2, false), LlmAdvisorFaultsTest::request);
        assertNotNull(advisor.held("app", 100), "the same band: held");
        assertEquals("llm", decidedBy(100), "and it decides the window");
        assertNotNull(advisor.held("app", 104), "judged again with the next window, still the same band");
        assertTrue(audit.isEmpty(), "no window judged it through judged(): no audit yet");

        assertNotNull(advisor.held("app", 120), "one band up (a rate at a band's edge crosses it with noise): still held");
        assertNull(advisor.held("app", 200), "200 rps is three bands up: stale");
        assertEquals(1, counted("autoscaler_llm_advice_dropped"));
        assertEquals(1, audit.size(), "an answer dropped before any window judged it is audited once");
        assertEquals("rejected", audit.get(0).outcome());
        assertEquals("stale: load band up since it was asked", audit.get(0).reason());
        assertNull(advisor.held("app", 100), "dropped for good: the next answer replaces it");
        assertEquals("heuristic", decidedBy(100));
    }

    @Test
    void heldWithoutARateChecksTheLastWindowSeen() throws InterruptedException {
        start(new FakeGeminiServer(KEY).defaultReply(FakeGeminiServer.advice(
                "{\"action\":\"scale_up\",\"target_replicas\":3,\"confidence\":0.9,\"reasoning\":\"room\"}")));
        window(StateKey.of(90, 2, false), LlmAdvisorFaultsTest::request);
        assertNotNull(advisor.held("app"));
        // this change starts another call, which hangs: only the band can drop the advice held
        fake.defaultReply(FakeLlmServer.hang());
        clockMs.addAndGet(3000);
        advisor.afterWindow("app", StateKey.of(60, 2, false), LlmAdvisorFaultsTest::request);
        assertNull(advisor.held("app"), "the last window's load left the band");
    }

    @Test
    void closingWhileWindowsArriveCancelsTheCallInFlightAndThrowsNothing() throws Exception {
        start(new FakeOpenAiServer(KEY).defaultReply(FakeLlmServer.stall()), "LLM_TIMEOUT_SEC", "30");
        advisor.afterWindow("app", StateKey.of(100, 2, false), () -> request(Duration.ofSeconds(30)));
        assertTrue(fake.awaitRequests(1, Duration.ofSeconds(10)), "a call in flight");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread windows = Thread.ofPlatform().start(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    clockMs.addAndGet(3000);
                    advisor.afterWindow("app", StateKey.of(100 + i, 2 + i % 3, i % 2 == 0), LlmAdvisorFaultsTest::request);
                } catch (Throwable t) {
                    thrown.compareAndSet(null, t);
                }
            }
        });
        long t0 = System.nanoTime();
        advisor.close();
        double took = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        windows.join(10_000);
        assertNull(thrown.get(), "a window during close threw " + thrown.get());
        assertTrue(took < 10, "close waited " + took + " s");
        assertEquals(1, advisor.cancelled(), "the call in flight, cancelled by close");
        assertTrue(fake.awaitAbandoned(1, Duration.ofSeconds(10)), "its connection closed");
        assertEquals(1, fake.requestCount(), "no call started after close");
        assertTrue(audit.isEmpty(), "a call cancelled by close is no failure to audit: " + audit);
        advisor = null; // closed already
    }
}
