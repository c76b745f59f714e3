package dev.autoscaler.planner;

import dev.autoscaler.common.bus.TargetSettings;
import dev.autoscaler.planner.policy.PolicyConfig;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings an operator changes at run time in the hash {@code target:{target}} (mode, llm, min, max, slo, and scale: a
 * one-off manual scale to that count, taken by the next window and removed). A bad
 * value there is ignored with a warning: the service must not stop because of a typo made at run time.
 */
record TargetOverrides(String mode, String llm, Integer min, Integer max, Double slo, Integer scale) {
    private static final Logger log = LoggerFactory.getLogger(TargetOverrides.class);

    static final java.util.Set<String> MODES = java.util.Set.of("enforce", "advise", "off");

    static TargetOverrides parse(String target, Map<String, String> hash) {
        String mode = hash.get("mode");
        if (mode != null && !MODES.contains(mode)) {
            log.warn("ignoring target:{} mode={} (allowed: enforce, advise, off)", target, mode);
            mode = null;
        }
        String llm = hash.get("llm");
        if (llm != null && !dev.autoscaler.planner.llm.LlmSettings.validRole(llm)) {
            log.warn("ignoring target:{} llm={} (allowed: advise, decide, off)", target, llm);
            llm = null;
        }
        return new TargetOverrides(mode, llm, TargetSettings.wholeNumber(target, hash, "min"), TargetSettings.wholeNumber(target, hash, "max"),
                TargetSettings.positiveNumber(target, hash, "slo"), TargetSettings.wholeNumber(target, hash, "scale"));
    }

    PolicyConfig apply(PolicyConfig base) {
        PolicyConfig c = base;
        if (slo != null) c = c.withSlo(slo);
        int lo = min != null ? min : c.minReplicas();
        int hi = max != null ? max : c.maxReplicas();
        if (lo <= hi && hi >= 1) c = c.withBounds(lo, hi);
        return c;
    }
}
