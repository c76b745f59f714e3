package dev.autoscaler.app;

import dev.autoscaler.common.config.Env;

/**
 * The toy app's settings. One replica's capacity is {@code WORKERS / WORK_MS} requests per millisecond
 * (4 workers × 20 ms = 200 rps); past it requests queue, so p95 grows with load as a real service's does.
 */
public record AppSettings(String host, int port, int workers, int workMs, int maxQueue, String replicaId, int graceSec) {
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
                env.integer("SHUTDOWN_GRACE_SEC", 10, 0, 600));
    }
}
