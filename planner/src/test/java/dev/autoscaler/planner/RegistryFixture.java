package dev.autoscaler.planner;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes {@code registry:{target}} as an executor would, for planner tests without one: the planner plans only from
 * a known count, and an empty registry is not one.
 */
final class RegistryFixture {
    private RegistryFixture() {}

    /** Exactly {@code ready} ready replicas (at least one entry is kept, as a starting replica, when ready is 0). */
    static void register(RedisBus bus, String target, int ready) {
        String key = bus.keys().registry(target);
        bus.redis().del(key);
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 1; i <= Math.max(1, ready); i++) {
            var state = i <= ready ? ReplicaSet.State.ready : ReplicaSet.State.starting;
            entries.put(target + "-dup-" + i, Json.write(new ReplicaSet.Replica(target + "-dup-" + i, "127.0.0.1:" + (9000 + i), state)));
        }
        bus.redis().hset(key, entries);
    }
}
