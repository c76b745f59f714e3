package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.planner.policy.PolicyDecision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TargetMetersTest {
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TargetMeters tm = new TargetMeters(meters, 2);

    double gauge(String name, String target) {
        return meters.get(name).tag("target", target).gauge().value();
    }

    @Test
    void theLastWindowsP95AndItsSloInSecondsNaNWithoutAnSlo() {
        tm.window("app", 250.0, 100.0);
        tm.window("web", 40.0, null);
        assertEquals(0.25, gauge("autoscaler_planner_p95_seconds", "app"), 1e-12);
        assertEquals(0.1, gauge("autoscaler_planner_slo_p95_seconds", "app"), 1e-12);
        assertTrue(Double.isNaN(gauge("autoscaler_planner_slo_p95_seconds", "web")), "baseline mode: no SLO");
        tm.window("app", 80.0, 120.0);
        assertEquals(0.08, gauge("autoscaler_planner_p95_seconds", "app"), 1e-12, "the newest window");
        assertEquals(0.12, gauge("autoscaler_planner_slo_p95_seconds", "app"), 1e-12, "the SLO in force now");
    }

    @Test
    void aTargetGivenUpLeavesNoStaleLevelsBehind() {
        tm.window("app", 250.0, 100.0);
        tm.forget("app");
        assertNull(meters.find("autoscaler_planner_p95_seconds").tag("target", "app").gauge());
        assertNull(meters.find("autoscaler_planner_slo_p95_seconds").tag("target", "app").gauge());
        tm.window("app", 90.0, 100.0);
        assertEquals(0.09, gauge("autoscaler_planner_p95_seconds", "app"), 1e-12, "taken again: exported again");
    }

    @Test
    void decisionsAreCountedByTargetActionSourceAndMode() {
        var up = new PolicyDecision(Plan.Action.scale_up, 3, "slow", 0.9, "llm", null);
        tm.decided("app", up, "enforce");
        tm.decided("app", up, "enforce");
        tm.decided("app", new PolicyDecision(Plan.Action.noop, 3, "ok", 0.9, "heuristic", null), "off");
        assertEquals(2, meters.get("autoscaler_planner_decisions")
                .tags("target", "app", "action", "scale_up", "source", "llm", "mode", "enforce").counter().count());
        assertEquals(1, meters.get("autoscaler_planner_decisions")
                .tags("target", "app", "action", "noop", "source", "heuristic", "mode", "off").counter().count());
    }

    @Test
    void aTargetGivenUpTakesItsDecisionCountersAlongAndKeepsTheOthers() {
        var up = new PolicyDecision(Plan.Action.scale_up, 3, "slow", 0.9, "heuristic", null);
        tm.decided("app", up, "enforce");
        tm.decided("web", up, "enforce");
        tm.forget("app");
        assertTrue(meters.find("autoscaler_planner_decisions").tag("target", "app").counters().isEmpty(), "app's counters went");
        assertEquals(1, meters.get("autoscaler_planner_decisions").tag("target", "web").counter().count(), "web's stay");
        tm.decided("app", up, "enforce");
        assertEquals(1, meters.get("autoscaler_planner_decisions").tag("target", "app").counter().count(), "taken again: counted anew");
    }

    @Test
    void theLeaderGaugeFollowsTheLeaseForAsManyTargetsAsThePlannerKeeps() {
        Set<String> held = new HashSet<>();
        for (String t : new String[] {"a", "b", "c", "a"}) tm.follow(t, held::contains);
        assertEquals(0, gauge("autoscaler_planner_leader", "a"));
        held.add("a");
        assertEquals(1, gauge("autoscaler_planner_leader", "a"));
        assertEquals(0, gauge("autoscaler_planner_leader", "b"));
        assertNull(meters.find("autoscaler_planner_leader").tag("target", "c").gauge(), "past the planner's bound of 2 targets");
    }
}
