package dev.autoscaler.testkit.llm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FAKE Gemini API: a local fake that speaks the real wire format of
 * {@code POST /{version}/models/{model}:generateContent} (the key in {@code x-goog-api-key}), for tests only. It
 * records every request and answers from a script (see {@link FakeLlmServer}); a wrong path gets Gemini's 404
 * error body, a missing or wrong key its 403 / 400.
 *
 * <pre>{@code
 * try (var gemini = new FakeGeminiServer("k")) {
 *     gemini.enqueue(advice("{\"action\":\"hold\"}"), error(429, "RESOURCE_EXHAUSTED", 7));
 *     ... LLM_BASE_URL = gemini.baseUrl() ...
 * }
 * }</pre>
 */
public final class FakeGeminiServer extends FakeLlmServer {
    private static final Pattern PATH = Pattern.compile("/([^/]+)/models/([^/:]+):generateContent");
    /** What the default reply says: a valid advice object. */
    public static final String DEFAULT_ADVICE = "{\"action\":\"hold\",\"replicas\":2,\"confidence\":0.8,\"reason\":\"steady load\"}";

    private final String apiVersion;

    /** Accepts any key, serves /v1beta. */
    public FakeGeminiServer() {
        this(null);
    }

    /** Expects this key (null: any), serves /v1beta. */
    public FakeGeminiServer(String expectedKey) {
        this(expectedKey, "v1beta");
    }

    /** Expects this key (null: any) and serves this API version's path only. */
    public FakeGeminiServer(String expectedKey, String apiVersion) {
        super(expectedKey, advice(DEFAULT_ADVICE));
        this.apiVersion = apiVersion;
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    // ---- script

    /** A normal answer (finishReason STOP) whose text is given as is: JSON, fenced JSON or prose. */
    public static Reply advice(String text) {
        return candidate(text, "STOP");
    }

    /** An answer cut off by the token limit (finishReason MAX_TOKENS). */
    public static Reply truncated(String text) {
        return candidate(text, "MAX_TOKENS");
    }

    /** A 200 with no candidates at all. */
    public static Reply empty() {
        return ok(obj("candidates", List.of(), "usageMetadata", promptUsage()));
    }

    /** The prompt was blocked: promptFeedback.blockReason SAFETY and no candidates, as Gemini answers it. */
    public static Reply blocked() {
        return ok(obj("promptFeedback", obj("blockReason", "SAFETY", "safetyRatings", List.of(
                        obj("category", "HARM_CATEGORY_DANGEROUS_CONTENT", "probability", "HIGH", "blocked", true))),
                "usageMetadata", promptUsage()));
    }

    /** Gemini's error body with a stock message for the status. */
    public static Reply error(int status, String statusText, Integer retryAfterSec) {
        return error(status, statusText, retryAfterSec, stockMessage(status));
    }

    /** Gemini's error body: {@code {"error":{"code":..,"message":..,"status":..}}}, with Retry-After when given. */
    public static Reply error(int status, String statusText, Integer retryAfterSec, String message) {
        Map<String, String> headers = retryAfterSec == null ? Map.of() : Map.of("Retry-After", String.valueOf(retryAfterSec));
        return new Reply(status, json(obj("error", obj("code", status, "message", message, "status", statusText))), headers, false);
    }

    // ---- routing

    @Override
    protected Reply route(Recorded r) {
        Matcher m = PATH.matcher(r.path());
        if (!"POST".equals(r.method()) || !m.matches() || !m.group(1).equals(apiVersion)) {
            return error(404, "NOT_FOUND", null, "Requested entity was not found.");
        }
        String key = r.header("x-goog-api-key");
        if (expectedKey() != null && key == null) {
            return error(403, "PERMISSION_DENIED", null,
                    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
        }
        if (expectedKey() != null && !expectedKey().equals(key)) {
            return error(400, "INVALID_ARGUMENT", null, "API key not valid. Please pass a valid API key.");
        }
        return nextScripted();
    }

    /** Gemini names the model that answered. */
    @Override
    protected void echo(ObjectNode body, Recorded request) {
        Matcher m = PATH.matcher(request.path());
        if (m.matches()) body.put("modelVersion", m.group(2));
    }

    private static Reply candidate(String text, String finishReason) {
        return ok(obj("candidates", List.of(obj(
                        "content", obj("role", "model", "parts", List.of(obj("text", text))),
                        "finishReason", finishReason,
                        "index", 0)),
                "usageMetadata", obj("promptTokenCount", PROMPT_TOKENS, "candidatesTokenCount", ANSWER_TOKENS,
                        "totalTokenCount", PROMPT_TOKENS + ANSWER_TOKENS),
                "responseId", "fake-response"));
    }

    /** Usage of a reply with no answer: Gemini then counts the prompt only. */
    private static Map<String, Object> promptUsage() {
        return obj("promptTokenCount", PROMPT_TOKENS, "totalTokenCount", PROMPT_TOKENS);
    }

    private static Reply ok(Map<String, Object> body) {
        return new Reply(200, json(body), Map.of(), false);
    }

    private static String stockMessage(int status) {
        return switch (status) {
            case 429 -> "Resource has been exhausted (e.g. check quota).";
            case 500 -> "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
            case 503 -> "The model is overloaded. Please try again later.";
            case 401 -> "Request had invalid authentication credentials.";
            case 404 -> "models/unknown is not found for API version v1beta, or is not supported for generateContent.";
            default -> "Request failed.";
        };
    }
}
