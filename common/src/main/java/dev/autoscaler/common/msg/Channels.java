package dev.autoscaler.common.msg;

/**
 * Logical pub/sub channel names; the PoC's names are kept so PoC components interoperate. Pass these to
 * {@code RedisBus}, which maps them to the channel under {@code KEY_PREFIX} ({@code Keys.channel}).
 */
public final class Channels {
    public static final String ALERTS = "alerts";
    public static final String ACTIONS = "actions";
    public static final String RESULTS = "results";
    public static final String REPLICAS = "replicas";
    public static final String UPSTREAMS = "upstreams";
    /**
     * The channels of per-window traffic, whose messages each name one target: on a Redis Cluster they go out on that
     * target's sharded channel ({@code alerts:{app}}, SPUBLISH/SSUBSCRIBE), served by the node that holds the target's
     * keys, instead of being broadcast to every node.
     */
    public static final java.util.Set<String> PER_TARGET = java.util.Set.of(ALERTS, ACTIONS, RESULTS);

    private Channels() {}
}
