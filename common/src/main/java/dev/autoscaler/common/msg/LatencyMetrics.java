package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One measurement window, published by the monitor on {@code alerts}. Field names are the PoC's
 * (snake_case); {@code rps} is the arrival rate (demand), {@code served_rps} the completion rate, which
 * under saturation is what the replicas can really serve and is how the planner learns capacity.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LatencyMetrics(
        String kind,
        String target,
        String endpoint,
        double windowSec,
        int requests,
        Double successRate,
        double avgMs,
        double p50Ms,
        Double p95Ms,
        double p99Ms,
        double maxMs,
        double rps,
        Double servedRps,
        Integer inFlight,
        int replicas,
        String source,
        double ts) implements Targeted {

    public static final String KIND = "latency_metrics";

    public LatencyMetrics {
        kind = kind == null ? KIND : kind;
        target = Checks.target(target);
        Checks.finiteNonNegative("window_sec", windowSec);
        Checks.nonNegative("requests", requests);
        successRate = successRate == null ? 1.0 : successRate; // not measured: no known errors
        Checks.fraction("success_rate", successRate);
        Checks.finiteNonNegative("avg_ms", avgMs);
        Checks.finiteNonNegative("p50_ms", p50Ms);
        if (p95Ms == null) throw new IllegalArgumentException("p95_ms is required");
        Checks.finiteNonNegative("p95_ms", p95Ms);
        Checks.finiteNonNegative("p99_ms", p99Ms);
        Checks.finiteNonNegative("max_ms", maxMs);
        Checks.finiteNonNegative("rps", rps);
        if (servedRps != null) Checks.finiteNonNegative("served_rps", servedRps);
        Checks.nonNegative("replicas", replicas);
        Checks.finiteNonNegative("ts", ts);
    }

    public boolean isLatencyMetrics() { return KIND.equals(kind); }

    /** The served rate if the monitor measured it, else the arrival rate. */
    public double servedOrArrivalRps() { return servedRps != null ? servedRps : rps; }
}
