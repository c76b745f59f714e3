package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every setting of the decision policy, one settings record per stage. Each is read from the environment variable
 * named in its stage's {@code Settings.from}; the PoC's names keep their meaning. The bench sets any of them by name
 * ({@code bench run --set NAME=VALUE}).
 *
 * @param windowSec         the monitor's window (SAMPLE_INTERVAL, 3 s: the PoC's)
 * @param replicaStartupSec how long a new replica takes to serve (REPLICA_STARTUP_SEC, 5 s: a local app process);
 *                          with the window it sets the horizon every forecast looks ahead
 */
public record PolicyConfig(double windowSec, double replicaStartupSec, Thresholds.Settings thresholds, RateLearning.Settings rates,
                           LoadEstimation.Settings load, Sizing.Settings sizing, Guardrails.Settings guardrails,
                           ErrorBudget.Settings budget, AdviceRules.Settings advice, CapacityProbe.Settings probe) {

    public static PolicyConfig defaults() {
        return from(new Env(Map.of()));
    }

    public static PolicyConfig from(Env env) {
        return new PolicyConfig(
                env.number("SAMPLE_INTERVAL", 3, 0.5, 3600),
                env.number("REPLICA_STARTUP_SEC", 5, 0, 3600),
                Thresholds.Settings.from(env),
                RateLearning.Settings.from(env),
                LoadEstimation.Settings.from(env),
                Sizing.Settings.from(env),
                Guardrails.Settings.from(env),
                ErrorBudget.Settings.from(env),
                AdviceRules.Settings.from(env),
                CapacityProbe.Settings.from(env));
    }

    /** The names of every setting {@link #from} reads, so a tool can reject a misspelt one. */
    public static Set<String> settingNames() {
        Set<String> names = new TreeSet<>();
        from(Env.recording(Map.of(), names));
        return names;
    }

    public PolicyConfig withSlo(Double slo) {
        return new PolicyConfig(windowSec, replicaStartupSec, thresholds.withSlo(slo), rates, load, sizing, guardrails, budget, advice, probe);
    }

    public PolicyConfig withBounds(int min, int max) {
        return new PolicyConfig(windowSec, replicaStartupSec, thresholds, rates, load, sizing, guardrails.withBounds(min, max), budget, advice, probe);
    }

    public Double sloP95Ms() {
        return thresholds.sloP95Ms();
    }

    public int minReplicas() {
        return guardrails.minReplicas();
    }

    public int maxReplicas() {
        return guardrails.maxReplicas();
    }

    /** Seconds until a replica asked for now serves: its start-up plus the window it is asked in. */
    public double horizonSec() {
        return replicaStartupSec + windowSec;
    }

    /** The horizon in whole windows. */
    public int horizonWindows() {
        return (int) Math.ceil(horizonSec() / windowSec - 1e-9);
    }
}
