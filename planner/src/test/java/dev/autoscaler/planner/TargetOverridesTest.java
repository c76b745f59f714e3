package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.autoscaler.planner.policy.PolicyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetOverridesTest {
    @Test
    void runTimeSettingsOverrideTheEnvironment() {
        TargetOverrides o = TargetOverrides.parse("app", Map.of("mode", "advise", "min", "2", "max", "5", "slo", "250"));
        assertEquals("advise", o.mode());
        PolicyConfig c = o.apply(PolicyConfig.defaults());
        assertEquals(2, c.minReplicas());
        assertEquals(5, c.maxReplicas());
        assertEquals(250.0, c.sloP95Ms());
    }

    @Test
    void aBadRunTimeValueIsIgnoredNotFatal() {
        TargetOverrides o = TargetOverrides.parse("app", Map.of("mode", "chaos", "min", "-1", "max", "many", "slo", "0"));
        assertNull(o.mode());
        PolicyConfig c = o.apply(PolicyConfig.defaults());
        assertEquals(PolicyConfig.defaults(), c);
        // min above max is refused as a pair
        assertEquals(PolicyConfig.defaults(), TargetOverrides.parse("app", Map.of("min", "7", "max", "3")).apply(PolicyConfig.defaults()));
    }
}
