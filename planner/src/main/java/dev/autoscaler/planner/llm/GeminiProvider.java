package dev.autoscaler.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.Client;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.GenAiIOException;
import com.google.genai.types.Candidate;
import com.google.genai.types.ClientOptions;
import com.google.genai.types.Content;
import com.google.genai.types.FinishReason;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponsePromptFeedback;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Part;
import com.google.genai.types.Schema;
import dev.autoscaler.common.config.ConfigException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * Gemini through the Google GenAI SDK: {@code POST {base}/{version}/models/{model}:generateContent} with the key in
 * {@code x-goog-api-key}, a JSON answer constrained by {@code responseSchema}. The SDK's retries are off (the advisor
 * backs off itself), and a 429 is caught on the wire so that its Retry-After survives: the SDK's exceptions carry no
 * headers.
 */
public final class GeminiProvider implements LlmProvider {
    /** Finish reasons that mean the answer was withheld, not merely ended. */
    private static final Set<String> BLOCKING_FINISH = Set.of("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "RECITATION", "SPII");
    /** Enough of a 429 body to read its status and message. */
    private static final long MAX_ERROR_BODY = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LlmSettings settings;
    private final CallsInFlight inFlight = new CallsInFlight();
    private final OkHttpClient http;
    private final Client client;

    public GeminiProvider(LlmSettings settings) {
        this.settings = settings;
        this.http = new OkHttpClient.Builder()
                .addInterceptor(inFlight)
                .addInterceptor(GeminiProvider::failFastOn429)
                // a custom client keeps its own timeouts (10 s by default); only the SDK's per-call timeout should bound a call
                .connectTimeout(Duration.ZERO).readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .build();
        this.client = Client.builder()
                .apiKey(apiKey(settings))
                .vertexAI(false) // whatever GOOGLE_GENAI_USE_VERTEXAI says: this is the Gemini API
                .httpOptions(httpOptions(settings))
                .clientOptions(ClientOptions.builder().customHttpClient(http).build())
                .build();
    }

    @Override
    public String name() {
        return LlmSettings.GEMINI;
    }

    @Override
    public String model() {
        return settings.model();
    }

    @Override
    public LlmAnswer ask(LlmRequest request) throws LlmException {
        try {
            return read(client.models.generateContent(settings.model(), request.userMessage(), config(request)));
        } catch (ApiException e) {
            throw new LlmException(ProviderSupport.kindOf(e.code()), e.code(), null,
                    ProviderSupport.httpMessage(e.code(), e.status(), e.message(), settings.apiKey()));
        } catch (GenAiIOException e) {
            throw ioFailure(e, request.timeout());
        } catch (RuntimeException e) {
            // a reply the SDK could not parse, or any other surprise: reported, never thrown past the advisor
            throw new LlmException(LlmException.Kind.IO, null, null, ProviderSupport.plainMessage("Gemini call failed", e, settings.apiKey()));
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
        // the SDK does not own a client it was given: release its threads and connections here
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    // ---- set-up

    private static String apiKey(LlmSettings s) {
        if (s.apiKey().present()) return s.apiKey().value();
        // the SDK insists on a key even when a local server or a proxy needs none
        if (s.baseUrl() != null) return "unused";
        throw new ConfigException("LLM_PROVIDER=gemini needs LLM_API_KEY (or GOOGLE_API_KEY / GEMINI_API_KEY), or LLM_BASE_URL for a server that needs no key");
    }

    private static HttpOptions httpOptions(LlmSettings s) {
        HttpOptions.Builder b = HttpOptions.builder()
                .apiVersion(s.apiVersion() == null ? "v1beta" : s.apiVersion())
                .timeout(millis(Duration.ofMillis(Math.round(s.timeoutSec() * 1000))))
                .retryOptions(noRetries());
        if (s.baseUrl() != null) b.baseUrl(s.baseUrl());
        return b.build();
    }

    /**
     * One attempt and no retryable status: with attempts(1) alone the SDK still sleeps once after a failure, which would
     * stretch a call past LLM_TIMEOUT_SEC; the advisor does its own backoff.
     */
    private static HttpRetryOptions noRetries() {
        return HttpRetryOptions.builder().attempts(1).httpStatusCodes(List.of()).build();
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    // ---- the request

    private static GenerateContentConfig config(LlmRequest r) {
        GenerateContentConfig.Builder b = GenerateContentConfig.builder()
                .temperature((float) r.temperature())
                .maxOutputTokens(r.maxOutputTokens())
                .responseMimeType("application/json")
                // per call: the request's own timeout. 2.3.0 merges these with the client's options (retries stay off);
                // the retry options are restated so that a version that replaced them instead could not turn retries on
                .httpOptions(HttpOptions.builder().timeout(millis(r.timeout())).retryOptions(noRetries()).build());
        if (r.systemInstruction() != null && !r.systemInstruction().isBlank()) {
            b.systemInstruction(Content.fromParts(Part.fromText(r.systemInstruction())));
        }
        if (r.answerSchema() != null && !r.answerSchema().isEmpty()) b.responseSchema(schema(r.answerSchema()));
        return b.build();
    }

    /**
     * Gemini's Schema from a JSON-Schema map: type (upper-cased: OBJECT, STRING, INTEGER, NUMBER, ...), description,
     * enum, properties, required, items, minimum, maximum. Other keywords are not part of Gemini's schema and are left
     * out.
     */
    static Schema schema(Map<?, ?> json) {
        Schema.Builder b = Schema.builder();
        if (json.get("type") instanceof String t) b.type(t.toUpperCase(Locale.ROOT));
        if (json.get("description") instanceof String d) b.description(d);
        if (json.get("enum") instanceof List<?> values) b.enum_(strings(values));
        if (json.get("properties") instanceof Map<?, ?> props) {
            Map<String, Schema> out = new LinkedHashMap<>();
            props.forEach((name, sub) -> {
                if (sub instanceof Map<?, ?> m) out.put(String.valueOf(name), schema(m));
            });
            b.properties(out);
        }
        if (json.get("required") instanceof List<?> names) b.required(strings(names));
        if (json.get("items") instanceof Map<?, ?> items) b.items(schema(items));
        if (json.get("minimum") instanceof Number min) b.minimum(min.doubleValue());
        if (json.get("maximum") instanceof Number max) b.maximum(max.doubleValue());
        return b.build();
    }

    private static List<String> strings(List<?> values) {
        return values.stream().map(String::valueOf).toList();
    }

    // ---- the answer

    static LlmAnswer read(GenerateContentResponse r) {
        Optional<Candidate> first = r.candidates().flatMap(cs -> cs.stream().findFirst());
        String text = first.flatMap(Candidate::content).flatMap(Content::parts).map(GeminiProvider::text).orElse(null);
        String finish = first.flatMap(Candidate::finishReason).map(FinishReason::toString).orElse(null);
        boolean promptBlocked = r.promptFeedback().flatMap(GenerateContentResponsePromptFeedback::blockReason).isPresent();
        boolean blocked = promptBlocked || (finish != null && BLOCKING_FINISH.contains(finish.toUpperCase(Locale.ROOT)));
        Optional<GenerateContentResponseUsageMetadata> usage = r.usageMetadata();
        return new LlmAnswer(text, finish, blocked,
                usage.flatMap(GenerateContentResponseUsageMetadata::promptTokenCount).orElse(null),
                usage.flatMap(GenerateContentResponseUsageMetadata::candidatesTokenCount).orElse(null));
    }

    /** The text parts joined; a thinking model's thought parts are not the answer. */
    private static String text(List<Part> parts) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.thought().orElse(false)) continue;
            p.text().ifPresent(sb::append);
        }
        return sb.toString();
    }

    // ---- failures

    private LlmException ioFailure(GenAiIOException e, Duration timeout) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RateLimited rl) {
                return new LlmException(LlmException.Kind.RATE_LIMITED, 429, ProviderSupport.retryAfter(rl.retryAfter, Instant.now()),
                        ProviderSupport.httpMessage(429, rl.status, rl.serverMessage, settings.apiKey()));
            }
        }
        if (ProviderSupport.causedByTimeout(e)) {
            return new LlmException(LlmException.Kind.TIMEOUT, null, null,
                    String.format(Locale.ROOT, "Gemini call timed out after %.1f s", timeout.toMillis() / 1000.0));
        }
        return new LlmException(LlmException.Kind.IO, null, null, ProviderSupport.plainMessage("Gemini call failed", e.getCause(), settings.apiKey()));
    }

    /**
     * Turns a 429 into an exception that carries Retry-After, before the SDK reads the response and drops its
     * headers. An application interceptor: OkHttp's own retries sit inside it and never see this exception.
     */
    private static Response failFastOn429(Interceptor.Chain chain) throws IOException {
        Response response = chain.proceed(chain.request());
        if (response.code() != 429) return response;
        try (response) {
            String retryAfter = response.header("Retry-After");
            JsonNode error = errorNode(response.peekBody(MAX_ERROR_BODY).string());
            throw new RateLimited(retryAfter, error.path("status").asText(null), error.path("message").asText(null));
        }
    }

    private static JsonNode errorNode(String body) {
        try {
            return JSON.readTree(body).path("error");
        } catch (IOException | RuntimeException notJson) {
            return JSON.missingNode();
        }
    }

    /** A 429 seen on the wire: Retry-After as sent, and the error body's status and message. */
    private static final class RateLimited extends IOException {
        final String retryAfter;
        final String status;
        final String serverMessage;

        RateLimited(String retryAfter, String status, String serverMessage) {
            super("HTTP 429");
            this.retryAfter = retryAfter;
            this.status = status;
            this.serverMessage = serverMessage;
        }
    }
}
