package dev.autoscaler.common.msg;

/** Pub/sub channel names; the PoC's names are kept so PoC components interoperate. */
public final class Channels {
    public static final String ALERTS = "alerts";
    public static final String ACTIONS = "actions";
    public static final String RESULTS = "results";
    public static final String REPLICAS = "replicas";
    public static final String UPSTREAMS = "upstreams";

    private Channels() {}
}
