package dev.autoscaler.planner.ownership;

import dev.autoscaler.common.bus.Leadership;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every target belongs to the holder of one {@link Leadership} (on Kubernetes, a coordination.k8s.io Lease): one planner
 * acts, the others stand by. A planner that becomes the leader forgets what it cached of every target, since the last
 * leader may have changed them since.
 */
public final class SingleLeader implements TargetOwnership {
    private final Leadership lease;
    private final Listener listener;
    /** The holding {@link #seen} belongs to: a new one (a new token) means another leader may have acted between. */
    private long token;
    /** Targets decided in this holding. */
    private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public SingleLeader(Leadership lease, Listener listener) {
        this.lease = lease;
        this.listener = listener;
    }

    @Override
    public boolean owns(String target) {
        if (!lease.held()) return false;
        synchronized (this) {
            if (lease.token() != token) {
                token = lease.token();
                seen.clear();
            }
        }
        if (seen.add(target)) listener.taken(target);
        return true;
    }

    @Override
    public boolean concerns(String target) {
        return true; // a standby's windows are few and cheap to turn down where they are decided
    }

    @Override
    public boolean holds(String target) {
        return lease.held();
    }

    @Override
    public boolean writeFenced(String target, String hashKey, String... fields) {
        return lease.writeFenced(hashKey, fields);
    }

    @Override
    public String holder() {
        return lease.holder();
    }

    @Override
    public String ownerSeen(String target) {
        return lease.holderSeen();
    }

    @Override
    public Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", lease.name());
        m.put("role", lease.held() ? "active" : "standby");
        m.put("holder", lease.holderSeen());
        return m;
    }

    @Override
    public void close() {
        lease.close();
    }
}
