package dev.autoscaler.cli;

import dev.autoscaler.cli.local.Ports;
import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.RateShape;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long a window takes from the monitor to the page: the stack with the dashboard, a page's event stream read as a
 * browser's EventSource reads it, and per window the time from the window's timestamp (when the monitor published it)
 * to its {@code window} event arriving (the planner's decision, the history entry and the feed's poll in between).
 */
final class DashboardScenario {
    private DashboardScenario() {}

    static Map<String, Object> run(Map<String, String> base, double seconds) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(base);
        int port = Ports.free();
        env.put("DASHBOARD_PORT", String.valueOf(port));
        List<Double> delays = new ArrayList<>();
        try (LocalStack stack = new LocalStack(Files.createTempDirectory("pipeline-dashboard"), env).start()) {
            stack.startService("dashboard");
            Ports.await(port, 30, "the dashboard");
            Thread reader = Thread.ofVirtual().start(() -> read(port, delays));
            new LoadGenerator(LoadGenerator.Config.bounded(URI.create(stack.lbUrl()), new RateShape.Constant(60), seconds)).run(null);
            reader.interrupt();
        }
        List<Double> sorted;
        synchronized (delays) {
            sorted = delays.stream().sorted().toList();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("windows", sorted.size());
        out.put("p50_ms", at(sorted, 0.5));
        out.put("p95_ms", at(sorted, 0.95));
        out.put("max_ms", sorted.isEmpty() ? null : sorted.get(sorted.size() - 1));
        PipelineBenchCommand.say("  dashboard: %s windows, window to page p50 %s ms, p95 %s ms, max %s ms", out.get("windows"), out.get("p50_ms"),
                out.get("p95_ms"), out.get("max_ms"));
        return out;
    }

    private static void read(int port, List<Double> delays) {
        try {
            var req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stream")).header("Accept", "text/event-stream").build();
            var resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body()))) {
                String event = null;
                String line;
                while ((line = in.readLine()) != null && !Thread.currentThread().isInterrupted()) {
                    if (line.startsWith("event:")) event = line.substring(6).trim();
                    else if (line.startsWith("data:") && "window".equals(event)) record(line.substring(5).trim(), delays);
                }
            }
        } catch (Exception e) {
            // the stream ends with the stack
        }
    }

    private static void record(String data, List<Double> delays) throws java.io.IOException {
        double now = System.currentTimeMillis() / 1000.0;
        JsonNode w = Json.MAPPER.readTree(data).path("window");
        if (!w.has("ts")) return;
        synchronized (delays) {
            delays.add(Math.round((now - w.get("ts").asDouble()) * 1e4) / 10.0);
        }
    }

    private static Double at(List<Double> sorted, double q) {
        return sorted.isEmpty() ? null : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
    }
}
