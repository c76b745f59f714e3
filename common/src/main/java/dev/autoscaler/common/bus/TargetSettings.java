package dev.autoscaler.common.bus;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values an operator sets at run time in the hash {@code target:{target}} (the planner's overrides, the Kubernetes
 * executor's bounds). A bad value is ignored with a warning: a typo made at run time must not stop a service.
 */
public final class TargetSettings {
    private static final Logger log = LoggerFactory.getLogger(TargetSettings.class);

    private TargetSettings() {}

    /** {@code key} as a whole number >= 0; null when absent or bad. */
    public static Integer wholeNumber(String target, Map<String, String> hash, String key) {
        String v = hash.get(key);
        if (v == null) return null;
        try {
            int i = Integer.parseInt(v.trim());
            if (i >= 0) return i;
        } catch (NumberFormatException ignored) {
            // fall through to the warning
        }
        log.warn("ignoring target:{} {}={} (expected an integer >= 0)", target, key, v);
        return null;
    }

    /** {@code key} as a finite number > 0; null when absent, blank or bad. */
    public static Double positiveNumber(String target, Map<String, String> hash, String key) {
        String v = hash.get(key);
        if (v == null || v.isBlank()) return null;
        try {
            double d = Double.parseDouble(v.trim());
            if (d > 0 && Double.isFinite(d)) return d;
        } catch (NumberFormatException ignored) {
            // fall through to the warning
        }
        log.warn("ignoring target:{} {}={} (expected a number > 0)", target, key, v);
        return null;
    }
}
