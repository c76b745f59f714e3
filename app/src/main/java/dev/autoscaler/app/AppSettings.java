package dev.autoscaler.app;

import dev.autoscaler.common.config.Env;

/**
 * The toy app's settings. One replica's capacity is {@code WORKERS / WORK_MS} requests per millisecond
 * (4 workers × 20 ms = 200 rps); past it requests queue, so p95 grows with load as a real service's does.
 */
public record AppSettings(String host, int port, int workers, int workMs, int maxQueue, String replicaId, int graceSec,
                          double bucketGrowth) {
    /** Micrometer's default buckets only: what {@code LATENCY_BUCKET_GROWTH=0} asks for. */
    public static final double DEFAULT_BUCKETS_ONLY = 0;

    /** The settings without a choice of histogram buckets: the default 5 % ladder. */
    public AppSettings(String host, int port, int workers, int workMs, int maxQueue, String replicaId, int graceSec) {
        this(host, port, workers, workMs, maxQueue, replicaId, graceSec, 1.05);
    }

    public static AppSettings from(Env env) {
        int workMs = env.raw("WORK_MS").isPresent()
                ? env.integer("WORK_MS", 20, 0, 60_000)
                : env.integer("EXTRA_DELAY_MS", 20, 0, 60_000);
        return new AppSettings(
                env.string("HOST", "127.0.0.1"),
                env.integer("PORT", 8080, 1, 65535),
                env.integer("WORKERS", 4, 1, 10_000),
                workMs,
                env.integer("MAX_QUEUE", 1000, 0, 1_000_000),
                env.string("REPLICA_ID", "app"),
                env.integer("SHUTDOWN_GRACE_SEC", 10, 0, 600),
                bucketGrowth(env));
    }

    /**
     * LATENCY_BUCKET_GROWTH: the ratio between extra histogram boundaries from 1 ms to 10 s (default 1.05). Micrometer's
     * own buckets are up to a third wide near 20 ms, and histogram_quantile interpolates inside a bucket, so a p95 read
     * from them alone can be off by that much; 5 % steps bound the error at 5 %. 0 keeps Micrometer's buckets only.
     */
    private static double bucketGrowth(Env env) {
        double g = env.number("LATENCY_BUCKET_GROWTH", 1.05, 0, 2);
        if (g != DEFAULT_BUCKETS_ONLY && g < 1.01) {
            throw Env.bad("LATENCY_BUCKET_GROWTH", env.raw("LATENCY_BUCKET_GROWTH").orElse(""), "0 (Micrometer's buckets only) or a ratio from 1.01 to 2");
        }
        return g;
    }
}
