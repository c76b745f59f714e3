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

    private Channels() {}
}
