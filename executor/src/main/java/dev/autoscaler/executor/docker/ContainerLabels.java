package dev.autoscaler.executor.docker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels that decide what the docker backend may touch. A base opts in with {@code autoscaler.target=<target>},
 * or with the proof of concept's {@code agentic.target=true} (then its compose service or container name is the
 * target). A duplicate carries {@code autoscaler.replica.*}: the installation's scope, its target and id, so an
 * executor adopts and stops only its own, and never another target's.
 */
public final class ContainerLabels {
    public static final String TARGET = "autoscaler.target";
    public static final String POC_OPT_IN = "agentic.target";
    public static final String MANAGED_BY = "autoscaler.managed-by";
    public static final String SCOPE = "autoscaler.replica.scope";
    public static final String REPLICA_TARGET = "autoscaler.replica.target";
    public static final String ID = "autoscaler.replica.id";
    public static final String SEQ = "autoscaler.replica.seq";
    public static final String ADDRESS = "autoscaler.replica.address";
    static final String COMPOSE_SERVICE = "com.docker.compose.service";
    static final String COMPOSE_PREFIX = "com.docker.compose.";

    private ContainerLabels() {}

    /** Whether a container (by its labels and name, without the leading "/") is a base of {@code target}. */
    public static boolean isBaseOf(Map<String, String> labels, String name, String target) {
        if (labels.containsKey(ID)) return false;
        String own = labels.get(TARGET);
        if (own != null) return own.equals(target);
        if (!"true".equalsIgnoreCase(labels.get(POC_OPT_IN))) return false;
        return target.equals(labels.get(COMPOSE_SERVICE)) || target.equals(name);
    }

    /**
     * A duplicate's labels: the base's, without its opt-in (a duplicate is never a base), with compose's service
     * renamed so {@code down --remove-orphans} removes duplicates and {@code up} never mistakes one for the service,
     * plus the replica's own.
     */
    public static Map<String, String> forDuplicate(Map<String, String> base, String scope, String target, String id, long seq,
                                                   String address) {
        Map<String, String> out = new LinkedHashMap<>(base);
        out.remove(TARGET);
        out.remove(POC_OPT_IN);
        out.remove(COMPOSE_PREFIX + "container-number");
        out.remove(COMPOSE_PREFIX + "config-hash");
        if (out.containsKey(COMPOSE_SERVICE)) out.put(COMPOSE_SERVICE, out.get(COMPOSE_SERVICE) + "-dup");
        out.put(MANAGED_BY, "autoscaler");
        out.put(SCOPE, scope);
        out.put(REPLICA_TARGET, target);
        out.put(ID, id);
        out.put(SEQ, String.valueOf(seq));
        out.put(ADDRESS, address);
        return out;
    }
}
