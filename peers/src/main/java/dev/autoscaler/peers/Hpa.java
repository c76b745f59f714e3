package dev.autoscaler.peers;

import dev.autoscaler.peers.HpaReplicaCalculator.Phase;
import dev.autoscaler.peers.HpaReplicaCalculator.Pod;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes HPA on CPU utilisation with a 70 % target: every 15 s (sync period) the replica calculator sees each
 * ready pod's utilisation averaged over the last 15 s (metrics-server's resolution); starting pods are Running but
 * not Ready, inside the CPU initialisation period, so they are "unready". The result is normalised by the legacy
 * path (300 s scale-down stabilisation, scale-up at most max(2×, 4)) or, with {@code behavior}, by the behavior
 * path with its defaults. The same classes pass the upstream test vectors.
 */
public final class Hpa implements PeerAutoscaler {
    private static final int SYNC = 15;
    private static final long REQUEST_MILLI = 1000;

    private final HpaReplicaCalculator calc = new HpaReplicaCalculator(0.1);
    private final int targetUtilization;
    private final boolean behavior;
    private final List<double[]> recommendations = new ArrayList<>(); // {time, replicas}
    private final List<double[]> upEvents = new ArrayList<>();
    private final List<double[]> downEvents = new ArrayList<>();

    public Hpa(int targetUtilizationPercent, boolean behavior) {
        this.targetUtilization = targetUtilizationPercent;
        this.behavior = behavior;
    }

    public String name() { return behavior ? "hpa-behavior" : "hpa"; }

    public int tickSec() { return SYNC; }

    public int decide(LoadView v) {
        int now = v.now();
        int current = v.ready() + v.starting();
        int min = v.minReplicas();
        int max = v.maxReplicas();
        if (current > max) return max;
        if (current < min) return min;
        double util = 0;
        int from = Math.max(0, now - SYNC);
        for (int s = from; s < now; s++) util += v.utilisation(s);
        util /= Math.max(1, now - from);
        List<Pod> pods = new ArrayList<>();
        long usage = Math.round(util * REQUEST_MILLI);
        for (int i = 0; i < v.ready(); i++) pods.add(new Pod("ready-" + i, Phase.Running, true, false, false, REQUEST_MILLI, usage));
        for (int i = 0; i < v.starting(); i++) pods.add(new Pod("starting-" + i, Phase.Running, false, true, false, REQUEST_MILLI, 0L));
        int proposal;
        try {
            proposal = calc.resourceUtilization(current, pods, List.of(), targetUtilization, true).replicas();
        } catch (IllegalArgumentException noMetrics) {
            return current;
        }
        return behavior ? behaviorNormalize(now, current, proposal, min, max) : legacyNormalize(now, current, proposal, min, max);
    }

    private int legacyNormalize(int now, int current, int proposal, int min, int max) {
        List<HpaNormalizer.Recommendation> recs = ages(recommendations, now);
        int stabilized = HpaNormalizer.legacyStabilize(proposal, recs, 300);
        remember(recommendations, now, proposal, 300);
        return HpaNormalizer.legacyClamp(current, stabilized, min, max);
    }

    private int behaviorNormalize(int now, int current, int proposal, int min, int max) {
        List<HpaNormalizer.Recommendation> recs = ages(recommendations, now);
        int stabilized = HpaNormalizer.behaviorStabilize(current, proposal, recs, 0, 300);
        remember(recommendations, now, proposal, 300);
        var limited = HpaNormalizer.behaviorRate(current, stabilized, min, max, HpaNormalizer.Rules.defaultScaleUp(),
                HpaNormalizer.Rules.defaultScaleDown(), events(upEvents, now), events(downEvents, now));
        int result = limited.replicas();
        if (result > current) upEvents.add(new double[] {now, result - current});
        if (result < current) downEvents.add(new double[] {now, current - result});
        upEvents.removeIf(e -> now - e[0] > 60);
        downEvents.removeIf(e -> now - e[0] > 60);
        return result;
    }

    private static List<HpaNormalizer.Recommendation> ages(List<double[]> recs, int now) {
        List<HpaNormalizer.Recommendation> out = new ArrayList<>(recs.size());
        for (double[] r : recs) out.add(new HpaNormalizer.Recommendation((int) r[1], now - r[0]));
        return out;
    }

    private static List<HpaNormalizer.Event> events(List<double[]> ev, int now) {
        List<HpaNormalizer.Event> out = new ArrayList<>(ev.size());
        for (double[] e : ev) out.add(new HpaNormalizer.Event((int) e[1], now - e[0]));
        return out;
    }

    private static void remember(List<double[]> recs, int now, int replicas, int window) {
        recs.removeIf(r -> now - r[0] > window);
        recs.add(new double[] {now, replicas});
    }
}
