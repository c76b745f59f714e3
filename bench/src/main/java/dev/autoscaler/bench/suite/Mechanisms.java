package dev.autoscaler.bench.suite;

import java.util.List;
import java.util.Map;

/**
 * The planner's mechanisms the ablation switches off one at a time: a name (stable: it heads the ablation's
 * columns), one line on what it does, and the planner settings (environment-variable names) that switch it off.
 * Adding a mechanism is adding one line to {@link #ALL}.
 */
public final class Mechanisms {
    private Mechanisms() {}

    public record Mechanism(String name, String description, Map<String, String> off) {}

    public static final List<Mechanism> ALL = List.of(
            // load estimators
            new Mechanism("trend_forecast", "the ramp detector's forecast of rps one horizon ahead, sized for as the demand", Map.of("FORECAST", "false")),
            new Mechanism("ramp_forecast", "the rise of a least-squares ramp over the last windows, with its own residual histograms", Map.of("RAMP_FORECAST", "false")),
            new Mechanism("burst_quantile", "burst headroom: the rise within one start-up that 97 % of recent horizons stayed within", Map.of("RISE_QUANTILE", "0")),
            new Mechanism("level_classes", "rises kept per level class (the rate relative to its long-run mean)", Map.of("LEVEL_CLASSES", "false")),
            new Mechanism("seasonal", "rises expected again at the timer-job periods, an hour and a day", Map.of("SEASONAL_PERIODS", "off")),
            new Mechanism("seasonal_unrealised", "only the part of a recurring rise still to come counts", Map.of("SEASONAL_UNREALISED_ONLY", "false")),
            new Mechanism("recurring_peak", "the load is at least the rate a recurring rise reached in the previous cycles", Map.of("RECURRING_PEAK", "false")),
            new Mechanism("firm_peak", "a climb into a recurring peak every cycle stopped at is not extrapolated past it", Map.of("FIRM_PEAK", "false")),
            new Mechanism("error_budget", "margins widened or thinned towards 0.4 % of windows over the SLO", Map.of("SLO_BUDGET_PCT", "0")),
            new Mechanism("rise_events", "one rise is one observation: the burst quantile leaves out the largest rise's samples", Map.of("RISE_EVENTS", "false")),
            new Mechanism("rise_skip_overloaded", "no rise is recorded from windows that were overloaded", Map.of("RISE_SKIP_OVERLOADED", "false")),
            // rate learning
            new Mechanism("breach_forgiveness", "an isolated breach's lowering of the breach rate is forgiven over an hour", Map.of("BREACH_FORGET_SEC", "1e9")),
            new Mechanism("proven_rate", "plan at least the rate a settled fleet served with p95 low", Map.of("PROVEN_RATE", "false")),
            new Mechanism("capacity_probe", "after 30 s low on a steady load, try one replica fewer; undone at once if p95 rises", Map.of("PROBE_SEC", "0")),
            // sizing and guardrails
            new Mechanism("down_room", "a scale-down keeps 5 % of its capacity free", Map.of("DOWN_ROOM", "0")),
            new Mechanism("explore", "with no rate learned, try fewer replicas after 20 minutes unchanged", Map.of("EXPLORE_SEC", "0")),
            new Mechanism("step_down_percent", "a scale-down may remove half the fleet when that is more than MAX_STEP_DOWN", Map.of("MAX_STEP_DOWN_PERCENT", "0")));

    /** The named mechanisms, in the order given; an unknown name is an IllegalArgumentException naming the known ones. */
    public static List<Mechanism> select(List<String> names) {
        if (names == null || names.isEmpty()) return ALL;
        List<Mechanism> out = new java.util.ArrayList<>();
        for (String n : names) {
            Mechanism m = ALL.stream().filter(x -> x.name().equals(n.trim())).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "unknown mechanism '" + n.trim() + "' (known: " + String.join(", ", ALL.stream().map(Mechanism::name).toList()) + ")"));
            if (!out.contains(m)) out.add(m);
        }
        return out;
    }
}
