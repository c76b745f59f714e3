package dev.autoscaler.executor.kubernetes;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.executor.backend.ReplicaRecord;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps {@code registry:{target}} in step with a Deployment's status, in the same records the other backends write,
 * so the monitor, the planner and the dashboard read the ready count without knowing which backend runs. Publishes the
 * set on {@code replicas} only when it changed.
 */
final class RegistryMirror {
    private final String target;
    private final String namespace;
    private final RedisBus bus;
    private final Keys keys;

    RegistryMirror(String target, String namespace, RedisBus bus) {
        this.target = target;
        this.namespace = namespace;
        this.bus = bus;
        this.keys = bus.keys();
    }

    /**
     * Writes the Deployment's replicas into {@code registry:{target}}: {@code readyReplicas} entries {@code ready}, the
     * rest of {@code spec.replicas} {@code starting}. Entries are slots ({@code {deployment}-{n}}), not pods: Kubernetes
     * balances through its Service, so the count is what matters, and reading pods would need more RBAC.
     */
    void write(Deployment d) {
        String name = d.getMetadata().getName();
        int ready = DeploymentLoop.readyReplicas(d);
        int total = Math.max(ready, DeploymentLoop.specReplicas(d));
        String address = namespace + "/" + name;
        Map<String, ReplicaRecord> current = parsed(bus.redis().hgetall(keys.registry(target)));
        Map<String, ReplicaRecord> wanted = new LinkedHashMap<>();
        double now = System.currentTimeMillis() / 1000.0;
        for (int n = 1; n <= total; n++) {
            String id = name + "-" + n;
            ReplicaSet.State state = n <= ready ? ReplicaSet.State.ready : ReplicaSet.State.starting;
            ReplicaRecord old = current.get(id);
            wanted.put(id, new ReplicaRecord(id, target, address, address, state, n, old == null ? now : old.startedTs()));
        }
        boolean changed = false;
        for (String id : current.keySet()) {
            if (!wanted.containsKey(id)) {
                bus.redis().hdel(keys.registry(target), id);
                changed = true;
            }
        }
        for (ReplicaRecord r : wanted.values()) {
            if (!sameState(current.get(r.id()), r)) {
                bus.redis().hset(keys.registry(target), r.id(), Json.write(r));
                changed = true;
            }
        }
        if (changed) {
            bus.publish(Channels.REPLICAS, new ReplicaSet(target, wanted.values().stream().map(ReplicaRecord::toMessage).toList(), now));
        }
    }

    /** Empties the registry: nothing runs for this target as far as the executor may know. */
    void clear() {
        if (bus.redis().del(keys.registry(target)) > 0) {
            bus.publish(Channels.REPLICAS, new ReplicaSet(target, List.of(), System.currentTimeMillis() / 1000.0));
        }
    }

    /** The registry's records by id; an unreadable entry counts as missing, so it is written anew. */
    private static Map<String, ReplicaRecord> parsed(Map<String, String> raw) {
        Map<String, ReplicaRecord> out = new LinkedHashMap<>();
        raw.forEach((id, json) -> {
            try {
                out.put(id, Json.read(json, ReplicaRecord.class));
            } catch (Json.MalformedMessageException e) {
                out.put(id, null);
            }
        });
        return out;
    }

    private static boolean sameState(ReplicaRecord a, ReplicaRecord b) {
        return a != null && a.state() == b.state() && a.address().equals(b.address()) && a.seq() == b.seq();
    }
}
