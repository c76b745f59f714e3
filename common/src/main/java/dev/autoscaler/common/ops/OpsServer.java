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
 * Each service's {@code /health} (JSON, 503 when not healthy) and Prometheus {@code /metrics}. The JDK's
 * server is enough for two endpoints scraped every few seconds and keeps each service's memory small.
 */
public final class OpsServer implements AutoCloseable {
    /** Prometheus's text exposition format, as every {@code /metrics} here answers. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    public record Health(boolean ok, Map<String, Object> details) {}

    public OpsServer(String service, String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", ex -> {
            Health h;
            try {
                h = health.get();
            } catch (RuntimeException e) {
                h = new Health(false, Map.of("error", String.valueOf(e.getMessage())));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", h.ok() ? "ok" : "unhealthy");
            body.put("service", service);
            body.putAll(h.details());
            send(ex, h.ok() ? 200 : 503, "application/json", Json.write(body));
        });
        server.createContext("/metrics", ex -> send(ex, 200, PROMETHEUS_TEXT, registry.scrape()));
        server.start();
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
