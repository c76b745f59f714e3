package dev.autoscaler.loadgen;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The summary printed by {@code loadgen --json}; other tools read these names. {@code errors}: the failures by kind (the
 * exception, or the HTTP status), for the first five kinds seen.
 */
public record LoadReport(
        @JsonProperty("sent") long sent,
        @JsonProperty("ok") long ok,
        @JsonProperty("failed") long failed,
        @JsonProperty("p50_ms") double p50Ms,
        @JsonProperty("p95_ms") double p95Ms,
        @JsonProperty("p99_ms") double p99Ms,
        @JsonProperty("max_ms") double maxMs,
        @JsonProperty("mean_ms") double meanMs,
        @JsonProperty("duration_sec") double durationSec,
        @JsonProperty("achieved_rps") double achievedRps,
        @JsonProperty("dropped") long dropped,
        @JsonProperty("errors") java.util.Map<String, Long> errors) {}
