package dev.autoscaler.peers;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Knative KPA's decider ({@code autoscaler.go Scale}), ALGORITHMS.md §2.4: stable and panic pod counts clamped by
 * the scale-up and scale-down rates, the panic state machine, the scale-down delay window and the excess burst
 * capacity. Times are seconds.
 */
public final class KpaDecider {
    public record Spec(double targetValue, double totalValue, double targetBurstCapacity, double panicThreshold,
                       double maxScaleUpRate, double maxScaleDownRate, double stableWindowSeconds, double scaleDownDelaySeconds,
                       boolean reachable, int activationScale) {}

    public record Result(int desiredPodCount, int excessBurstCapacity) {}

    private static final double TICK_SECONDS = 2;

    private Spec spec;
    private Double panicTime;
    private int maxPanicPods;
    private final DelayWindow delay;

    /** A new decider; one created with more than one ready pod starts in panic (it has lost its metric history). */
    public KpaDecider(Spec spec, int initialReadyPods, double createdAt) {
        this.spec = spec;
        if (initialReadyPods > 1) {
            panicTime = createdAt;
            maxPanicPods = initialReadyPods;
        }
        this.delay = spec.scaleDownDelaySeconds() > 0 ? new DelayWindow((int) Math.ceil(spec.scaleDownDelaySeconds() / TICK_SECONDS)) : null;
    }

    public void setPanic(Double panicTime, int maxPanicPods) {
        this.panicTime = panicTime;
        this.maxPanicPods = maxPanicPods;
    }

    /**
     * Replaces the spec from the next {@link #scale} on, like Knative's {@code autoscaler.Update}, which the KPA
     * reconciler calls when a revision's decider spec changes, e.g. its target or reachability
     * ({@code TestAutoscalerUpdateTarget}). Why only the spec: upstream swaps {@code deciderSpec} and nothing else, so
     * the panic time, max panic pods and the scale-down delay window (built once, at creation, from the first spec's
     * delay) carry over; a new {@code scaleDownDelaySeconds} has no effect until the decider is recreated, as upstream.
     */
    public void update(Spec newSpec) {
        this.spec = Objects.requireNonNull(newSpec);
    }

    public boolean panicking() {
        return panicTime != null;
    }

    public Result scale(double now, int readyPodsRaw, double stableValue, double panicValue) {
        double ready = Math.max(1, readyPodsRaw);
        double maxScaleUp = Math.ceil(spec.maxScaleUpRate() * ready);
        double maxScaleDown = spec.reachable() ? Math.floor(ready / spec.maxScaleDownRate()) : 0;
        double dspc = Math.ceil(stableValue / spec.targetValue());
        double dppc = Math.ceil(panicValue / spec.targetValue());
        int stablePods = (int) Math.min(Math.max(dspc, maxScaleDown), maxScaleUp);
        int panicPods = (int) Math.min(Math.max(dppc, maxScaleDown), maxScaleUp);
        if (spec.activationScale() > 1) {
            if (dspc > 0 && spec.activationScale() > stablePods) stablePods = spec.activationScale();
            if (dppc > 0 && spec.activationScale() > panicPods) panicPods = spec.activationScale();
        }
        boolean over = dppc / ready >= spec.panicThreshold();
        if (over) {
            panicTime = now;
        } else if (panicTime != null && panicTime + spec.stableWindowSeconds() < now) {
            panicTime = null;
            maxPanicPods = 0;
        }
        int desired = stablePods;
        if (panicTime != null) {
            if (desired < panicPods) desired = panicPods;
            if (desired > maxPanicPods) maxPanicPods = desired;
            else desired = maxPanicPods;
        }
        if (delay != null && spec.reachable()) {
            delay.record((long) Math.floor(now / TICK_SECONDS), desired);
            desired = delay.current();
        }
        double ebc;
        if (spec.targetBurstCapacity() == 0) ebc = 0;
        else if (spec.targetBurstCapacity() > 0) ebc = Math.floor(readyPodsRaw * spec.totalValue() - spec.targetBurstCapacity() - panicValue);
        else ebc = -1;
        return new Result(desired, (int) ebc);
    }

    /** Sliding maximum over the last {@code buckets} tick indexes (a monotonic deque). */
    static final class DelayWindow {
        private final int buckets;
        private final Deque<long[]> deque = new ArrayDeque<>();

        DelayWindow(int buckets) {
            this.buckets = buckets;
        }

        void record(long index, int value) {
            while (!deque.isEmpty() && deque.peekLast()[1] <= value) deque.pollLast();
            deque.addLast(new long[] {index, value});
            while (!deque.isEmpty() && index - deque.peekFirst()[0] >= buckets) deque.pollFirst();
        }

        int current() {
            return deque.isEmpty() ? 0 : (int) deque.peekFirst()[1];
        }
    }
}
