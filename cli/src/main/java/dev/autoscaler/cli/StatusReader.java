package dev.autoscaler.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reads, per target, what {@code autoscaler status} shows: the equivalent of {@code kubectl get hpa}. */
public final class StatusReader {
    private StatusReader() {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TargetStatus(String target, String mode, Integer desired, int ready, Double p95Ms, Double rps,
                               Double windowTs, LastDecision lastDecision, Plan.Advice lastAdvice) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LastDecision(String action, Integer targetReplicas, String reason, String source, Double confidence, double ts) {}

    public static List<TargetStatus> read(RedisBus bus) {
        var redis = bus.redis();
        var keys = bus.keys();
        TreeSet<String> targets = new TreeSet<>(redis.smembers(keys.targetsSet()));
        for (String k : redis.keys(keys.prefix() + "desired:*")) targets.add(k.substring((keys.prefix() + "desired:").length()));
        for (String k : redis.keys(keys.prefix() + "registry:*")) targets.add(k.substring((keys.prefix() + "registry:").length()));
        List<TargetStatus> out = new ArrayList<>();
        for (String t : targets) {
            Map<String, String> last = redis.hgetall(keys.last(t));
            Map<String, String> overrides = redis.hgetall(keys.targetSettings(t));
            String mode = overrides.getOrDefault("mode", last.getOrDefault("mode", "enforce"));
            String d = redis.hget(keys.desired(t), "replicas");
            Integer desired = d == null ? null : Integer.valueOf(d);
            int ready = ReplicaRegistry.ready(bus, t);
            Double p95 = null;
            Double rps = null;
            Double ts = null;
            if (last.containsKey("window")) {
                LatencyMetrics m = Json.read(last.get("window"), LatencyMetrics.class);
                p95 = m.p95Ms();
                rps = m.rps();
                ts = m.ts();
            }
            LastDecision ld = null;
            if (last.containsKey("plan")) {
                Plan p = Json.read(last.get("plan"), Plan.class);
                ld = new LastDecision(p.decision().action().name(), p.decision().targetReplicas(), p.decision().reason(),
                        p.decision().source(), p.decision().confidence(), p.ts());
            }
            Plan.Advice advice = last.containsKey("advice") ? Json.read(last.get("advice"), Plan.Advice.class) : null;
            out.add(new TargetStatus(t, mode, desired, ready, p95, rps, ts, ld, advice));
        }
        return out;
    }
}
