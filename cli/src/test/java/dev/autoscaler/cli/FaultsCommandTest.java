package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad options of {@code bench faults} are refused with one line naming them and exit code 2, before anything starts. */
class FaultsCommandTest {
    @Test
    void anUnknownFaultIsOneLineNamingItAndTheKnownOnes() {
        Run r = run("bench", "faults", "--faults", "redis-kill-3s,redis-kil-30s");
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("autoscaler bench faults: --faults: unknown fault(s) [redis-kil-30s]; known: redis-kill-3s, "), r.err());
        assertTrue(r.err().contains("llm-garbage"), r.err());
    }

    @Test
    void aRateOrSettleTimeThatIsNotPositiveIsRefused() {
        Run rps = run("bench", "faults", "--rps", "0");
        assertEquals(2, rps.code());
        assertEquals("autoscaler bench faults: --rps must be a number > 0, got 0.0", rps.err().strip());
        Run settle = run("bench", "faults", "--faults", "flood", "--settle-sec=-5");
        assertEquals(2, settle.code());
        assertEquals("autoscaler bench faults: --settle-sec must be a number > 0, got -5.0", settle.err().strip());
    }

    @Test
    void theCatalogueHasEveryFaultTheIssueNamesOnceInRunOrder() {
        assertEquals(java.util.List.of("redis-kill-3s", "redis-kill-30s", "monitor-kill", "planner-kill", "executor-kill", "watcher-kill",
                "planner-kill-scaleup", "executor-kill-starting", "replica-kill", "nginx-conf-broken", "second-planner", "flood",
                "redis-kill-3s-aof", "redis-kill-30s-aof", "llm-hang", "llm-429", "llm-garbage"), FaultsScenario.names());
    }

    private record Run(int code, String err) {}

    private static Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
