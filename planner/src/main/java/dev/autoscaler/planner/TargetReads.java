package dev.autoscaler.planner;

import dev.autoscaler.common.bus.RedisBus;
import io.lettuce.core.ScriptOutputType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a decision reads about its target, in one round trip (one script instead of three commands: at a thousand
 * targets the planner's time went to round trips, not to deciding): the operators' settings {@code target:{t}}, the
 * count in {@code desired:{t}} and the executor's registry {@code registry:{t}}.
 */
final class TargetReads {
    private static final String READ = """
            return {redis.call('HGETALL', KEYS[1]), redis.call('HGET', KEYS[2], 'replicas'), redis.call('HGETALL', KEYS[3])}""";

    /** @param desired the raw {@code replicas} field of {@code desired:{t}}, null when absent */
    record Snapshot(Map<String, String> settings, String desired, Map<String, String> registry) {}

    private final RedisBus bus;

    TargetReads(RedisBus bus) {
        this.bus = bus;
    }

    Snapshot read(String target) {
        var k = bus.keys();
        // EVAL_RO: the planner may only read the registry, and a script sent with EVAL counts as writing its keys
        List<Object> r = bus.redis().evalReadOnly(READ, ScriptOutputType.MULTI,
                new String[] {k.targetSettings(target), k.desired(target), k.registry(target)});
        return new Snapshot(hash(r.get(0)), r.get(1) == null ? null : r.get(1).toString(), hash(r.get(2)));
    }

    /** HGETALL's flat list of names and values, as a map. */
    private static Map<String, String> hash(Object flat) {
        Map<String, String> out = new LinkedHashMap<>();
        if (flat instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) out.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
        }
        return out;
    }
}
