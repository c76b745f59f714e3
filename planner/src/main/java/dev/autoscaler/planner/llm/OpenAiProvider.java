package dev.autoscaler.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.RequestOptions;
import com.openai.core.http.Headers;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.completions.CompletionUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Any OpenAI-compatible chat-completions server (OpenAI, Groq, vLLM, Ollama, ...) through openai-java:
 * {@code POST {base}/chat/completions} (the base includes /v1) with {@code Authorization: Bearer}, the answer
 * constrained by a {@code json_schema} response format. A server without structured output rejects that with a 400;
 * the provider then asks once more in words, within what is left of the request's timeout, and from then on asks this
 * endpoint in words only.
 *
 * <p>Token limit: openai-java sends {@code max_completion_tokens} (OpenAI's current name; its reasoning models reject
 * the old {@code max_tokens}). Groq, vLLM and current Ollama read it; a server that knows only {@code max_tokens}
 * ignores the unknown field, which costs the limit, not the call.
 */
public final class OpenAiProvider implements LlmProvider {
    /** Appended to the system message when the server cannot be held to a schema. */
    static final String JSON_ONLY = "Answer with one JSON object only, no prose.";
    /** Less time than this left for the ask in words is no time: no model answers so fast, and it would cost a request. */
    static final Duration MIN_ATTEMPT = Duration.ofMillis(250);

    private final LlmSettings settings;
    private final CallsInFlight inFlight = new CallsInFlight();
    private final OpenAIClient client;
    /** This endpoint refused json_schema once; it will not learn it while we run, so stop asking. */
    private volatile boolean jsonSchemaRefused;

    public OpenAiProvider(LlmSettings settings) {
        this.settings = settings;
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(settings.baseUrl() == null ? LlmSettings.DEFAULT_OPENAI_BASE : settings.baseUrl())
                // local servers (Ollama, vLLM) need no key, but the client will not build without one
                .apiKey(settings.apiKey().present() ? settings.apiKey().value() : "unused")
                .maxRetries(0) // the advisor backs off itself; a retry here would double its rate
                .addInterceptor(inFlight)
                .timeout(Duration.ofMillis(Math.round(settings.timeoutSec() * 1000)))
                .build();
    }

    @Override
    public String name() {
        return LlmSettings.OPENAI;
    }

    @Override
    public String model() {
        return settings.model();
    }

    /** True once the endpoint refused a json_schema response format: later calls ask for JSON in words only. */
    public boolean structuredOutputRefused() {
        return jsonSchemaRefused;
    }

    @Override
    public LlmAnswer ask(LlmRequest request) throws LlmException {
        try {
            return read(askWithFallback(request));
        } catch (OpenAIServiceException e) {
            throw serviceFailure(e);
        } catch (OpenAIIoException e) {
            throw ioFailure(e, request.timeout());
        } catch (RuntimeException e) {
            // a reply that could not be parsed, or any other surprise: reported, never thrown past the advisor
            throw new LlmException(LlmException.Kind.IO, null, null, ProviderSupport.plainMessage("OpenAI call failed", e, settings.apiKey()));
        } finally {
            inFlight.done();
        }
    }

    @Override
    public boolean abort(Thread caller) {
        return inFlight.cancel(caller);
    }

    @Override
    public void close() {
        inFlight.cancelAll();
        client.close();
    }

    // ---- the request

    /**
     * With the schema while the endpoint takes it; after a refusal, once more in words and in words only from then on.
     * The request's timeout bounds the whole path: the ask in words gets what the refused one left, so the advisor's
     * hard timeout (LLM_TIMEOUT_SEC and a grace) never cuts a path that is still within its own.
     */
    private ChatCompletion askWithFallback(LlmRequest r) throws LlmException {
        long deadline = System.nanoTime() + r.timeout().toNanos();
        if (hasSchema(r) && !jsonSchemaRefused) {
            try {
                return create(r, true, r.timeout());
            } catch (OpenAIServiceException e) {
                if (!refusesJsonSchema(e)) throw e;
                jsonSchemaRefused = true;
            }
        }
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (left.compareTo(MIN_ATTEMPT) < 0) {
            throw new LlmException(LlmException.Kind.TIMEOUT, null, null, String.format(Locale.ROOT,
                    "OpenAI call timed out: the json_schema refusal left %.1f s of %.1f s for the ask in words",
                    Math.max(0, left.toMillis()) / 1000.0, r.timeout().toMillis() / 1000.0));
        }
        return create(r, false, left);
    }

    private ChatCompletion create(LlmRequest r, boolean structured, Duration timeout) {
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(settings.model());
        String system = systemMessage(r, structured);
        if (system != null) b.addSystemMessage(system);
        b.addUserMessage(r.userMessage())
                .temperature(r.temperature())
                .maxCompletionTokens(r.maxOutputTokens());
        if (structured) b.responseFormat(jsonSchema(r.answerSchema()));
        return client.chat().completions().create(b.build(), RequestOptions.builder().timeout(timeout).build());
    }

    private static boolean hasSchema(LlmRequest r) {
        return r.answerSchema() != null && !r.answerSchema().isEmpty();
    }

    /** The system instruction, plus the plain JSON instruction when a schema was wanted but cannot be sent. */
    private static String systemMessage(LlmRequest r, boolean structured) {
        String s = r.systemInstruction() == null || r.systemInstruction().isBlank() ? null : r.systemInstruction();
        if (structured || !hasSchema(r)) return s;
        return s == null ? JSON_ONLY : s + "\n\n" + JSON_ONLY;
    }

    private static ResponseFormatJsonSchema jsonSchema(Map<String, Object> schema) {
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        schema.forEach((k, v) -> fields.put(k, JsonValue.from(v)));
        return ResponseFormatJsonSchema.builder()
                .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("advice")
                        // strict demands additionalProperties false and every property required; the answer is checked anyway
                        .strict(false)
                        .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder().putAllAdditionalProperties(fields).build())
                        .build())
                .build();
    }

    /**
     * A server without structured output answers 400 (or 422, FastAPI-style validation) naming the response format.
     * Any other 400 is a real client error and is reported.
     */
    static boolean refusesJsonSchema(OpenAIServiceException e) {
        if (e.statusCode() != 400 && e.statusCode() != 422) return false;
        String text = (errorObject(e) + " " + e.getMessage()).toLowerCase(Locale.ROOT);
        return text.contains("response_format") || text.contains("json_schema") || text.contains("response format");
    }

    // ---- the answer

    static LlmAnswer read(ChatCompletion c) {
        Optional<CompletionUsage> usage = c._usage().asKnown();
        Integer in = usage.flatMap(u -> u._promptTokens().asKnown()).map(Long::intValue).orElse(null);
        Integer out = usage.flatMap(u -> u._completionTokens().asKnown()).map(Long::intValue).orElse(null);
        List<ChatCompletion.Choice> choices = c._choices().asKnown().orElse(List.of());
        if (choices.isEmpty()) return new LlmAnswer(null, null, false, in, out);
        ChatCompletion.Choice first = choices.get(0);
        String finish = first._finishReason().asKnown().map(Object::toString).orElse(null);
        Optional<ChatCompletionMessage> message = first._message().asKnown();
        String text = message.flatMap(m -> m._content().asKnown()).orElse(null);
        boolean refused = message.flatMap(m -> m._refusal().asKnown()).filter(s -> !s.isBlank()).isPresent();
        return new LlmAnswer(text, finish, refused || "content_filter".equals(finish), in, out);
    }

    // ---- failures

    private LlmException serviceFailure(OpenAIServiceException e) {
        int status = e.statusCode();
        Duration retryAfter = status == 429 ? retryAfter(e.headers()) : null;
        // read from the body, not e.type() / e.code(): those throw when a server's error object lacks the field
        JsonNode error = errorObject(e);
        String statusText = firstText(error, "type", "code", "status");
        return new LlmException(ProviderSupport.kindOf(status), status, retryAfter,
                ProviderSupport.httpMessage(status, statusText, error.path("message").asText(null), settings.apiKey()));
    }

    /** Retry-After (seconds or a date); OpenAI also sends retry-after-ms, which the SDK itself honours. */
    private static Duration retryAfter(Headers h) {
        List<String> values = h.values("Retry-After");
        if (!values.isEmpty()) return ProviderSupport.retryAfter(values.get(0), Instant.now());
        List<String> ms = h.values("retry-after-ms");
        if (ms.isEmpty()) return null;
        try {
            double millis = Double.parseDouble(ms.get(0).trim());
            return millis < 0 ? null : Duration.ofMillis(Math.round(millis));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The body's "error" object (OpenAI's shape), else the whole body; a missing node when it is not JSON. */
    private static JsonNode errorObject(OpenAIServiceException e) {
        try {
            JsonNode body = e.body().convert(JsonNode.class);
            if (body == null) return MissingNode.getInstance();
            return body.has("error") ? body.path("error") : body;
        } catch (RuntimeException notJson) {
            return MissingNode.getInstance();
        }
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String f : fields) {
            JsonNode v = node.path(f);
            if (v.isTextual() && !v.asText().isBlank()) return v.asText(); // vLLM's numeric code is no status text
        }
        return null;
    }

    private LlmException ioFailure(OpenAIIoException e, Duration timeout) {
        if (ProviderSupport.causedByTimeout(e)) {
            return new LlmException(LlmException.Kind.TIMEOUT, null, null,
                    String.format(Locale.ROOT, "OpenAI call timed out after %.1f s", timeout.toMillis() / 1000.0));
        }
        return new LlmException(LlmException.Kind.IO, null, null, ProviderSupport.plainMessage("OpenAI call failed", e.getCause(), settings.apiKey()));
    }
}
