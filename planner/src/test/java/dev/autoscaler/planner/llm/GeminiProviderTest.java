package dev.autoscaler.planner.llm;

import static dev.autoscaler.testkit.llm.FakeGeminiServer.advice;
import static dev.autoscaler.testkit.llm.FakeGeminiServer.blocked;
import static dev.autoscaler.testkit.llm.FakeGeminiServer.empty;
import static dev.autoscaler.testkit.llm.FakeGeminiServer.error;
import static dev.autoscaler.testkit.llm.FakeGeminiServer.truncated;
import static dev.autoscaler.testkit.llm.FakeLlmServer.hang;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GeminiProviderTest {
    static final String KEY = "sk-test-SECRET-1234";
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private FakeGeminiServer fake;
    private LlmProvider provider;

    @AfterEach
    void tearDown() {
        if (provider != null) provider.close();
        if (fake != null) fake.close();
    }

    /** The advice schema the advisor sends, as a JSON-Schema map. */
    static Map<String, Object> schema() {
        return Map.of(
                "type", "object",
                "properties", Map.of(
                        "action", Map.of("type", "string", "enum", List.of("scale_up", "scale_down", "hold")),
                        "replicas", Map.of("type", "integer"),
                        "confidence", Map.of("type", "number"),
                        "reason", Map.of("type", "string")),
                "required", List.of("action", "replicas"));
    }

    static LlmRequest request(Duration timeout) {
        return new LlmRequest("You advise an autoscaler.", "{\"rps\":120,\"replicas\":2}", 0.05, 256, schema(), timeout);
    }

    /** Starts the provider against this fake; returns the fake, for scripting. */
    private FakeGeminiServer start(FakeGeminiServer server, String... extraEnv) {
        fake = server;
        Map<String, String> env = new HashMap<>(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", KEY, "LLM_BASE_URL", server.baseUrl()));
        for (int i = 0; i < extraEnv.length; i += 2) env.put(extraEnv[i], extraEnv[i + 1]);
        provider = new GeminiProvider(LlmSettings.from(new Env(env)));
        return server;
    }

    private LlmException failure(LlmRequest r) {
        LlmException e = assertThrows(LlmException.class, () -> provider.ask(r));
        assertFalse(e.getMessage().contains(KEY), "the key leaked into: " + e.getMessage());
        return e;
    }

    @Test
    void sendsTheRealGenerateContentRequest() throws Exception {
        start(new FakeGeminiServer(KEY), "LLM_MODEL", "gemini-test-model");
        provider.ask(request(TIMEOUT));

        FakeLlmServer.Recorded r = fake.lastRequest();
        assertEquals("POST", r.method());
        assertEquals("/v1beta/models/gemini-test-model:generateContent", r.path());
        assertEquals(KEY, r.header("x-goog-api-key"));
        JsonNode body = r.json();
        assertEquals("You advise an autoscaler.", body.at("/systemInstruction/parts/0/text").asText());
        assertEquals("user", body.at("/contents/0/role").asText());
        assertEquals("{\"rps\":120,\"replicas\":2}", body.at("/contents/0/parts/0/text").asText());
        JsonNode gen = body.path("generationConfig");
        assertEquals(0.05, gen.path("temperature").asDouble(), 1e-6);
        assertEquals(256, gen.path("maxOutputTokens").asInt());
        assertEquals("application/json", gen.path("responseMimeType").asText());
        JsonNode s = gen.path("responseSchema");
        assertEquals("OBJECT", s.path("type").asText());
        assertEquals("STRING", s.at("/properties/action/type").asText());
        assertEquals(List.of("scale_up", "scale_down", "hold"), texts(s.at("/properties/action/enum")));
        assertEquals("INTEGER", s.at("/properties/replicas/type").asText());
        assertEquals("NUMBER", s.at("/properties/confidence/type").asText());
        assertEquals("STRING", s.at("/properties/reason/type").asText());
        assertEquals(List.of("action", "replicas"), texts(s.path("required")));
    }

    @Test
    void theKeyTravelsInTheHeaderOnlyAndNeverPrints() throws Exception {
        start(new FakeGeminiServer(KEY));
        provider.ask(request(TIMEOUT));
        FakeLlmServer.Recorded r = fake.lastRequest();
        assertFalse(r.path().contains(KEY));
        assertFalse(r.body().contains(KEY));
        LlmSettings s = LlmSettings.from(new Env(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", KEY)));
        assertFalse(s.toString().contains(KEY), s.toString());
    }

    @Test
    void aGoodAnswerComesBackWithItsFinishReasonAndTokens() throws Exception {
        start(new FakeGeminiServer(KEY)).enqueue(advice("```json\n{\"action\":\"hold\"}\n```"));
        LlmAnswer a = provider.ask(request(TIMEOUT));
        assertEquals("```json\n{\"action\":\"hold\"}\n```", a.text());
        assertEquals("STOP", a.finishReason());
        assertFalse(a.blocked());
        assertFalse(a.truncated());
        assertEquals(FakeLlmServer.PROMPT_TOKENS, a.tokensIn());
        assertEquals(FakeLlmServer.ANSWER_TOKENS, a.tokensOut());
    }

    @Test
    void truncatedEmptyAndBlockedAnswersAreAnswersNotErrors() throws Exception {
        start(new FakeGeminiServer(KEY)).enqueue(truncated("{\"action\":\"sca"), empty(), blocked());

        LlmAnswer cut = provider.ask(request(TIMEOUT));
        assertEquals("MAX_TOKENS", cut.finishReason());
        assertTrue(cut.truncated());
        assertEquals("{\"action\":\"sca", cut.text());

        LlmAnswer none = provider.ask(request(TIMEOUT));
        assertNull(none.text());
        assertFalse(none.blocked());

        LlmAnswer refused = provider.ask(request(TIMEOUT));
        assertTrue(refused.blocked());
        assertNull(refused.text());
        assertEquals(FakeLlmServer.PROMPT_TOKENS, refused.tokensIn());
    }

    @Test
    void aSafetyFinishIsBlocked() throws Exception {
        start(new FakeGeminiServer(KEY)).enqueue(FakeLlmServer.raw(200,
                "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[]},\"finishReason\":\"SAFETY\",\"index\":0}]}"));
        LlmAnswer a = provider.ask(request(TIMEOUT));
        assertTrue(a.blocked());
        assertEquals("SAFETY", a.finishReason());
    }

    @Test
    void a429IsRateLimitedWithItsRetryAfterAndIsNotRetried() throws Exception {
        start(new FakeGeminiServer(KEY)).defaultReply(error(429, "RESOURCE_EXHAUSTED", 7));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
        assertTrue(e.getMessage().startsWith("HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted"), e.getMessage());
        assertEquals(1, fake.requestCount(), "the SDK retried");
    }

    @Test
    void serverErrorsAreServerFailuresAfterOneRequest() {
        start(new FakeGeminiServer(KEY)).enqueue(error(500, "INTERNAL", null), error(503, "UNAVAILABLE", 3));
        LlmException e500 = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e500.kind());
        assertEquals(500, e500.status());
        assertEquals(1, fake.requestCount(), "the SDK retried a 500");
        LlmException e503 = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e503.kind());
        assertEquals(2, fake.requestCount(), "the SDK retried a 503");
    }

    @Test
    void aWrongKeyIsAClientFailure() {
        start(new FakeGeminiServer("another-key"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, e.kind());
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("INVALID_ARGUMENT"), e.getMessage());
    }

    @Test
    void aWrongPathAndA401AreClientFailures() {
        // the fake serves v1 only; the provider asks v1beta
        start(new FakeGeminiServer(KEY, "v1"));
        LlmException notFound = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, notFound.kind());
        assertEquals(404, notFound.status());

        provider.close();
        fake.close();
        start(new FakeGeminiServer(KEY)).enqueue(error(401, "UNAUTHENTICATED", null));
        LlmException unauthorized = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, unauthorized.kind());
        assertEquals(401, unauthorized.status());
        assertEquals(1, fake.requestCount());
    }

    @Test
    void aHangingServerTimesOutWithinTheRequestTimeout() {
        start(new FakeGeminiServer(KEY)).defaultReply(hang());
        Duration timeout = Duration.ofSeconds(1);
        long t0 = System.nanoTime();
        LlmException e = failure(request(timeout));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(LlmException.Kind.TIMEOUT, e.kind());
        // a bound on a hang, not a speed assertion
        assertTrue(took.compareTo(timeout.plusSeconds(3)) < 0, "took " + took);
        assertEquals(1, fake.requestCount());
    }

    @Test
    void aRefusedConnectionIsAnIoFailure() {
        FakeGeminiServer gone = new FakeGeminiServer(KEY);
        gone.close(); // its port now refuses connections
        start(gone);
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.IO, e.kind());
        assertNull(e.status());
    }

    @Test
    void aProxysHtmlErrorPageIsStillAServerFailure() {
        start(new FakeGeminiServer(KEY)).enqueue(FakeLlmServer.raw(502, "<html><body>502 Bad Gateway</body></html>"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e.kind());
        assertEquals(502, e.status());
    }

    @Test
    void anUnreadableReplyIsAnIoFailure() {
        start(new FakeGeminiServer(KEY)).enqueue(FakeLlmServer.raw(200, "{\"candidates\": [ not json"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.IO, e.kind());
    }

    @Test
    void aKeyEchoedByTheServerIsScrubbedFromTheMessage() {
        start(new FakeGeminiServer(KEY)).enqueue(error(400, "INVALID_ARGUMENT", null, "bad request with key " + KEY + " in it"));
        LlmException e = failure(request(TIMEOUT));
        assertTrue(e.getMessage().contains("with key *** in it"), e.getMessage());
    }

    @Test
    void aLongServerMessageIsCut() {
        start(new FakeGeminiServer(KEY)).enqueue(error(400, "INVALID_ARGUMENT", null, "x".repeat(5000)));
        LlmException e = failure(request(TIMEOUT));
        assertTrue(e.getMessage().length() < 300, "message length " + e.getMessage().length());
    }

    @Test
    void withoutAKeyALocalServerGetsAPlaceholderKey() throws Exception {
        fake = new FakeGeminiServer();
        provider = new GeminiProvider(LlmSettings.from(new Env(Map.of("LLM_PROVIDER", "gemini", "LLM_BASE_URL", fake.baseUrl()))));
        provider.ask(request(TIMEOUT));
        assertEquals("unused", fake.lastRequest().header("x-goog-api-key"));
    }

    private static List<String> texts(JsonNode array) {
        assertTrue(array.isArray(), "not an array: " + array);
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
