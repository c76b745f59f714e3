package dev.autoscaler.cli;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.loadgen.RateShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code bench pipeline --scenario settle}: does a steady load settle at what it needs?
 * <ol>
 *   <li>r_slo: with the planner off and one replica, a slow ramp; r_slo is the per-replica arrival rate at which the
 *       monitor's p95 first crosses the SLO (two windows in a row over it, interpolated from the window before).</li>
 *   <li>A one-off step from the base rate to 4× that then stays steady; every sample period it records the desired and
 *       ready replicas, the per-replica rate the planner plans with, and the need ceil(rps ÷ r_slo).</li>
 * </ol>
 */
final class SettleScenario {
    private final LocalStack stack;
    private final double slo;
    private final List<LatencyMetrics> windows = new CopyOnWriteArrayList<>();
    private volatile Plan lastPlan;

    SettleScenario(LocalStack stack, double slo) {
        this.stack = stack;
        this.slo = slo;
        stack.bus().subscribe(Channels.ALERTS, LatencyMetrics.class, windows::add);
        stack.bus().subscribe(Channels.ACTIONS, Plan.class, p -> lastPlan = p);
    }

    /** The per-replica rate at which one replica's p95 reaches the SLO, from a slow ramp with the planner off. */
    double measureRslo(String lb, double from, double to, double overSec) throws Exception {
        Keys keys = stack.bus().keys();
        stack.bus().redis().hset(keys.targetSettings(LocalStack.TARGET), Map.of("mode", "off"));
        stack.bus().redis().hset(keys.desired(LocalStack.TARGET), Map.of("replicas", "1"));
        stack.awaitReady(1, 60);
        say("r_slo: planner off, one replica, warm-up at %.0f rps for 20 s, then a ramp %.0f -> %.0f rps over %.0f s", from, from, to, overSec);
        PipelineBenchCommand.load(lb, new RateShape.Constant(from), 20, null);
        windows.clear();
        PipelineBenchCommand.load(lb, new RateShape.Ramp(from, to, overSec), overSec, null);
        List<LatencyMetrics> ramp = windows.stream().filter(w -> "access_log".equals(w.source()) && w.replicas() == 1).toList();
        double rslo = crossing(ramp, slo);
        say("  r_slo = %.1f rps per replica (p95 crosses %.0f ms; %d windows)", rslo, slo, ramp.size());
        stack.bus().redis().hdel(keys.targetSettings(LocalStack.TARGET), "mode");
        // the planner decided (without acting) through the ramp: it starts the settle run knowing nothing, as in the demo
        stack.stopService("planner");
        stack.bus().redis().del(keys.plannerState(LocalStack.TARGET));
        stack.startService("planner");
        return rslo;
    }

    /**
     * The rate at which p95 first crossed the SLO for two windows in a row, interpolated linearly in p95 from the window
     * before; NaN if it never did.
     */
    static double crossing(List<LatencyMetrics> ramp, double slo) {
        for (int i = 1; i + 1 < ramp.size(); i++) {
            LatencyMetrics prev = ramp.get(i - 1);
            LatencyMetrics w = ramp.get(i);
            if (w.p95Ms() > slo && ramp.get(i + 1).p95Ms() > slo && prev.p95Ms() <= slo) {
                double f = (slo - prev.p95Ms()) / (w.p95Ms() - prev.p95Ms());
                return prev.rps() + f * (w.rps() - prev.rps());
            }
        }
        return Double.NaN;
    }

    /** One sample of the settle run. */
    record Sample(double tSec, double rps, int desired, int ready, Double perReplicaRps, Double capacityRps, Double loadRps, int need,
                  String reason) {}

    /** A steady base, then a one-off step to {@code 4 × base} held for {@code steadySec}, sampled every {@code everySec}. */
    Map<String, Object> settle(String lb, double base, double rslo, double steadySec, double everySec) throws Exception {
        say("settle: %.0f rps for 60 s, then %.0f rps for %.0f s (need = ceil(rps / %.1f))", base, 4 * base, steadySec, rslo);
        PipelineBenchCommand.load(lb, new RateShape.Constant(base), 60, null);
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        Thread sampler = Thread.ofVirtual().start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep((long) (everySec * 1000)); // a sampling period, not a wait for a condition
                    samples.add(sample((System.nanoTime() - t0) / 1e9, rslo));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            PipelineBenchCommand.load(lb, new RateShape.Constant(4 * base), steadySec, null);
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        for (Sample s : samples) {
            say("  t=%4.0f s  rps %6.1f  desired %2d  ready %2d  need %2d  plans %s rps/replica  load %s  | %s", s.tSec(), s.rps(), s.desired(),
                    s.ready(), s.need(), fmt(s.perReplicaRps()), fmt(s.loadRps()), s.reason());
        }
        return summary(samples, rslo, steadySec);
    }

    private Sample sample(double t, double rslo) {
        LatencyMetrics w = windows.isEmpty() ? null : windows.get(windows.size() - 1);
        Plan p = lastPlan;
        double rps = w == null ? 0 : w.rps();
        String d = stack.bus().redis().hget(stack.bus().keys().desired(LocalStack.TARGET), "replicas");
        int desired = d == null ? -1 : Integer.parseInt(d);
        Double perReplica = p == null || p.telemetry() == null ? null : p.telemetry().perReplicaRps();
        Double capacity = p == null || p.telemetry() == null ? null : p.telemetry().capacityRps();
        Double load = p == null || p.telemetry() == null ? null : p.telemetry().loadRps();
        String reason = p == null ? "" : p.decision().reason();
        return new Sample(t, rps, desired, stack.readyReplicas(), perReplica, capacity, load, (int) Math.ceil(rps / rslo - 1e-9), reason);
    }

    /** The targets: the learned rate within 20 % of r_slo; after 5 minutes the count is at most need + 1 and stays. */
    static Map<String, Object> summary(List<Sample> samples, double rslo, double steadySec) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("r_slo_rps", PipelineBenchCommand.round(rslo));
        Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        Double learned = last == null ? null : last.perReplicaRps();
        out.put("learned_rps_per_replica", learned);
        out.put("learned_vs_r_slo_pct", learned == null ? null : PipelineBenchCommand.round(100 * (learned - rslo) / rslo));
        // the rate planned is TARGET_UTILIZATION x the capacity until a breach is seen: the capacity is what was measured
        Double capacity = last == null ? null : last.capacityRps();
        out.put("learned_capacity_rps", capacity);
        out.put("capacity_vs_r_slo_pct", capacity == null ? null : PipelineBenchCommand.round(100 * (capacity - rslo) / rslo));
        double from = Math.min(300, steadySec / 2);
        List<Sample> late = samples.stream().filter(s -> s.tSec() >= from).toList();
        out.put("after_sec", from);
        out.put("max_over_need_after", late.stream().mapToInt(s -> s.desired() - s.need()).max().orElse(0));
        out.put("count_changes_after", (int) java.util.stream.IntStream.range(1, late.size())
                .filter(i -> late.get(i).desired() != late.get(i - 1).desired()).count());
        double lastChange = 0;
        for (int i = 1; i < samples.size(); i++) if (samples.get(i).desired() != samples.get(i - 1).desired()) lastChange = samples.get(i).tSec();
        out.put("last_count_change_sec", PipelineBenchCommand.round(lastChange));
        out.put("final_desired", last == null ? null : last.desired());
        out.put("final_need", last == null ? null : last.need());
        out.put("samples", samples.stream().map(s -> List.of(PipelineBenchCommand.round(s.tSec()), PipelineBenchCommand.round(s.rps()),
                s.desired(), s.ready(), s.need(), s.perReplicaRps() == null ? -1 : PipelineBenchCommand.round(s.perReplicaRps()))).toList());
        return out;
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f", d);
    }

    private static void say(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }
}
