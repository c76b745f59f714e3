package dev.autoscaler.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * Instant queries against Prometheus' HTTP API ({@code GET /api/v1/query}). Every outcome is a value: a number, no
 * series, or a failure with its reason, so the caller decides what a window does and nothing throws past it.
 */
final class PrometheusClient implements AutoCloseable {
    /** Why a query gave no number. */
    enum Failure { UNREACHABLE, REJECTED, MALFORMED }

    sealed interface Answer {}

    /** One sample's value; may be NaN (e.g. a quantile of zero traffic) or +Inf (beyond the last finite bucket). */
    record Value(double value) implements Answer {}

    /** The query matched no series: {@code "result":[]}. */
    record NoSeries() implements Answer {}

    record Failed(Failure why, String detail) implements Answer {}

    /** A grouped query's series, by the value of the label it was grouped by (several targets in one answer). */
    record ByLabel(Map<String, Answer> series) implements Answer {
        /** The series of {@code value}; none is {@link NoSeries}. */
        Answer of(String value) {
            return series.getOrDefault(value, new NoSeries());
        }
    }

    private final HttpClient http;
    private final URI queryUri;
    private final Duration timeout;
    private final String authorization;

    /** {@code base} may carry user:password (sent as basic auth); {@code shown} is the same URL without it. */
    PrometheusClient(URI base, URI shown, double timeoutSec) {
        this.timeout = Duration.ofMillis((long) (timeoutSec * 1000));
        this.http = HttpClient.newBuilder().connectTimeout(timeout).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String user = base.getUserInfo();
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
        String b = shown.toString();
        // a base with a path prefix (a Prometheus behind a reverse proxy under /prometheus) keeps it
        this.queryUri = URI.create((b.endsWith("/") ? b : b + "/") + "api/v1/query");
    }

    CompletableFuture<Answer> query(String promql) {
        return query(promql, null);
    }

    /** With {@code groupLabel}, the answer is one series per value of that label ({@link ByLabel}); else one number. */
    CompletableFuture<Answer> query(String promql, String groupLabel) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(queryUri + "?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(timeout).header("Accept", "application/json").GET();
        if (authorization != null) req.header("Authorization", authorization);
        return http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> groupLabel == null ? parse(r.statusCode(), r.body()) : parse(r.statusCode(), r.body(), groupLabel))
                .exceptionally(e -> new Failed(Failure.UNREACHABLE, describe(e)));
    }

    /**
     * Reads Prometheus' answer: {@code {"status":"success","data":{"resultType":"vector","result":[{"metric":{},
     * "value":[ts,"0.19"]}]}}}; errors are {@code {"status":"error","errorType":..,"error":..}} with HTTP 400/422/503.
     */
    static Answer parse(int status, String body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return new Failed(status == 200 ? Failure.MALFORMED : Failure.REJECTED, "HTTP " + status + ", not JSON");
        }
        if (root == null || !root.isObject()) return new Failed(Failure.MALFORMED, "HTTP " + status + ", not a JSON object");
        if (status != 200 || !"success".equals(root.path("status").asText())) {
            return new Failed(Failure.REJECTED, "HTTP " + status + " " + root.path("errorType").asText("?") + ": "
                    + root.path("error").asText(""));
        }
        JsonNode data = root.path("data");
        JsonNode result = data.path("result");
        return switch (data.path("resultType").asText()) {
            case "vector" -> {
                if (!result.isArray()) yield new Failed(Failure.MALFORMED, "vector without a result array");
                if (result.isEmpty()) yield new NoSeries();
                if (result.size() > 1) yield new Failed(Failure.MALFORMED, result.size() + " series where one sum was expected");
                yield sample(result.get(0).path("value"));
            }
            case "scalar" -> sample(result);
            default -> new Failed(Failure.MALFORMED, "result type '" + data.path("resultType").asText() + "'");
        };
    }

    /** A grouped answer: each series of the vector under its {@code label}'s value; errors as in {@link #parse(int, String)}. */
    static Answer parse(int status, String body, String label) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return parse(status, body);
        }
        JsonNode data = root == null ? null : root.path("data");
        if (status != 200 || data == null || !"vector".equals(data.path("resultType").asText()) || !data.path("result").isArray()) {
            Answer a = parse(status, body);
            return a instanceof Failed ? a : new Failed(Failure.MALFORMED, "a grouped query answered without a vector");
        }
        Map<String, Answer> series = new HashMap<>();
        for (JsonNode one : data.path("result")) {
            JsonNode value = one.path("metric").path(label);
            if (value.isTextual()) series.put(value.asText(), sample(one.path("value")));
        }
        return new ByLabel(series);
    }

    /** {@code [<float ts>, "<value>"]}; Prometheus writes values as strings, including "NaN", "+Inf" and "-Inf". */
    private static Answer sample(JsonNode pair) {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isTextual()) return new Failed(Failure.MALFORMED, "sample " + pair);
        String v = pair.get(1).asText();
        return switch (v) {
            case "NaN" -> new Value(Double.NaN);
            case "+Inf" -> new Value(Double.POSITIVE_INFINITY);
            case "-Inf" -> new Value(Double.NEGATIVE_INFINITY);
            default -> {
                try {
                    yield new Value(Double.parseDouble(v));
                } catch (NumberFormatException e) {
                    yield new Failed(Failure.MALFORMED, "value '" + v + "'");
                }
            }
        };
    }

    private static String describe(Throwable e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    @Override
    public void close() {
        http.close();
    }
}
