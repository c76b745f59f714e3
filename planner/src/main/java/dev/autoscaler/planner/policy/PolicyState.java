package dev.autoscaler.planner.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the policy remembers between windows, one slice per stage. Immutable; {@link ScalingPolicy#decide}
 * returns the next one. The planner service stores it as JSON under {@code planner:{target}} so a restart loses
 * nothing.
 *
 * @param healthy    recent healthy windows ({@link Thresholds}: the baseline; {@link RateLearning}: the highest healthy
 *                   per-replica rate)
 * @param lowWindows windows in a row with latency low enough to scale down, at most LOW_NEED_N ({@link Sizing})
 * @param rates      the learned per-replica rates ({@link RateLearning})
 * @param guard      the last scale times and recent needs ({@link Guardrails})
 * @param rises      the rise memory: burst histograms, recent rates, seasonal profile ({@link RiseHistory})
 * @param budget     the error budget ({@link ErrorBudget})
 * @param windows    windows decided so far
 * @param probe      the capacity probe ({@link CapacityProbe})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PolicyState(List<HealthySample> healthy, int lowWindows, RateLearning.Rates rates, Guardrails.Memory guard,
                          RiseHistory rises, ErrorBudget budget, long windows, CapacityProbe.Probe probe) {

    public record HealthySample(double ts, double p95Ms, double perReplicaRps) {}

    public record Recommendation(double ts, int replicas) {}

    public PolicyState {
        healthy = healthy == null ? List.of() : List.copyOf(healthy);
        rates = rates == null ? RateLearning.Rates.initial() : rates;
        guard = guard == null ? Guardrails.Memory.initial() : guard;
        rises = rises == null ? RiseHistory.empty() : rises;
        budget = budget == null ? ErrorBudget.initial() : budget;
        probe = probe == null ? CapacityProbe.Probe.initial() : probe;
    }

    public PolicyState(List<HealthySample> healthy, int lowWindows, RateLearning.Rates rates, Guardrails.Memory guard,
                       RiseHistory rises, ErrorBudget budget, long windows) {
        this(healthy, lowWindows, rates, guard, rises, budget, windows, null);
    }

    public static PolicyState initial() {
        return new PolicyState(List.of(), 0, null, null, null, null, 0, null);
    }

    /** The same state with another rise memory (the planner saves that part apart, less often). */
    public PolicyState withRises(RiseHistory r) {
        return new PolicyState(healthy, lowWindows, rates, guard, r, budget, windows, probe);
    }

    /** The breach rate, or null while none is known. */
    public BreachRate breach() {
        return rates.breach();
    }

    static <T> List<T> appendCapped(List<T> list, T item, int cap) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        while (out.size() > cap) out.remove(0);
        return out;
    }
}
