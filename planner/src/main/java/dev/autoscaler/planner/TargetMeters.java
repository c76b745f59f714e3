package dev.autoscaler.planner;

import dev.autoscaler.planner.policy.PolicyDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The planner's per-target meters, for dashboards and alerts: what it decided ({@code autoscaler_planner_decisions_total
 * {target,action,source,mode}}), the last window's p95 beside the SLO it was judged against
 * ({@code autoscaler_planner_p95_seconds}, {@code autoscaler_planner_slo_p95_seconds}; NaN where no SLO is set and the
 * baseline decides), and whether this planner holds the target ({@code autoscaler_planner_leader}, 1 or 0). Only the
 * holder of a target exports its p95 and SLO, so several planners never show two values for one target; every planner
 * exports its leader gauge for every target it heard of, so "no planner holds it" is a sum of zeros, not an absence.
 */
final class TargetMeters {
    private final MeterRegistry meters;
    private final int maxTargets;
    private final Map<String, Level> levels = new ConcurrentHashMap<>();
    private final Set<String> followed = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<Meter>> decisions = new ConcurrentHashMap<>();

    /** Written by the target's lane, read by a scrape. */
    private static final class Level {
        volatile double p95Sec = Double.NaN;
        volatile double sloSec = Double.NaN;
        List<Meter> gauges = List.of();
    }

    /** @param maxTargets the planner's own bound on targets: the tag values never outnumber the targets it keeps */
    TargetMeters(MeterRegistry meters, int maxTargets) {
        this.meters = meters;
        this.maxTargets = maxTargets;
    }

    /** A window of a target this planner holds: its p95 and the SLO in force for it (null: none, baseline mode). */
    void window(String target, Double p95Ms, Double sloP95Ms) {
        Level l = levels.computeIfAbsent(target, this::register);
        l.p95Sec = p95Ms == null ? Double.NaN : p95Ms / 1000.0;
        l.sloSec = sloP95Ms == null ? Double.NaN : sloP95Ms / 1000.0;
    }

    private Level register(String target) {
        Level l = new Level();
        l.gauges = List.of(
                Gauge.builder("autoscaler_planner_p95_seconds", l, x -> x.p95Sec).tag("target", target).strongReference(true)
                        .description("p95 latency of the target's last window this planner decided on").register(meters),
                Gauge.builder("autoscaler_planner_slo_p95_seconds", l, x -> x.sloSec).tag("target", target).strongReference(true)
                        .description("the p95 SLO in force for the target; NaN when none is set").register(meters));
        return l;
    }

    void decided(String target, PolicyDecision dec, String mode) {
        Counter c = meters.counter("autoscaler_planner_decisions", "target", target, "action", dec.action().name(), "source",
                String.valueOf(dec.source()), "mode", mode);
        decisions.computeIfAbsent(target, t -> ConcurrentHashMap.newKeySet()).add(c);
        c.increment();
    }

    /**
     * The target is another planner's now: its last p95 and SLO would be a second, stale value beside the holder's, and
     * its decision counters go too (the holder's count on; a rate() reads one that is gone as ended, not as a fall), so
     * a planner's series follow the targets it holds, not every target it ever held.
     */
    void forget(String target) {
        Level l = levels.remove(target);
        if (l != null) l.gauges.forEach(meters::remove);
        Set<Meter> counted = decisions.remove(target);
        if (counted != null) counted.forEach(meters::remove);
    }

    /** Exports whether this planner holds {@code target} from now on (once per target, up to the planner's bound). */
    void follow(String target, Predicate<String> holds) {
        if (followed.contains(target) || followed.size() >= maxTargets || !followed.add(target)) return;
        Gauge.builder("autoscaler_planner_leader", holds, h -> h.test(target) ? 1 : 0).tag("target", target)
                .strongReference(true).description("1 while this planner holds the target's lease and decides for it")
                .register(meters);
    }
}
