package dev.autoscaler.common.bus;

/**
 * Whether this process is the one that acts for a role among the processes sharing one Redis, and the writes only the
 * current holder may make. Elected through Redis ({@link RedisLease}) or, on Kubernetes, a coordination.k8s.io Lease
 * ({@code KubeLeadership}); either way the writes are fenced in Redis.
 */
public interface Leadership extends AutoCloseable {
    /** True while this process may act. */
    boolean held();

    /** Who holds it as far as this process last saw ({@code ""} if nobody), for {@code /health} and {@code status}. */
    String holderSeen();

    /** The fencing token of the current holding (a new holding, a new and higher one); meaningful only while held. */
    long token();

    /** This process's name in the election. */
    String holder();

    /** The role's name, as {@code /health} shows it. */
    String name();

    /**
     * HSETs {@code fields} (alternating names and values) into {@code hashKey} with this holding's fencing token, unless
     * a newer holder already wrote there. False if refused or not held.
     */
    boolean writeFenced(String hashKey, String... fields);

    /** Stops competing and hands the role over at once where it can. */
    @Override
    void close();
}
