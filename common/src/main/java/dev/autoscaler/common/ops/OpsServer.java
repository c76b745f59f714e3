package dev.autoscaler.common.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.autoscaler.common.msg.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Each service's {@code /health} (liveness: JSON, 503 when the process is wedged), {@code /ready} (readiness: 503
 * while it cannot do its work, say Redis is away) and Prometheus {@code /metrics}. The two checks are apart so that an
 * orchestrator restarts a process only when restarting helps: a Redis outage makes every service unready, never dead.
 * The JDK's server is enough for endpoints scraped every few seconds and keeps each service's memory small.
 */
public final class OpsServer implements AutoCloseable {
    /** Prometheus's text exposition format, as every {@code /metrics} here answers. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    public record Health(boolean ok, Map<String, Object> details) {}

    /** {@code /ready} answers as {@code /health} does. */
    public OpsServer(String service, String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health)
            throws IOException {
        this(service, host, port, registry, health, health);
    }

    public OpsServer(String service, String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health,
                     Supplier<Health> ready) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", ex -> answer(ex, service, health, "unhealthy"));
        server.createContext("/ready", ex -> answer(ex, service, ready, "not ready"));
        server.createContext("/metrics", ex -> send(ex, 200, PROMETHEUS_TEXT, registry.scrape()));
        server.start();
    }

    private static void answer(HttpExchange ex, String service, Supplier<Health> check, String failed) throws IOException {
        Health h;
        try {
            h = check.get();
        } catch (RuntimeException e) {
            h = new Health(false, Map.of("error", String.valueOf(e.getMessage())));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", h.ok() ? "ok" : failed);
        body.put("service", service);
        body.putAll(h.details());
        send(ex, h.ok() ? 200 : 503, "application/json", Json.write(body));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
