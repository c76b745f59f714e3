package dev.autoscaler.bench.jmh;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;
import dev.autoscaler.planner.shadow.ShadowFleet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One planner decision with a warm state (a full baseline history, a learned capacity and a down-stabilisation
 * window of recommendations), as the service makes it for every window, with and without the HPA and KPA shadows
 * the planner runs beside it (PLANNER_SHADOWS). Sampled, so the report has percentiles.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecisionBenchmark {
    @Param({"false", "true"})
    public boolean shadows;

    private ScalingPolicy policy;
    private ShadowFleet fleet;
    private PolicyState state;
    private double now;
    private int i;

    @Setup
    public void setUp() {
        policy = new ScalingPolicy(PolicyConfig.from(new Env(Map.of("SLO_P95_MS", "100", "MAX_REPLICAS", "40"))));
        state = PolicyState.initial();
        fleet = shadows ? new ShadowFleet(0.7) : null;
        now = 1000;
        for (int k = 0; k < 200; k++) step();
    }

    private PolicyDecision step() {
        now += 3;
        i++;
        double rps = 1000 + 300 * Math.sin(i / 20.0);
        double p95 = i % 50 == 0 ? 180 : 40 + (i % 7);
        var r = policy.decide(state, new Window(now, p95, rps, Math.min(rps, 1100), 1.0, (int) (rps * 3), 8, 8), now);
        state = r.state();
        if (fleet != null) {
            Double capacity = r.decision().numbers().capacityRps();
            fleet.observe(now, rps, 8, capacity != null ? capacity : 150.0, 1, 40);
            fleet.snapshot();
        }
        return r.decision();
    }

    @Benchmark
    public PolicyDecision decide() {
        return step();
    }
}
