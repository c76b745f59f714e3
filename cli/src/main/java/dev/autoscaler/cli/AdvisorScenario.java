package dev.autoscaler.cli;

import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.RateShape;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the LLM advisor costs the control loop, on the real pipeline: the same load (a sine whose rate crosses a load
 * band every few seconds, so state changes ask for calls far more often than LLM_RPM allows) with no LLM, with a fake Gemini server that answers at once, and
 * with one that never answers. Reports the planner's decision latency (p50, p99 from its /metrics) and the calls the
 * advisor made, and the most in any 60 s, against LLM_RPM. The fake is local (127.0.0.1) and speaks Gemini's wire
 * format; no real API is reached.
 */
final class AdvisorScenario {
    static final int RPM = 6;

    private AdvisorScenario() {}

    static Map<String, Object> run(Map<String, String> base, double seconds) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("llm_rpm", RPM);
        for (String variant : List.of("none", "answering", "hanging")) out.put(variant, variant(base, variant, seconds));
        return out;
    }

    private static Map<String, Object> variant(Map<String, String> base, String variant, double seconds) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(base);
        try (FakeGeminiServer fake = new FakeGeminiServer("bench-fake-key")) {
            fake.defaultReply(variant.equals("hanging") ? FakeLlmServer.hang()
                    : FakeGeminiServer.advice("{\"action\":\"noop\",\"confidence\":0.9,\"reasoning\":\"steady\"}"));
            if (!variant.equals("none")) {
                env.putAll(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", "bench-fake-key", "LLM_BASE_URL", fake.baseUrl(),
                        "LLM_ROLE", "decide", "LLM_RPM", String.valueOf(RPM), "LLM_HEARTBEAT_SEC", "2", "LLM_TIMEOUT_SEC", "60"));
            }
            try (LocalStack stack = new LocalStack(Files.createTempDirectory("pipeline-llm"), env).start()) {
                // 70 to 210 rps and back every 30 s: the load crosses a band (25 % apart) every few seconds
                new LoadGenerator(LoadGenerator.Config.bounded(URI.create(stack.lbUrl()), new RateShape.Sine(140, 70, 30), seconds)).run(null);
                Map<String, Object> r = new LinkedHashMap<>(decisionLatency(stack.opsPorts().get("planner")));
                r.put("llm_calls", fake.requestCount());
                r.put("max_calls_in_60_s", maxInWindow(fake.requests().stream().map(FakeLlmServer.Recorded::at).toList(), 60));
                PipelineBenchCommand.say("  llm %-9s decisions %s, p50 %s ms, p99 %s ms; calls %s (most in 60 s: %s, LLM_RPM %d)", variant,
                        r.get("decisions"), r.get("p50_ms"), r.get("p99_ms"), r.get("llm_calls"), r.get("max_calls_in_60_s"), RPM);
                return r;
            }
        }
    }

    /** The planner's decision timer, read from its Prometheus endpoint. */
    static Map<String, Object> decisionLatency(int opsPort) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Object> r = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("autoscaler_planner_decision_seconds{") && line.contains("quantile=\"0.5\"")) r.put("p50_ms", ms(line));
            if (line.startsWith("autoscaler_planner_decision_seconds{") && line.contains("quantile=\"0.99\"")) r.put("p99_ms", ms(line));
            if (line.startsWith("autoscaler_planner_decision_seconds_count")) r.put("decisions", (long) Double.parseDouble(value(line)));
        }
        return r;
    }

    private static double ms(String line) {
        return Math.round(Double.parseDouble(value(line)) * 1e6) / 1e3;
    }

    private static String value(String line) {
        return line.substring(line.lastIndexOf(' ') + 1).trim();
    }

    static int maxInWindow(List<Instant> at, double windowSec) {
        int most = 0;
        for (Instant start : at) {
            Instant end = start.plusMillis((long) (windowSec * 1000));
            int n = (int) at.stream().filter(t -> !t.isBefore(start) && t.isBefore(end)).count();
            most = Math.max(most, n);
        }
        return most;
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("| LLM | decisions | p50 ms | p99 ms | calls | most in 60 s |\n|---|---:|---:|---:|---:|---:|\n");
        for (String v : List.of("none", "answering", "hanging")) {
            @SuppressWarnings("unchecked") Map<String, Object> x = (Map<String, Object>) r.get(v);
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", v, x.get("decisions"), x.get("p50_ms"), x.get("p99_ms"),
                    x.get("llm_calls"), x.get("max_calls_in_60_s")));
        }
        return sb.toString();
    }
}
