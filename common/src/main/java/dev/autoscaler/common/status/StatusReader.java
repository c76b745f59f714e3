package dev.autoscaler.common.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.msg.Clock;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScanArgs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads what {@code autoscaler status} and the dashboard show: per target the equivalent of {@code kubectl get hpa},
 * and the services that keep a heartbeat. Only reads; keys are found with SCAN, never KEYS, which blocks Redis.
 */
public final class StatusReader {
    private StatusReader() {}

    /** Other tools read these JSON fields: only add to them. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TargetStatus(String target, String mode, String llm, Integer desired, int ready, Double p95Ms, Double rps,
                               Double windowTs, LastDecision lastDecision, Plan.Advice lastAdvice, Map<String, String> settings,
                               ExecResult lastResult, Plan.Shadow shadow, String planner) {
        public TargetStatus(String target, String mode, String llm, Integer desired, int ready, Double p95Ms, Double rps,
                            Double windowTs, LastDecision lastDecision, Plan.Advice lastAdvice, Map<String, String> settings,
                            ExecResult lastResult) {
            this(target, mode, llm, desired, ready, p95Ms, rps, windowTs, lastDecision, lastAdvice, settings, lastResult, null, null);
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LastDecision(String action, Integer targetReplicas, String reason, String source, Double confidence, double ts) {}

    public static List<TargetStatus> read(RedisBus bus) {
        List<TargetStatus> out = new ArrayList<>();
        for (String t : targets(bus)) out.add(read(bus, t));
        return out;
    }

    private static TreeSet<String> targets(RedisBus bus) {
        return bus.knownTargets();
    }

    private static TargetStatus read(RedisBus bus, String t) {
        var redis = bus.redis();
        var keys = bus.keys();
        Map<String, String> last = redis.hgetall(keys.last(t));
        Map<String, String> settings = new TreeMap<>(redis.hgetall(keys.targetSettings(t)));
        String mode = settings.getOrDefault("mode", last.getOrDefault("mode", "enforce"));
        String d = redis.hget(keys.desired(t), "replicas");
        Integer desired = d == null ? null : Integer.valueOf(d);
        int ready = ReplicaRegistry.ready(bus, t);
        LatencyMetrics m = last.containsKey("window") ? Json.read(last.get("window"), LatencyMetrics.class) : null;
        Plan plan = last.containsKey("plan") ? Json.read(last.get("plan"), Plan.class) : null;
        LastDecision ld = plan == null ? null : lastDecision(plan);
        Plan.Shadow shadow = plan == null || plan.telemetry() == null ? null : plan.telemetry().shadow();
        Plan.Advice advice = last.containsKey("advice") ? Json.read(last.get("advice"), Plan.Advice.class) : null;
        ExecResult result = last.containsKey("result") ? Json.read(last.get("result"), ExecResult.class) : null;
        return new TargetStatus(t, mode, settings.get("llm"), desired, ready, m == null ? null : m.p95Ms(),
                m == null ? null : m.rps(), m == null ? null : m.ts(), ld, advice, settings, result, shadow, last.get("planner"));
    }

    private static LastDecision lastDecision(Plan p) {
        return new LastDecision(p.decision().action().name(), p.decision().targetReplicas(), p.decision().reason(),
                p.decision().source(), p.decision().confidence(), p.ts());
    }

    /** The services with a live heartbeat, sorted by name then instance; unreadable heartbeats are left out. */
    public static List<ServiceInfo> services(RedisBus bus) {
        double now = Clock.nowSec();
        List<ServiceInfo> out = new ArrayList<>();
        for (String k : bus.scan(bus.keys().servicePattern())) {
            // a heartbeat that expired between SCAN and HGETALL reads as empty and is skipped like a bad one
            heartbeat(bus, k).flatMap(h -> ServiceInfo.fromHash(h, now)).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(ServiceInfo::name).thenComparing(ServiceInfo::instance));
        return out;
    }

    /** Empty when the key is not a hash: something else wrote it, and one bad key must not hide every service. */
    private static Optional<Map<String, String>> heartbeat(RedisBus bus, String key) {
        try {
            return Optional.of(bus.redis().hgetall(key));
        } catch (RedisCommandExecutionException e) {
            return Optional.empty();
        }
    }
}
