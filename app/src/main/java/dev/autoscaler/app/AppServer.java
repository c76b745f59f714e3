package dev.autoscaler.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.ops.OpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service under test: {@code /} (WORK_MS of work), {@code /work?ms=} (sleep-bound work),
 * {@code /cpu?ms=} (CPU-bound work), {@code /health}, and {@code /metrics} (Prometheus text: the request-latency
 * histogram of {@link RequestMetrics}). Work runs on a bounded {@link WorkerPool}. Every request except
 * {@code /health} and {@code /metrics} is timed, so a scraper or a health checker does not change the latency it
 * reports.
 */
public final class AppServer implements AutoCloseable {
    private static final int MAX_MS = 10_000;

    private final AppSettings settings;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final WorkerPool pool;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final RequestMetrics metrics;
    private volatile boolean stopping;

    public AppServer(AppSettings settings) throws IOException {
        this.settings = settings;
        this.pool = new WorkerPool(settings.workers(), settings.maxQueue());
        this.metrics = new RequestMetrics(settings.bucketGrowth());
        server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 1024);
        server.setExecutor(executor);
        server.createContext("/health", this::health);
        server.createContext("/metrics", ex -> send(ex, 200, OpsServer.PROMETHEUS_TEXT, metrics.scrape()));
        server.createContext("/work", timed(ex -> work(ex, param(ex.getRequestURI(), "ms", settings.workMs()), false)));
        server.createContext("/cpu", timed(ex -> work(ex, param(ex.getRequestURI(), "ms", settings.workMs()), true)));
        server.createContext("/", timed(ex -> {
            if (!"/".equals(ex.getRequestURI().getPath())) {
                send(ex, 404, "text/plain", "not found\n");
            } else {
                work(ex, settings.workMs(), false);
            }
        }));
        server.start();
    }

    /** Times the whole exchange, queueing for a worker included: that wait is the latency a client sees grow. */
    private HttpHandler timed(HttpHandler h) {
        return ex -> {
            long start = System.nanoTime();
            try {
                h.handle(ex);
            } finally {
                metrics.record(ex.getResponseCode(), System.nanoTime() - start);
            }
        };
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void health(HttpExchange ex) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", stopping ? "stopping" : "ok");
        body.put("id", settings.replicaId());
        body.put("workers", settings.workers());
        body.put("busy", pool.busy(settings.workers()));
        body.put("queued", pool.queued());
        body.put("served", served.get());
        body.put("refused", refused.get());
        send(ex, stopping ? 503 : 200, "application/json", Json.write(body));
    }

    private void work(HttpExchange ex, int ms, boolean cpu) throws IOException {
        int bounded = Math.max(0, Math.min(MAX_MS, ms));
        boolean ran;
        try {
            ran = pool.run(() -> {
                if (cpu) spin(bounded);
                else sleep(bounded);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ran = false;
        }
        if (ran) {
            served.incrementAndGet();
            send(ex, 200, "text/plain", "OK " + settings.replicaId() + "\n");
        } else {
            refused.incrementAndGet();
            send(ex, 503, "text/plain", "busy\n");
        }
    }

    private static int param(URI uri, String name, int def) {
        String q = uri.getRawQuery();
        if (q == null) return def;
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                try {
                    return Integer.parseInt(kv.substring(eq + 1));
                } catch (NumberFormatException e) {
                    return def;
                }
            }
        }
        return def;
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void spin(int ms) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long x = 0;
        while (System.nanoTime() < end) x += System.nanoTime() & 7;
        if (x == 42) System.out.print("");
    }

    private void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Replica", settings.replicaId());
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting and waits up to the grace period for requests in flight, so a drain loses none. */
    @Override
    public void close() {
        stopping = true;
        server.stop(settings.graceSec());
        executor.shutdown();
    }
}
