package dev.autoscaler.planner.llm;

import static dev.autoscaler.testkit.llm.FakeLlmServer.hang;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.advice;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.blocked;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.contentFiltered;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.empty;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.error;
import static dev.autoscaler.testkit.llm.FakeOpenAiServer.truncated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import dev.autoscaler.testkit.llm.FakeOpenAiServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiProviderTest {
    static final String KEY = GeminiProviderTest.KEY;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final String SYSTEM = "You advise an autoscaler.";

    private FakeOpenAiServer fake;
    private OpenAiProvider provider;

    @AfterEach
    void tearDown() {
        if (provider != null) provider.close();
        if (fake != null) fake.close();
    }

    static LlmRequest request(Duration timeout) {
        return new LlmRequest(SYSTEM, "{\"rps\":120,\"replicas\":2}", 0.3, 256, GeminiProviderTest.schema(), timeout);
    }

    /** Starts the provider against this fake (base URL = the fake's, with /v1); returns the fake, for scripting. */
    private FakeOpenAiServer start(FakeOpenAiServer server, String... extraEnv) {
        fake = server;
        Map<String, String> env = new HashMap<>(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", KEY, "LLM_BASE_URL", server.baseUrl()));
        for (int i = 0; i < extraEnv.length; i += 2) env.put(extraEnv[i], extraEnv[i + 1]);
        provider = new OpenAiProvider(LlmSettings.from(new Env(env)));
        return server;
    }

    private LlmException failure(LlmRequest r) {
        LlmException e = assertThrows(LlmException.class, () -> provider.ask(r));
        assertFalse(e.getMessage().contains(KEY), "the key leaked into: " + e.getMessage());
        return e;
    }

    @Test
    void sendsTheRealChatCompletionsRequest() throws Exception {
        start(new FakeOpenAiServer(KEY), "LLM_MODEL", "llama-test");
        provider.ask(request(TIMEOUT));

        FakeLlmServer.Recorded r = fake.lastRequest();
        assertEquals("POST", r.method());
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        JsonNode body = r.json();
        assertEquals("llama-test", body.path("model").asText());
        assertEquals("system", body.at("/messages/0/role").asText());
        assertEquals(SYSTEM, body.at("/messages/0/content").asText());
        assertEquals("user", body.at("/messages/1/role").asText());
        assertEquals("{\"rps\":120,\"replicas\":2}", body.at("/messages/1/content").asText());
        assertEquals(2, body.path("messages").size());
        assertEquals(0.3, body.path("temperature").asDouble(), 1e-9);
        assertEquals(256, body.path("max_completion_tokens").asInt());
        JsonNode format = body.path("response_format");
        assertEquals("json_schema", format.path("type").asText());
        assertEquals("advice", format.at("/json_schema/name").asText());
        assertFalse(format.at("/json_schema/strict").asBoolean(true));
        assertEquals(new ObjectMapper().valueToTree(GeminiProviderTest.schema()), format.at("/json_schema/schema"));
    }

    @Test
    void aGoodAnswerComesBackWithItsFinishReasonAndTokens() throws Exception {
        start(new FakeOpenAiServer(KEY)).enqueue(advice("Sure! {\"action\":\"hold\"}"));
        LlmAnswer a = provider.ask(request(TIMEOUT));
        assertEquals("Sure! {\"action\":\"hold\"}", a.text());
        assertEquals("stop", a.finishReason());
        assertFalse(a.blocked());
        assertFalse(a.truncated());
        assertEquals(FakeLlmServer.PROMPT_TOKENS, a.tokensIn());
        assertEquals(FakeLlmServer.ANSWER_TOKENS, a.tokensOut());
    }

    @Test
    void truncatedEmptyRefusedAndFilteredAnswersAreAnswersNotErrors() throws Exception {
        start(new FakeOpenAiServer(KEY)).enqueue(truncated("{\"action\":\"sca"), empty(), blocked(), contentFiltered());

        LlmAnswer cut = provider.ask(request(TIMEOUT));
        assertEquals("length", cut.finishReason());
        assertTrue(cut.truncated());
        assertEquals("{\"action\":\"sca", cut.text());

        LlmAnswer none = provider.ask(request(TIMEOUT));
        assertNull(none.text());
        assertFalse(none.blocked());
        assertEquals(FakeLlmServer.PROMPT_TOKENS, none.tokensIn());

        LlmAnswer refused = provider.ask(request(TIMEOUT));
        assertTrue(refused.blocked());
        assertNull(refused.text());

        LlmAnswer filtered = provider.ask(request(TIMEOUT));
        assertTrue(filtered.blocked());
        assertEquals("content_filter", filtered.finishReason());
    }

    @Test
    void a429IsRateLimitedWithItsRetryAfterAndIsNotRetried() {
        start(new FakeOpenAiServer(KEY)).defaultReply(error(429, "rate_limit_exceeded", 7));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
        assertTrue(e.getMessage().startsWith("HTTP 429 rate_limit_exceeded: Rate limit reached"), e.getMessage());
        assertEquals(1, fake.requestCount(), "the SDK retried");
    }

    @Test
    void serverErrorsAreServerFailuresAfterOneRequest() {
        start(new FakeOpenAiServer(KEY)).enqueue(error(500, "server_error", null), error(503, "server_error", 2));
        LlmException e500 = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e500.kind());
        assertEquals(500, e500.status());
        assertEquals(1, fake.requestCount(), "the SDK retried a 500");
        LlmException e503 = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e503.kind());
        assertEquals(503, e503.status());
        assertEquals(2, fake.requestCount(), "the SDK retried a 503");
    }

    @Test
    void aWrongKeyIsAClientFailure() {
        start(new FakeOpenAiServer("sk-another-key-5678"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, e.kind());
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("Incorrect API key"), e.getMessage());
        assertEquals(1, fake.requestCount());
    }

    @Test
    void aBaseWithoutV1IsAClientFailure() {
        fake = new FakeOpenAiServer(KEY);
        provider = new OpenAiProvider(LlmSettings.from(new Env(Map.of(
                "LLM_PROVIDER", "openai", "LLM_API_KEY", KEY, "LLM_BASE_URL", "http://127.0.0.1:" + fake.port()))));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, e.kind());
        assertEquals(404, e.status());
        assertEquals("/chat/completions", fake.lastRequest().path());
    }

    @Test
    void anUnrelated400IsReportedNotRetriedWithoutTheSchema() {
        start(new FakeOpenAiServer(KEY)).enqueue(error(400, "invalid_request_error", null, "temperature is out of range"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, e.kind());
        assertEquals(1, fake.requestCount());
        assertFalse(provider.structuredOutputRefused());
    }

    @Test
    void aHangingServerTimesOutWithinTheRequestTimeout() {
        start(new FakeOpenAiServer(KEY)).defaultReply(hang());
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
        FakeOpenAiServer gone = new FakeOpenAiServer(KEY);
        gone.close(); // its port now refuses connections
        start(gone);
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.IO, e.kind());
        assertNull(e.status());
    }

    @Test
    void aServerWithoutStructuredOutputIsAskedAgainInWordsAndRemembered() throws Exception {
        start(new FakeOpenAiServer(KEY)).rejectJsonSchema(true).enqueue(advice("{\"action\":\"hold\"}"), advice("{\"action\":\"scale_up\"}"));

        LlmAnswer first = provider.ask(request(TIMEOUT));
        assertEquals("{\"action\":\"hold\"}", first.text());
        List<FakeLlmServer.Recorded> calls = fake.requests();
        assertEquals(2, calls.size(), "one refused call, one retry");
        assertEquals("json_schema", calls.get(0).json().at("/response_format/type").asText());
        assertTrue(calls.get(1).json().path("response_format").isMissingNode(), calls.get(1).body());
        assertEquals(SYSTEM + "\n\n" + OpenAiProvider.JSON_ONLY, calls.get(1).json().at("/messages/0/content").asText());
        assertTrue(provider.structuredOutputRefused());

        LlmAnswer second = provider.ask(request(TIMEOUT));
        assertEquals("{\"action\":\"scale_up\"}", second.text());
        assertEquals(3, fake.requestCount(), "the second ask went straight to the plain request");
        JsonNode remembered = fake.lastRequest().json();
        assertTrue(remembered.path("response_format").isMissingNode(), remembered.toString());
        assertTrue(remembered.at("/messages/0/content").asText().endsWith(OpenAiProvider.JSON_ONLY));
    }

    @Test
    void theAskInWordsGetsOnlyWhatTheRefusalLeftOfTheTimeout() {
        // the refusal takes 0.6 s of a 1.5 s timeout, then the server hangs: the whole path ends near 1.5 s, not 2.1 s
        start(new FakeOpenAiServer(KEY)).enqueue(
                error(400, "invalid_request_error", null, FakeOpenAiServer.JSON_SCHEMA_REJECTION).after(Duration.ofMillis(600)), hang());
        Duration timeout = Duration.ofMillis(1500);
        long t0 = System.nanoTime();
        LlmException e = failure(request(timeout));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(LlmException.Kind.TIMEOUT, e.kind(), e.getMessage());
        assertEquals(2, fake.requestCount(), "the refused ask and the ask in words");
        // a bound, with room for a loaded machine, below what two whole timeouts would take
        assertTrue(took.compareTo(timeout.plusMillis(500)) < 0, "took " + took);
    }

    @Test
    void aRefusalThatUsedUpTheTimeoutIsATimeoutWithoutAnotherRequest() throws Exception {
        // a first call warms the connection, so the refusal arrives 850 ms into the 1 s, leaving less than MIN_ATTEMPT
        start(new FakeOpenAiServer(KEY)).enqueue(advice("{\"action\":\"hold\"}"),
                error(400, "invalid_request_error", null, FakeOpenAiServer.JSON_SCHEMA_REJECTION).after(Duration.ofMillis(850)),
                advice("{\"action\":\"hold\"}"));
        provider.ask(request(TIMEOUT));
        LlmException e = failure(request(Duration.ofSeconds(1)));
        assertEquals(LlmException.Kind.TIMEOUT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("left"), e.getMessage());
        assertEquals(2, fake.requestCount(), "no time left for the ask in words: not sent");
        assertTrue(provider.structuredOutputRefused(), "but the refusal is remembered");
    }

    @Test
    void aRefusalNamedOnlyInTheMessageAlsoFallsBack() throws Exception {
        // no param field: some servers say it in words only
        start(new FakeOpenAiServer(KEY)).enqueue(
                error(400, "invalid_request_error", null, "This model does not support response format `json_schema`."),
                advice("{\"action\":\"hold\"}"));
        assertEquals("{\"action\":\"hold\"}", provider.ask(request(TIMEOUT)).text());
        assertEquals(2, fake.requestCount());
        assertTrue(fake.lastRequest().json().path("response_format").isMissingNode());
    }

    @Test
    void aProxysHtmlErrorPageIsStillAServerFailure() {
        start(new FakeOpenAiServer(KEY)).enqueue(FakeLlmServer.raw(502, "<html><body>502 Bad Gateway</body></html>"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.SERVER, e.kind());
        assertEquals(502, e.status());
    }

    @Test
    void anUnreadableReplyIsAnIoFailure() {
        start(new FakeOpenAiServer(KEY)).enqueue(FakeLlmServer.raw(200, "{\"candidates\": [ not json"));
        LlmException e = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.IO, e.kind());
    }

    @Test
    void errorBodiesOfOtherServersAreReadToo() {
        // vLLM's shape (no "error" wrapper, a numeric code), then an error object without "type"
        start(new FakeOpenAiServer(KEY)).enqueue(
                FakeLlmServer.raw(400, "{\"object\":\"error\",\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"),
                FakeLlmServer.raw(429, "{\"error\":{\"message\":\"slow down\"}}"));
        LlmException vllm = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.CLIENT, vllm.kind());
        assertEquals("HTTP 400 BadRequestError: max_tokens is too large", vllm.getMessage());
        LlmException bare = failure(request(TIMEOUT));
        assertEquals(LlmException.Kind.RATE_LIMITED, bare.kind());
        assertEquals("HTTP 429: slow down", bare.getMessage());
        assertNull(bare.retryAfter());
    }

    @Test
    void aKeyEchoedByTheServerIsScrubbedFromTheMessage() {
        start(new FakeOpenAiServer(KEY)).enqueue(error(400, "invalid_request_error", null, "bad request with key " + KEY + " in it"));
        LlmException e = failure(request(TIMEOUT));
        assertTrue(e.getMessage().contains("with key *** in it"), e.getMessage());
    }

    @Test
    void theKeyTravelsInTheHeaderOnlyAndNeverPrints() throws Exception {
        start(new FakeOpenAiServer(KEY));
        provider.ask(request(TIMEOUT));
        assertFalse(fake.lastRequest().path().contains(KEY));
        assertFalse(fake.lastRequest().body().contains(KEY));
        LlmSettings s = LlmSettings.from(new Env(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", KEY)));
        assertFalse(s.toString().contains(KEY), s.toString());
    }

    @Test
    void withoutAKeyALocalServerGetsAPlaceholderKey() throws Exception {
        fake = new FakeOpenAiServer();
        provider = new OpenAiProvider(LlmSettings.from(new Env(Map.of("LLM_PROVIDER", "openai", "LLM_BASE_URL", fake.baseUrl()))));
        provider.ask(request(TIMEOUT));
        assertEquals("Bearer unused", fake.lastRequest().header("Authorization"));
    }
}
