package dev.autoscaler.executor.backend;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * {@code autoscaler_executor_leader{target}}: 1 while this executor acts for the target, 0 on a standby, whichever
 * lease decides it (Redis per target, or the Kubernetes Lease). Every executor exports it, so "nobody acts" is a max of
 * zeros that an alert sees, not an absence.
 */
public final class LeaderGauge {
    private LeaderGauge() {}

    public static void register(MeterRegistry meters, String target, BooleanSupplier leads) {
        Gauge.builder("autoscaler_executor_leader", leads, l -> l.getAsBoolean() ? 1 : 0).tag("target", target).strongReference(true)
                .description("1 while this executor holds the target's lease and acts for it").register(meters);
    }
}
