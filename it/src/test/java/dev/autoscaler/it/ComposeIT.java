package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.ComposeCheck;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole stack from docker-compose.yml (docker-compose 1.29 here, `docker compose` v2 where installed) with the
 * FROM-scratch images: a step load through lb raises the app's duplicates, they fall back when it stops, and
 * {@code down} leaves no container, network or volume of the project. The same check as {@code ./autoscaler compose-check}.
 */
class ComposeIT {
    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void composeUpScalesUnderAStepLoadAndDownLeavesNothingBehind() throws Exception {
        TestImages.ensureBuilt();
        ComposeCheck.Report r = new ComposeCheck(TestImages.root(), TestImages.TAG).run();
        System.out.println("compose check: " + r.facts());
        assertTrue(r.passed(), r.failures() + " " + r.facts());
        assertTrue((int) r.facts().get("duplicates_peak") >= 2, r.facts().toString());
        assertEquals(1, r.facts().get("duplicates_after_load"), r.facts().toString());
        @SuppressWarnings("unchecked")
        Map<String, List<String>> left = (Map<String, List<String>>) r.facts().get("left_after_down");
        left.forEach((kind, ids) -> assertTrue(ids.isEmpty(), kind + " left behind: " + ids));
    }
}
