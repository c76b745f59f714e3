package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.BenchPolicy;
import dev.autoscaler.bench.sim.QueueModel;
import dev.autoscaler.bench.sim.SimView;
import java.util.function.DoubleUnaryOperator;

/**
 * A reference, not an autoscaler: a reactive policy with perfect knowledge of the present. Every second it knows
 * the trace's exact rate (no counting noise, no measurement window) and its slope, but nothing of the future, and
 * holds ceil(headroom × (rate + rising slope × (start-up + 1 s)) ÷ λ*) replicas, scaling down at once. Swept over
 * the headroom (`bench frontier`), it traces the best violation/cost trade-off a fixed margin can buy on a trace;
 * where that frontier lies above a target, no reactive policy with a fixed margin meets the target there.
 */
public final class InformedPolicy implements BenchPolicy {
    private final DoubleUnaryOperator rateAt;
    private final double perReplicaMax;
    private final double horizon;
    private final double headroom;

    /** @param rateAt the trace's exact rate (rps) at a time in seconds from the start */
    public InformedPolicy(DoubleUnaryOperator rateAt, QueueModel model, double sloMs, double startupSec, double headroom) {
        if (!(headroom > 0)) throw new IllegalArgumentException("headroom must be > 0, got " + headroom);
        this.rateAt = rateAt;
        this.perReplicaMax = model.maxRpsWithin(sloMs);
        this.horizon = startupSec + 1;
        this.headroom = headroom;
    }

    public String name() {
        return String.format(java.util.Locale.ROOT, "informed-%.2f", headroom);
    }

    public int tickSec() { return 1; }

    public int decide(SimView v) {
        // the second that just ended, and the one before: a rate is the mean over its second
        double now = rateAt.applyAsDouble(v.now() - 0.5);
        double before = rateAt.applyAsDouble(v.now() - 1.5);
        double load = now + Math.max(0, now - before) * horizon;
        return (int) Math.ceil(headroom * load / perReplicaMax - 1e-9);
    }
}
