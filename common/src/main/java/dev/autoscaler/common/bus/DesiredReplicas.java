package dev.autoscaler.common.bus;

import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica count in {@code desired:{target}} (field {@code replicas}), as the planner wrote it or an operator set it.
 * Every reader falls back to something of its own when there is none or it is unreadable.
 */
public final class DesiredReplicas {
    private static final Logger log = LoggerFactory.getLogger(DesiredReplicas.class);

    private DesiredReplicas() {}

    /** Empty when the field is missing, or not a whole number (warned: someone wrote it by hand). */
    public static OptionalInt read(RedisBus bus, String target) {
        return parse(target, bus.redis().hget(bus.keys().desired(target), "replicas"));
    }

    /** The field's value {@code v} (null: missing) as {@link #read} reads it. */
    public static OptionalInt parse(String target, String v) {
        if (v == null) return OptionalInt.empty();
        try {
            return OptionalInt.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            log.warn("desired:{} replicas={} is not a number; ignoring it", target, v);
            return OptionalInt.empty();
        }
    }
}
