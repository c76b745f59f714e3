package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.cli.Main;
import dev.autoscaler.common.msg.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench scale} end to end, small: a real redis-server, a dry executor and planner processes, its JSON fields and its refusals. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ScaleBenchIT {
    @Test
    void aSmallRunReportsEveryFieldAndTheWindowsItsPlannerHandled() throws Exception {
        JsonNode r = lastLine("bench", "scale", "--targets", "5", "--duration", "3", "--warmup", "3", "--interval-sec", "0.5", "--json");
        for (String field : new String[] {"windows_per_sec", "decision_p50_ms", "decision_p99_ms", "redis_cmds_per_decision", "rss_mb",
                "cpu_cores", "state_bytes_per_target", "published_per_sec", "planner_heap_bytes_per_target", "redis_bytes_per_target",
                "decided_twice"}) {
            assertTrue(r.has(field), field + " in " + r);
        }
        assertEquals(5, r.path("targets").asInt());
        assertTrue(r.path("windows_per_sec").asDouble() > 5, "5 targets every 0.5 s: about 10 a second handled: " + r);
        assertTrue(r.path("redis_cmds_per_decision").asDouble() > 1, r.toString());
        assertTrue(r.path("rss_mb").path("planner-1").asDouble() > 10 && r.path("rss_mb").path("redis").asDouble() > 1
                && r.path("rss_mb").path("executor").asDouble() > 10, "the planner, the dry executor and Redis: " + r);
        assertTrue(r.path("decision_p99_ms").asDouble() >= r.path("decision_p50_ms").asDouble());
        assertEquals(0, r.path("decided_twice").asLong(), r.toString());
        assertTrue(r.path("planner_heap_bytes_per_target").asLong() != 0, "jcmd measured the heap: " + r);
    }

    @Test
    void twoPlannersShareTheTargetsAndWhenOneIsKilledTheOtherDecidesAllOfThemWithinAboutALease() throws Exception {
        JsonNode r = lastLine("bench", "scale", "--targets", "20", "--planners", "2", "--duration", "10", "--warmup", "4",
                "--kill-after", "2", "--set", "PLANNER_LEASE_SEC=2", "--json");
        assertEquals(0, r.path("decided_twice").asLong(), "no window decided by both: " + r);
        // a lease of 2 s runs out at most 2 s after the kill; the survivor looks at the members every third of a second
        double takeover = r.path("takeover_sec").asDouble(-1);
        assertTrue(takeover > 0 && takeover < 4, "every target decided again within " + takeover + " s: " + r);
        assertTrue(r.path("rss_mb").path("planner-2").asDouble() > 10, r.toString());
    }

    /** Runs the command, which must exit 0, and reads its last line of output as JSON. */
    private static JsonNode lastLine(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true));
            exit = Main.run(args);
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, exit, out.toString());
        return Json.MAPPER.readTree(out.toString().strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void badOptionsAreRefusedWithExitTwo() {
        assertEquals(2, Main.run("bench", "scale", "--targets", "0"));
        assertEquals(2, Main.run("bench", "scale", "--planners", "0"));
        assertEquals(2, Main.run("bench", "scale", "--kill-after", "1"), "a kill needs a second planner");
        assertEquals(2, Main.run("bench", "scale", "--set", "REDIS_URL=redis://elsewhere"), "the bench's own settings");
    }
}
