package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.LatencyMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** r_slo from the ramp's windows: where p95 first crosses the SLO for two windows in a row. */
class SettleScenarioTest {
    @Test
    void rsloIsInterpolatedFromTheWindowBeforeTwoWindowsOverTheSlo() {
        List<LatencyMetrics> ramp = List.of(w(150, 40), w(160, 120), w(170, 60), w(180, 80), w(190, 140), w(200, 300));
        // 160 is over alone; 190 then 200 are over: from (180, 80 ms) to (190, 140 ms), 100 ms is a third of the way
        assertEquals(183.33, SettleScenario.crossing(ramp, 100), 0.01);
    }

    @Test
    void noCrossingIsNaN() {
        assertTrue(Double.isNaN(SettleScenario.crossing(List.of(w(100, 20), w(150, 40), w(200, 120)), 100)));
    }

    private static LatencyMetrics w(double rps, double p95) {
        return new LatencyMetrics(null, "app", "http://127.0.0.1/", 2, (int) (2 * rps), 1.0, p95 / 2, p95 / 2, p95, p95, p95, rps, rps,
                null, 1, "access_log", 1);
    }
}
