package dev.autoscaler.common.bus;

import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import io.lettuce.core.RedisFuture;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Read-only view of the executor's registry hash {@code registry:{target}} for the services that only need the
 * replicas' public fields (monitor, watcher, status). Unreadable entries are skipped: the executor, which owns the
 * registry, logs them.
 */
public final class ReplicaRegistry {
    /** A backstop only: the bus's command timeout fails a read that Redis does not answer well before this. */
    private static final long AWAIT_SEC = 10;
    private ReplicaRegistry() {}

    public static List<ReplicaSet.Replica> read(RedisBus bus, String target) {
        return parse(bus.redis().hgetall(bus.keys().registry(target)));
    }

    /** The registry hash's entries, as {@link #read} reads them. */
    public static List<ReplicaSet.Replica> parse(Map<String, String> hash) {
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
        return readyIn(read(bus, target));
    }

    /** Each target's ready count, the registries read in one round trip (the monitor's every window). */
    public static Map<String, Integer> ready(RedisBus bus, Collection<String> targets) {
        var async = bus.async();
        Map<String, RedisFuture<Map<String, String>>> asked = new LinkedHashMap<>();
        for (String t : targets) asked.put(t, async.hgetall(bus.keys().registry(t)));
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var e : asked.entrySet()) out.put(e.getKey(), readyIn(parse(await(e.getValue()))));
        return out;
    }

    private static int readyIn(List<ReplicaSet.Replica> replicas) {
        return (int) replicas.stream().filter(r -> r.state() == ReplicaSet.State.ready).count();
    }

    private static <T> T await(RedisFuture<T> f) {
        try {
            return f.get(AWAIT_SEC, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the registries", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("reading the registries: " + e.getMessage(), e);
        }
    }
}
