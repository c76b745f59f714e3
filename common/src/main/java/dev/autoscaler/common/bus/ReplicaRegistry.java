package dev.autoscaler.common.bus;

import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Read-only view of the executor's registry hash {@code registry:{target}} for the services that only need the
 * replicas' public fields (monitor, watcher, status). Unreadable entries are skipped: the executor, which owns the
 * registry, logs them.
 */
public final class ReplicaRegistry {
    private ReplicaRegistry() {}

    public static List<ReplicaSet.Replica> read(RedisBus bus, String target) {
        return parse(bus.redis().hgetall(bus.keys().registry(target)));
    }

    /** The registry hash's entries, as {@link #read} reads them. */
    public static List<ReplicaSet.Replica> parse(java.util.Map<String, String> hash) {
        List<ReplicaSet.Replica> out = new ArrayList<>();
        for (String json : hash.values()) {
            try {
                out.add(Json.read(json, ReplicaSet.Replica.class));
            } catch (Json.MalformedMessageException e) {
                // the executor's problem to report
            }
        }
        return out;
    }

    public static int ready(RedisBus bus, String target) {
        return (int) read(bus, target).stream().filter(r -> r.state() == ReplicaSet.State.ready).count();
    }
}
