package dev.autoscaler.bench;

import dev.autoscaler.bench.run.BenchRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bench run --advisor llm} against the project's fake Gemini server (a local server speaking Gemini's wire
 * format): the advisor's rows, the rate limit kept on the simulated clock, and ours unchanged when the model hangs or fails.
 */
class LlmAdvisorBenchTest {
    static final String ADVICE = "{\"action\":\"scale_up\",\"target_replicas\":30,\"confidence\":0.9,\"reasoning\":\"more headroom\"}";

    @Test
    void anAnsweringModelGetsItsRowsAndIsAskedWithinTheRateLimit() throws Exception {
        try (FakeGeminiServer fake = new FakeGeminiServer()) {
            fake.defaultReply(FakeGeminiServer.advice(ADVICE));
            Path out = run(fake, 1200, "2");
            String md = Files.readString(out.resolve("results.md"));
            assertTrue(md.contains("## The LLM advisor (decide role, LLM_RPM 2)"), md);
            String row = md.lines().filter(l -> l.startsWith("| step.csv | ") && l.split("\\|").length > 10).reduce((a, b) -> b).orElseThrow();
            String[] cells = row.split("\\|");
            int calls = Integer.parseInt(cells[2].trim());
            int mostInAMinute = Integer.parseInt(cells[3].trim());
            assertTrue(calls >= 5, "asked at its heartbeats and changes: " + row);
            assertEquals(calls, fake.requestCount(), "every call reached the model once");
            assertTrue(mostInAMinute <= 2, "LLM_RPM 2 on the simulated clock: " + row);
            int judged = Integer.parseInt(cells[5].trim());
            assertTrue(judged > 0 && judged <= calls, "each answer judged once: " + row);
            assertTrue(cells[9].trim().startsWith(calls * FakeLlmServer.PROMPT_TOKENS + " / "), "the tokens the fake reported: " + row);
            assertTrue(summary(out, "ours+llm") != null && summary(out, "ours") != null);
        }
    }

    @Test
    void aHangingOrFailingModelLeavesOursNumbersAsTheyWere() throws Exception {
        for (FakeLlmServer.Reply reply : new FakeLlmServer.Reply[] {FakeLlmServer.hang(), FakeGeminiServer.error(500, "INTERNAL", null)}) {
            try (FakeGeminiServer fake = new FakeGeminiServer()) {
                fake.defaultReply(reply);
                Path out = run(fake, 400, "6");
                JsonNode ours = summary(out, "ours");
                JsonNode withLlm = summary(out, "ours+llm");
                assertEquals(ours.path("violation_pct").asDouble(), withLlm.path("violation_pct").asDouble(), reply.toString());
                assertEquals(ours.path("replica_seconds").asDouble(), withLlm.path("replica_seconds").asDouble(), reply.toString());
                assertTrue(fake.requestCount() > 0, "the model was asked");
                String md = Files.readString(out.resolve("results.md"));
                assertTrue(md.contains(reply.hang() ? "timeout" : "error"), md);
            }
        }
    }

    @Test
    void onlyRunAndReplayMayCallAModel() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BenchRunner(dev.autoscaler.bench.sim.SimConfig.defaults(), Map.of()).policy("ours+llm"));
        assertTrue(e.getMessage().contains("bench run and bench replay only"), e.getMessage());
    }

    private static Path run(FakeGeminiServer fake, int seconds, String rpm) throws Exception {
        Path dir = Files.createTempDirectory("bench-llm");
        Path trace = dir.resolve("step.csv");
        Files.writeString(trace, "t_seconds,rps\n0,100\n" + seconds / 3 + ",400\n" + 2 * seconds / 3 + ",100\n" + (seconds - 10) + ",100\n");
        Path out = dir.resolve("out");
        var r = BenchCliTest.execute(new BenchCli.Run(), "--trace", trace.toString(), "--policies", "ours,oracle", "--advisor", "llm",
                "--out", out.toString(), "--set", "LLM_PROVIDER=gemini,LLM_BASE_URL=" + fake.baseUrl() + ",LLM_RPM=" + rpm
                        + ",LLM_HEARTBEAT_SEC=60,LLM_TIMEOUT_SEC=0.5,LLM_BACKOFF_BASE_SEC=30,LLM_BACKOFF_MAX_SEC=120");
        assertEquals(0, r.exit(), r.err() + r.out());
        return out;
    }

    private static JsonNode summary(Path out, String policy) throws Exception {
        for (JsonNode row : Json.MAPPER.readTree(Files.readString(out.resolve("results.json"))).path("results")) {
            if (row.path("policy").asText().equals(policy)) return row;
        }
        return null;
    }
}
