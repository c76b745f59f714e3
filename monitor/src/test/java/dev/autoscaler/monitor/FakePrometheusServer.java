package dev.autoscaler.monitor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A fake Prometheus on 127.0.0.1 that answers {@code GET /api/v1/query} in the real server's JSON (as Prometheus 2.42
 * writes it: values as strings, errors as {@code status:error} with HTTP 400). Each test says what a query answers.
 */
final class FakePrometheusServer implements AutoCloseable {
    record Reply(int status, String body) {}

    private final HttpServer server;
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private volatile Function<String, Reply> answer = q -> empty();
    private final Map<String, Integer> paths = new ConcurrentHashMap<>();
    private volatile String authorization;

    FakePrometheusServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void answer(Function<String, Reply> f) {
        this.answer = f;
    }

    List<String> queries() {
        return queries;
    }

    String authorization() {
        return authorization;
    }

    Map<String, Integer> paths() {
        return paths;
    }

    static Reply vector(String value) {
        return new Reply(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1764687600.123,\""
                + value + "\"]}]}}");
    }

    /** A grouped answer: one series per value of {@code label}, as {@code sum by (label)} returns. */
    static Reply vectorBy(String label, Map<String, String> values) {
        StringBuilder series = new StringBuilder();
        values.forEach((k, v) -> series.append(series.isEmpty() ? "" : ",").append("{\"metric\":{\"").append(label).append("\":\"")
                .append(k).append("\"},\"value\":[1764687600.123,\"").append(v).append("\"]}"));
        return new Reply(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + series + "]}}");
    }

    static Reply empty() {
        return new Reply(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
    }

    /** What Prometheus 2.42 answers to a query it cannot parse. */
    static Reply badData(String error) {
        return new Reply(400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"" + error + "\"}");
    }

    private void handle(HttpExchange ex) throws IOException {
        authorization = ex.getRequestHeaders().getFirst("Authorization");
        paths.merge(ex.getRequestURI().getPath(), 1, Integer::sum);
        String raw = ex.getRequestURI().getRawQuery();
        String query = "";
        if (raw != null) {
            for (String kv : raw.split("&")) {
                if (kv.startsWith("query=")) query = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
            }
        }
        queries.add(query);
        Reply r = ex.getRequestURI().getPath().endsWith("/api/v1/query") ? answer.apply(query) : new Reply(404, "404 page not found\n");
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", r.status() == 404 ? "text/plain" : "application/json");
        ex.sendResponseHeaders(r.status(), body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
