package dev.autoscaler.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One row of results.json (names are the contract other tools read). */
public record Summary(
        @JsonProperty("trace") String trace,
        @JsonProperty("policy") String policy,
        @JsonProperty("violation_pct") double violationPct,
        @JsonProperty("replica_seconds") double replicaSeconds,
        @JsonProperty("oracle_ratio") double oracleRatio,
        @JsonProperty("actions") int actions,
        @JsonProperty("worst_p95_ms") double worstP95Ms) {}
