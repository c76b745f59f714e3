package dev.autoscaler.common.msg;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a message must be, beyond parsing, before a handler sees it: the right kind for its channel, finite numbers,
 * counts that are not negative, known states. The records' constructors already refuse a bad target name and a
 * missing required field; these rules live here rather than there so that a producer building a message is never
 * stopped by a rule meant for input.
 */
public final class MessageRules {
    /** The executor's outcomes (DESIGN §3). */
    static final Set<String> RESULT_STATUSES = Set.of("ok", "noop", "skipped", "error");

    private MessageRules() {}

    /** Why the message must be dropped, or empty when it may be handled. Types without rules always pass. */
    public static Optional<String> problem(Object message) {
        try {
            switch (message) {
                case LatencyMetrics m -> latency(m);
                case Plan p -> plan(p);
                case ExecResult r -> result(r);
                case ReplicaSet s -> replicaSet(s);
                case Upstreams u -> upstreams(u);
                case null -> throw new IllegalArgumentException("empty message");
                default -> { }
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static void latency(LatencyMetrics m) {
        if (!m.isLatencyMetrics()) throw new IllegalArgumentException("kind must be " + LatencyMetrics.KIND + ", got " + cut(m.kind()));
        if (m.inFlight() != null) Checks.nonNegative("in_flight", m.inFlight());
    }

    private static void plan(Plan p) {
        if (!p.isPlan()) throw new IllegalArgumentException("kind must be " + Plan.KIND + ", got " + cut(p.kind()));
        Checks.finiteNonNegative("ts", p.ts());
        if (!p.target().equals(p.decision().target())) throw new IllegalArgumentException("target and decision.target differ");
        if (p.telemetry() != null) telemetry(p.telemetry());
        if (p.advice() != null) advice(p.advice());
    }

    private static void telemetry(Plan.Telemetry t) {
        finite("telemetry", Arrays.asList(t.p95Ms(), t.baselineMs(), t.sigmaMs(), t.rps(), t.capacityRps(), t.thresholdMs(),
                t.forecastRps(), t.loadRps(), t.perReplicaRps()));
        for (Integer n : new Integer[] {t.replicas(), t.recommendedReplicas(), t.currentReplicas()}) {
            if (n != null) Checks.nonNegative("telemetry replicas", n);
        }
    }

    private static void advice(Plan.Advice a) {
        if (a.targetReplicas() != null) Checks.nonNegative("advice.target_replicas", a.targetReplicas());
        if (a.confidence() != null) Checks.fraction("advice.confidence", a.confidence());
        finite("advice", Arrays.asList(a.askedTs(), a.latencyMs(), a.agreementRate()));
    }

    private static void result(ExecResult r) {
        Checks.finiteNonNegative("ts", r.ts());
        Checks.nonNegative("replicas_before", r.replicasBefore());
        Checks.nonNegative("replicas_after", r.replicasAfter());
        if (!RESULT_STATUSES.contains(r.result().status())) {
            throw new IllegalArgumentException("result.status must be one of ok, noop, skipped, error, got " + cut(r.result().status()));
        }
    }

    private static void replicaSet(ReplicaSet s) {
        Checks.finiteNonNegative("ts", s.ts());
    }

    private static void upstreams(Upstreams u) {
        Checks.finiteNonNegative("ts", u.ts());
        for (String server : u.servers()) {
            if (server.isBlank()) throw new IllegalArgumentException("servers holds a blank address");
        }
    }

    private static void finite(String where, List<Double> values) {
        for (Double v : values) {
            if (v != null && !Double.isFinite(v)) throw new IllegalArgumentException(where + " holds a number that is not finite: " + v);
        }
    }

    private static String cut(String s) {
        if (s == null) return "none";
        return s.length() <= 40 ? "'" + s + "'" : "'" + s.substring(0, 39) + "…'";
    }
}
