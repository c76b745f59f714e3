package dev.autoscaler.cli;

import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records a stack's run for the pipeline scenarios (settle, faults): the monitor's windows and the plans as they are
 * published, and the desired and ready counts every {@link #SAMPLE_SEC}. Times are epoch seconds until read, then
 * seconds from {@link #begin()}. A sample that cannot be read (Redis down) is skipped, so the samples also show when
 * Redis was unreadable.
 */
final class PipelineRecorder {
    static final double SAMPLE_SEC = 1;

    private final LocalStack stack;
    private final List<LatencyMetrics> windows = new CopyOnWriteArrayList<>();
    private final List<Plan> plans = new CopyOnWriteArrayList<>();
    private final List<double[]> samples = new CopyOnWriteArrayList<>();
    private final Thread sampler;
    private volatile double t0 = Double.NaN;

    PipelineRecorder(LocalStack stack) {
        this.stack = stack;
        stack.bus().subscribe(Channels.ALERTS, LatencyMetrics.class, w -> {
            if (w.isLatencyMetrics() && LocalStack.TARGET.equals(w.target())) windows.add(w);
        });
        stack.bus().subscribe(Channels.ACTIONS, Plan.class, p -> {
            if (p.isPlan() && LocalStack.TARGET.equals(p.target())) plans.add(p);
        });
        sampler = Thread.ofVirtual().start(() -> {
            try {
                long period = (long) (SAMPLE_SEC * 1e9);
                long next = System.nanoTime();
                while (!Thread.currentThread().isInterrupted()) {
                    sample();
                    next += period; // at a fixed rate: a slow read does not shift the later samples
                    long left = next - System.nanoTime();
                    if (left > 0) Thread.sleep(left / 1_000_000, (int) (left % 1_000_000)); // a sampling period, not a wait for a condition
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void sample() {
        try {
            String d = stack.bus().redis().hget(stack.bus().keys().desired(LocalStack.TARGET), "replicas");
            int ready = stack.readyReplicas();
            samples.add(new double[] {epoch(), d == null ? -1 : Integer.parseInt(d), ready});
        } catch (RuntimeException e) {
            // a sample lost (Redis busy or down): the next one follows in a second
        }
    }

    /**
     * Waits until the planner has decided once (it sets desired on its first window: the monitor and the planner are
     * up), then marks t=0.
     */
    void begin() throws InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (stack.bus().redis().exists(stack.bus().keys().desired(LocalStack.TARGET)) == 0L) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the planner set no desired count within 90 s; see " + stack.logFile("planner"));
            }
            Thread.sleep(100);
        }
        t0 = epoch();
    }

    double now() {
        return epoch() - t0;
    }

    /** Seconds from t=0 of an epoch time (a message's {@code ts}). */
    double at(double epochSec) {
        return epochSec - t0;
    }

    void stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
        sample();
    }

    List<SettleAnalysis.Sample> samples() {
        return samples.stream().map(s -> new SettleAnalysis.Sample(s[0] - t0, (int) s[1], (int) s[2])).toList();
    }

    List<SettleAnalysis.Window> windows() {
        return windows.stream().map(w -> new SettleAnalysis.Window(w.ts() - t0, w.windowSec(), w.rps(), w.p95Ms(), w.replicas(),
                w.source())).toList();
    }

    /** Every plan published for the target, whatever its mode, as it arrived. */
    List<Plan> allPlans() {
        return List.copyOf(plans);
    }

    /** The plans that set desired: enforce mode (advise and off plans only publish). */
    List<SettleAnalysis.PlanEvent> plans() {
        return plans.stream().filter(p -> p.decision().mode() == null || "enforce".equals(p.decision().mode())).map(p -> {
            Plan.Telemetry t = p.telemetry();
            return new SettleAnalysis.PlanEvent(p.ts() - t0, p.decision().action().name(), p.decision().targetReplicas(),
                    t == null ? null : t.currentReplicas(), p.decision().reason(), t == null ? null : t.p95Ms(), t == null ? null : t.rps(),
                    t == null ? null : t.perReplicaRps(), t == null ? null : t.capacityRps());
        }).toList();
    }

    static double epoch() {
        return System.currentTimeMillis() / 1000.0;
    }
}
