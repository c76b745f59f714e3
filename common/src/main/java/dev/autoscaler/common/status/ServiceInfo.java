package dev.autoscaler.common.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A running service as its heartbeat hash {@code service:{name}:{instance}} describes it (DESIGN §3).
 *
 * @param name     the service (monitor, planner, executor, watcher, …)
 * @param instance hostname-pid, unique among the instances of one service
 * @param opsUrl   base URL of its {@code /health} and {@code /metrics}
 * @param version  the build's version, or {@code dev} when not run from a jar
 * @param started  when it started, epoch seconds
 * @param ageSec   seconds since it started, as of reading; not stored in the hash
 * @param lease    the single-writer role it takes part in (planner, executor), or null; from the hash's {@code lease_*}
 *                 fields, which the heartbeat copies from the service's {@code /health} details
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ServiceInfo(String name, String instance, String opsUrl, String version, double started, double ageSec,
                          Lease lease) {

    public ServiceInfo(String name, String instance, String opsUrl, String version, double started, double ageSec) {
        this(name, instance, opsUrl, version, started, ageSec, null);
    }

    /** A lease as its holder sees it: role {@code active} (it holds it) or {@code standby}, and the holder it saw. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Lease(String name, String role, String holder) {}

    /** "active", "standby (lease held by X)", or null without a lease: what {@code status} shows beside the service. */
    public String roleText() {
        if (lease == null) return null;
        if (!"standby".equals(lease.role())) return lease.role();
        return lease.holder() == null || lease.holder().isEmpty() ? "standby (lease free)" : "standby (lease held by " + lease.holder() + ")";
    }

    /** The hash a heartbeat writes: every field but the age, which only a reader knows. */
    public Map<String, String> toHash() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("name", name);
        h.put("instance", instance);
        h.put("ops_url", opsUrl);
        h.put("version", version);
        h.put("started", String.valueOf(started));
        return h;
    }

    /** Reads a heartbeat hash; empty when a field it cannot do without is missing or not a number. */
    public static Optional<ServiceInfo> fromHash(Map<String, String> h, double nowSec) {
        String name = h.get("name");
        String instance = h.get("instance");
        if (name == null || instance == null) return Optional.empty();
        double started;
        try {
            started = Double.parseDouble(h.getOrDefault("started", ""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // another host's clock may run ahead; an age below zero would only confuse
        double age = Math.max(0, nowSec - started);
        return Optional.of(new ServiceInfo(name, instance, h.get("ops_url"), h.get("version"), started, age, lease(h)));
    }

    private static Lease lease(Map<String, String> h) {
        String role = h.get("lease_role");
        if (role == null || role.isEmpty()) return null;
        return new Lease(h.getOrDefault("lease_name", ""), role, h.getOrDefault("lease_holder", ""));
    }
}
