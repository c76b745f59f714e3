package dev.autoscaler.common.kube;

import dev.autoscaler.common.bus.FencingTokens;
import dev.autoscaler.common.bus.Leadership;
import dev.autoscaler.common.bus.RedisBus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Leadership} decided by a coordination.k8s.io Lease ({@link KubeLease}), where a service runs on Kubernetes:
 * the holding outlives a Redis restart and {@code kubectl get lease} shows who acts. Each holding takes a fencing token
 * from Redis ({@link FencingTokens}, the same counter the Redis lease uses), so a deposed leader that still believes it
 * leads cannot overwrite what its successor wrote.
 */
public final class KubeLeadership implements Leadership {
    private static final Logger log = LoggerFactory.getLogger(KubeLeadership.class);

    private final KubeLease lease;
    private final FencingTokens fence;
    /** This holding's token; 0 until taken (a new holding resets it, so it takes a new one). */
    private volatile long token;

    /** @param role the name of the fencing counter in Redis ({@code planner}) */
    public KubeLeadership(KubernetesClient client, KubernetesSettings settings, RedisBus bus, String role) {
        this.fence = new FencingTokens(bus, role);
        // a new holding takes a new token at its first look
        this.lease = new KubeLease(client, settings, () -> token = 0);
    }

    public KubeLeadership start() {
        lease.start();
        return this;
    }

    /**
     * True while this replica holds the Lease and has its fencing token; the token is taken at the first look after
     * the Lease was won (Redis may be away at that moment: then it does not act yet).
     */
    @Override
    public long token() {
        return token;
    }

    @Override
    public boolean held() {
        if (!lease.isLeader()) return false;
        if (token == 0) {
            try {
                token = fence.next();
                log.info("lease {}: {} holds it with fencing token {}", name(), holder(), token);
            } catch (RuntimeException e) {
                log.debug("lease {}: no fencing token yet ({})", name(), e.getMessage());
                return false;
            }
        }
        return true;
    }

    @Override
    public String holderSeen() {
        return lease.holder();
    }

    @Override
    public String holder() {
        return lease.identity();
    }

    /** The Lease's name, which says where to look: {@code kubectl get lease NAME}. */
    @Override
    public String name() {
        return lease.name();
    }

    @Override
    public boolean writeFenced(String hashKey, String... fields) {
        return held() && fence.write(token, hashKey, fields);
    }

    @Override
    public void close() {
        lease.close();
    }
}
