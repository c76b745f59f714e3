package dev.autoscaler.peers;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes HPA's replica calculator (replica_calculator.go, metrics/utilization.go), restated from
 * ../shared/peers/ALGORITHMS.md §1.2: four-way pod grouping, integer utilisation arithmetic, tolerance, and the
 * rebalancing of missing and unready pods.
 */
public final class HpaReplicaCalculator {
    public enum Phase { Running, Pending, Failed, Succeeded, Unknown }

    /** One pod as the calculator sees it; {@code metricMilli} null means no sample. */
    public record Pod(String name, Phase phase, boolean ready, boolean startedWithinCpuInitPeriod, boolean deleting,
                      long requestMilli, Long metricMilli) {}

    /** What the calculator answers: replicas plus the reported metric (utilisation and raw average, or usage). */
    public record Result(int replicas, Integer utilization, Long rawAverageMilli, Long usageMilli) {}

    private final double tolerance;

    public HpaReplicaCalculator(double tolerance) {
        this.tolerance = tolerance;
    }

    private record Groups(Set<String> ready, Set<String> unready, Set<String> missing, Set<String> ignored) {}

    private static Groups group(List<Pod> pods, Map<String, Long> metrics, boolean cpu) {
        Set<String> ready = new LinkedHashSet<>();
        Set<String> unready = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        Set<String> ignored = new LinkedHashSet<>();
        for (Pod p : pods) {
            if (p.deleting() || p.phase() == Phase.Failed) {
                ignored.add(p.name());
            } else if (p.phase() == Phase.Pending) {
                unready.add(p.name());
            } else if (!metrics.containsKey(p.name())) {
                missing.add(p.name());
            } else if (cpu && (p.startedWithinCpuInitPeriod() || !p.ready())) {
                unready.add(p.name());
            } else {
                ready.add(p.name());
            }
        }
        return new Groups(ready, unready, missing, ignored);
    }

    /** Groups the pods and drops the samples of ignored and unready pods from {@code metrics}, as both paths start. */
    private static Groups readyOnly(List<Pod> pods, Map<String, Long> metrics, boolean cpu) {
        Groups g = group(pods, metrics, cpu);
        g.ignored().forEach(metrics::remove);
        g.unready().forEach(metrics::remove);
        if (metrics.isEmpty()) throw new IllegalArgumentException("no metrics for ready pods");
        return g;
    }

    private static Map<String, Long> metrics(List<Pod> pods, List<Long> extraUnknown) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Pod p : pods) if (p.metricMilli() != null) m.put(p.name(), p.metricMilli());
        for (int i = 0; i < extraUnknown.size(); i++) m.put("unknown-pod-" + i, extraUnknown.get(i));
        return m;
    }

    private record Utilization(double ratio, int utilization, long rawAverage) {}

    private static Utilization utilizationRatio(Map<String, Long> metrics, Map<String, Long> requests, int target) {
        long metricsTotal = 0;
        long requestsTotal = 0;
        int entities = 0;
        for (var e : metrics.entrySet()) {
            Long request = requests.get(e.getKey());
            if (request == null) continue; // a sample of a pod we do not know
            metricsTotal += e.getValue();
            requestsTotal += request;
            entities++;
        }
        if (requestsTotal == 0) throw new IllegalArgumentException("no metrics returned matched known pods (requests total 0)");
        int util = (int) (metricsTotal * 100 / requestsTotal);
        return new Utilization((double) util / target, util, metricsTotal / entities);
    }

    /** Resource metric with an averageUtilization target (percent). */
    public Result resourceUtilization(int currentReplicas, List<Pod> pods, List<Long> extraUnknown, int targetUtilization, boolean cpu) {
        Map<String, Long> metrics = metrics(pods, extraUnknown);
        Groups g = readyOnly(pods, metrics, cpu);
        Map<String, Long> requests = new LinkedHashMap<>();
        for (Pod p : pods) requests.put(p.name(), p.requestMilli());
        Utilization u = utilizationRatio(metrics, requests, targetUtilization);
        boolean scaleUpWithUnready = !g.unready().isEmpty() && u.ratio() > 1.0;
        if (!scaleUpWithUnready && g.missing().isEmpty()) {
            if (Math.abs(1.0 - u.ratio()) <= tolerance) return new Result(currentReplicas, u.utilization(), u.rawAverage(), null);
            return new Result((int) Math.ceil(u.ratio() * g.ready().size()), u.utilization(), u.rawAverage(), null);
        }
        if (!g.missing().isEmpty()) {
            if (u.ratio() < 1.0) {
                long fallback = Math.max(100, targetUtilization);
                for (String p : g.missing()) metrics.put(p, requests.get(p) * fallback / 100);
            } else if (u.ratio() > 1.0) {
                for (String p : g.missing()) metrics.put(p, 0L);
            }
        }
        if (scaleUpWithUnready) for (String p : g.unready()) metrics.put(p, 0L);
        double newRatio = utilizationRatio(metrics, requests, targetUtilization).ratio();
        int replicas = rebalanced(currentReplicas, u.ratio(), newRatio, metrics.size());
        return new Result(replicas, u.utilization(), u.rawAverage(), null);
    }

    /** Pods metric (AverageValue per pod) or a raw resource value target: the plain-metric path. */
    public Result plainMetric(int currentReplicas, List<Pod> pods, List<Long> extraUnknown, long targetMilli, boolean cpu) {
        Map<String, Long> metrics = metrics(pods, extraUnknown);
        Groups g = readyOnly(pods, metrics, cpu);
        long usage = usage(metrics);
        double ratio = (double) usage / targetMilli;
        boolean scaleUpWithUnready = !g.unready().isEmpty() && ratio > 1.0;
        if (!scaleUpWithUnready && g.missing().isEmpty()) {
            if (Math.abs(1.0 - ratio) <= tolerance) return new Result(currentReplicas, null, null, usage);
            return new Result((int) Math.ceil(ratio * g.ready().size()), null, null, usage);
        }
        if (!g.missing().isEmpty()) {
            if (ratio < 1.0) {
                for (String p : g.missing()) metrics.put(p, targetMilli);
            } else if (ratio > 1.0) {
                for (String p : g.missing()) metrics.put(p, 0L);
            }
        }
        if (scaleUpWithUnready) for (String p : g.unready()) metrics.put(p, 0L);
        double newRatio = (double) usage(metrics) / targetMilli;
        return new Result(rebalanced(currentReplicas, ratio, newRatio, metrics.size()), null, null, usage);
    }

    private static long usage(Map<String, Long> metrics) {
        long total = 0;
        for (long v : metrics.values()) total += v;
        return total / metrics.size();
    }

    private int rebalanced(int current, double ratio, double newRatio, int samples) {
        if (Math.abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) return current;
        int replicas = (int) Math.ceil(newRatio * samples);
        if ((newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current)) return current;
        return replicas;
    }

    /** Object or External metric with a Value target: scaled by the Running and Ready pods. */
    public Result value(int currentReplicas, List<Pod> pods, long valueMilli, long targetMilli) {
        double ratio = (double) valueMilli / targetMilli;
        if (currentReplicas == 0) return new Result((int) Math.ceil(ratio), null, null, valueMilli);
        if (Math.abs(1.0 - ratio) <= tolerance) return new Result(currentReplicas, null, null, valueMilli);
        long readyRunning = pods.stream().filter(p -> p.phase() == Phase.Running && p.ready() && !p.deleting()).count();
        return new Result((int) Math.ceil(ratio * readyRunning), null, null, valueMilli);
    }

    /** Object or External metric with an AverageValue target. */
    public Result averageValue(int currentReplicas, long valueMilli, long targetPerPodMilli) {
        int replicas = currentReplicas;
        double ratio = (double) valueMilli / ((double) targetPerPodMilli * currentReplicas);
        if (Math.abs(1.0 - ratio) > tolerance) replicas = (int) Math.ceil((double) valueMilli / targetPerPodMilli);
        long usage = (long) Math.ceil((double) valueMilli / currentReplicas);
        return new Result(replicas, null, null, usage);
    }
}
