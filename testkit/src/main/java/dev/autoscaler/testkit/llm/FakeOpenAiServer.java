package dev.autoscaler.testkit.llm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A FAKE OpenAI-compatible chat-completions server: a local fake that speaks the real wire format of
 * {@code POST /v1/chat/completions} (the key in {@code Authorization: Bearer}), for tests only. It records every
 * request and answers from a script (see {@link FakeLlmServer}); a wrong path gets OpenAI's 404 error body, a missing
 * or wrong key its 401. With {@link #rejectJsonSchema(boolean)} it behaves as a server without structured output.
 *
 * <pre>{@code
 * try (var openai = new FakeOpenAiServer("sk-k")) {
 *     openai.enqueue(advice("{\"action\":\"hold\"}"), error(429, "rate_limit_exceeded", 7));
 *     ... LLM_BASE_URL = openai.baseUrl() (it ends in /v1) ...
 * }
 * }</pre>
 */
public final class FakeOpenAiServer extends FakeLlmServer {
    private static final String PATH = "/v1/chat/completions";
    /** What the default reply says: a valid advice object. */
    public static final String DEFAULT_ADVICE = "{\"action\":\"hold\",\"replicas\":2,\"confidence\":0.8,\"reason\":\"steady load\"}";
    /** The message a server without structured output answers a json_schema request with. */
    public static final String JSON_SCHEMA_REJECTION = "response_format of type 'json_schema' is not supported by this server";

    private volatile boolean rejectJsonSchema;

    /** Accepts any key (and none). */
    public FakeOpenAiServer() {
        this(null);
    }

    /** Expects {@code Authorization: Bearer <expectedKey>} (null: any). */
    public FakeOpenAiServer(String expectedKey) {
        super(expectedKey, advice(DEFAULT_ADVICE));
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /**
     * When on, any request whose response_format is json_schema gets a 400 invalid_request_error naming
     * response_format, as a server without structured output answers; it uses up no scripted reply.
     */
    public FakeOpenAiServer rejectJsonSchema(boolean on) {
        this.rejectJsonSchema = on;
        return this;
    }

    // ---- script

    /** A normal answer (finish_reason stop) whose content is given as is: JSON, fenced JSON or prose. */
    public static Reply advice(String text) {
        return choice(message(text, null), "stop");
    }

    /** An answer cut off by the token limit (finish_reason length). */
    public static Reply truncated(String text) {
        return choice(message(text, null), "length");
    }

    /** A 200 whose choices list is empty. */
    public static Reply empty() {
        return completion(List.of());
    }

    /** The model refused: content null, a refusal text, finish_reason stop (OpenAI's structured-output refusal). */
    public static Reply blocked() {
        return choice(message(null, "I'm sorry, I can't help with that."), "stop");
    }

    /** The answer was withheld by the content filter: content null, finish_reason content_filter (Azure-style). */
    public static Reply contentFiltered() {
        return choice(message(null, null), "content_filter");
    }

    /** OpenAI's error body with a stock message for the status. */
    public static Reply error(int status, String type, Integer retryAfterSec) {
        return error(status, type, retryAfterSec, stockMessage(status));
    }

    /**
     * OpenAI's error body: {@code {"error":{"message":..,"type":..,"param":null,"code":..}}} (code
     * rate_limit_exceeded for a 429, else null), with Retry-After when given.
     */
    public static Reply error(int status, String type, Integer retryAfterSec, String message) {
        Map<String, String> headers = retryAfterSec == null ? Map.of() : Map.of("Retry-After", String.valueOf(retryAfterSec));
        return new Reply(status, errorBody(message, type, null, status == 429 ? "rate_limit_exceeded" : null), headers, false);
    }

    // ---- routing

    @Override
    protected Reply route(Recorded r) {
        if (!"POST".equals(r.method()) || !PATH.equals(r.path())) {
            return new Reply(404, errorBody("Invalid URL (" + r.method() + " " + r.path() + ")", "invalid_request_error", null, null), Map.of(), false);
        }
        String auth = r.header("Authorization");
        if (expectedKey() != null && (auth == null || !auth.startsWith("Bearer "))) {
            return new Reply(401, errorBody("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error", null, null), Map.of(), false);
        }
        if (expectedKey() != null && !auth.substring("Bearer ".length()).equals(expectedKey())) {
            return new Reply(401, errorBody("Incorrect API key provided: " + masked(auth.substring(7)) + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", null, "invalid_api_key"), Map.of(), false);
        }
        if (rejectJsonSchema && "json_schema".equals(r.json().path("response_format").path("type").asText())) {
            return new Reply(400, errorBody(JSON_SCHEMA_REJECTION, "invalid_request_error", "response_format", null), Map.of(), false);
        }
        return nextScripted();
    }

    /** OpenAI names the model that answered. */
    @Override
    protected void echo(ObjectNode body, Recorded request) {
        String model = request.json().path("model").asText(null);
        if (model != null && body.has("model")) body.put("model", model);
    }

    private static Map<String, Object> message(String content, String refusal) {
        return obj("role", "assistant", "content", content, "refusal", refusal);
    }

    private static Reply choice(Map<String, Object> message, String finishReason) {
        return completion(List.of(obj("index", 0, "message", message, "logprobs", null, "finish_reason", finishReason)));
    }

    /** Every field openai-java requires of a chat.completion, so that its lazy validation never trips. */
    private static Reply completion(List<Object> choices) {
        Map<String, Object> usage = obj("prompt_tokens", PROMPT_TOKENS, "completion_tokens", choices.isEmpty() ? 0 : ANSWER_TOKENS,
                "total_tokens", PROMPT_TOKENS + (choices.isEmpty() ? 0 : ANSWER_TOKENS));
        return new Reply(200, json(obj("id", "chatcmpl-fake", "object", "chat.completion", "created", 1_764_547_200L,
                "model", "fake-model", "choices", choices, "usage", usage)), Map.of(), false);
    }

    private static String errorBody(String message, String type, String param, String code) {
        return json(obj("error", obj("message", message, "type", type, "param", param, "code", code)));
    }

    /** OpenAI shows the first and last four characters of a wrong key, never all of it. */
    private static String masked(String key) {
        if (key.length() <= 8) return "*".repeat(key.length());
        return key.substring(0, 4) + "*".repeat(key.length() - 8) + key.substring(key.length() - 4);
    }

    private static String stockMessage(int status) {
        return switch (status) {
            case 429 -> "Rate limit reached for requests. Please try again in 7s.";
            case 500 -> "The server had an error while processing your request. Sorry about that!";
            case 503 -> "The engine is currently overloaded, please try again later.";
            case 401 -> "Incorrect API key provided.";
            case 404 -> "The model `unknown` does not exist or you do not have access to it.";
            default -> "Request failed.";
        };
    }
}
