package dev.autoscaler.planner.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the policy remembers between windows. Immutable; {@link ScalingPolicy#decide} returns the next
 * one. The planner service stores it as JSON under {@code planner:{target}} so a restart loses nothing.
 *
 * @param healthy          recent healthy windows (the baseline and the healthy per-replica rate come from these only)
 * @param lowWindows       the last LOW_NEED_N "low latency" flags
 * @param capacityRps      learned saturation throughput of one replica, or null while unknown
 * @param recommendations  raw recommendations inside the down-stabilisation window
 * @param lastReady        ready replicas in the previous window (capacity is learned only while it is stable)
 * @param breach           the per-replica arrival rate at which the SLO breaks, or null while no breach taught one
 * @param level            Holt's smoothed rps level, or null before the first window
 * @param trend            Holt's smoothed rps change per window
 * @param rises            how far the rps rose within one start-up horizon lately (the burst headroom), and the last
 *                         windows' rps (the forecast tells a ramp, still rising, from a step, risen and now flat)
 * @param nearRps          while no breach is known: the per-replica rate at which p95 was seen well on its way from the
 *                         baseline to the threshold (raised by any healthy window above it), or null
 * @param budget           the error budget's multiplier on the burst margin and the recent share of slow windows
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PolicyState(List<HealthySample> healthy, List<Boolean> lowWindows, Double capacityRps,
                          double lastScaleUpTs, double lastScaleDownTs, List<Recommendation> recommendations,
                          long windows, int lastReady, BreachRate breach, Double level, Double trend,
                          RiseHistory rises, Double nearRps, ErrorBudget budget) {

    public record HealthySample(double ts, double p95Ms, double perReplicaRps) {}

    public record Recommendation(double ts, int replicas) {}

    public PolicyState {
        healthy = healthy == null ? List.of() : List.copyOf(healthy);
        lowWindows = lowWindows == null ? List.of() : List.copyOf(lowWindows);
        recommendations = recommendations == null ? List.of() : List.copyOf(recommendations);
        rises = rises == null ? RiseHistory.empty() : rises;
        budget = budget == null ? ErrorBudget.initial() : budget;
    }

    public static PolicyState initial() {
        return new PolicyState(List.of(), List.of(), null, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, List.of(), 0, -1, null, null, null, RiseHistory.empty(), null, ErrorBudget.initial());
    }

    static <T> List<T> appendCapped(List<T> list, T item, int cap) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        while (out.size() > cap) out.remove(0);
        return out;
    }
}
