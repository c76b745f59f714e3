package dev.autoscaler.executor;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.RedisLease;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether this executor acts for one target (process and docker backends): executors sharing a Redis hold the lease
 * {@code executor:{target}} one at a time; the others stand by and start, stop, adopt and deregister nothing. Each
 * holding has its own fencing token, so the loop knows when it (re)gained the lease and must adopt before acting,
 * which also follows a Redis restart that took the lease key with it. The Kubernetes backend elects with its own
 * coordination Lease instead.
 */
public final class TargetLease implements AutoCloseable {
    private final RedisLease lease;

    /** {@code lease} started or not (tests drive its {@link RedisLease#tryHold} by hand); null for {@link #alone}. */
    TargetLease(RedisLease lease) {
        this.lease = lease;
    }

    /** An executor with no one to share its target with (tests of the loop alone): it always acts, under one holding. */
    public static TargetLease alone() {
        return new TargetLease(null);
    }

    /**
     * Competes for {@code executor:{target}}; {@code onGain} runs each time this executor takes it (so it adopts and
     * reconciles at once, not at the next RECONCILE_SEC); it must only queue that work.
     */
    public static TargetLease compete(RedisBus bus, String target, String holder, Duration ttl, Runnable onGain) {
        return new TargetLease(new RedisLease(bus, "executor:" + target, holder, ttl).onAcquire(onGain).start());
    }

    /** This process, told apart from another executor on the same host, or in the same JVM in tests. */
    public static String holderId() {
        // HOSTNAME first (a container's or pod's name): a name lookup may hang where DNS is misconfigured
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "localhost";
            }
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    /** True while this executor may act for the target. */
    public boolean held() {
        return lease == null || lease.held();
    }

    /**
     * Which holding this is: a new value after each (re)take of the lease. Alone, always 0, the value a loop starts
     * with: its one holding never changes, so only its caller's {@code adopt()} takes in what runs.
     */
    public long token() {
        return lease == null ? 0 : lease.token();
    }

    /** Who holds the lease as far as this executor last saw. */
    public String holderSeen() {
        return lease == null ? "" : lease.holderSeen();
    }

    /** {@code /health}'s {"lease": {name, role, holder}}; empty when alone. */
    public Map<String, Object> health() {
        if (lease == null) return Map.of();
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("name", lease.name());
        l.put("role", held() ? "active" : "standby");
        l.put("holder", held() ? lease.holder() : lease.holderSeen());
        return Map.of("lease", l);
    }

    /** Releases the lease, so a standby takes over without waiting out its ttl. */
    @Override
    public void close() {
        if (lease != null) lease.close();
    }
}
