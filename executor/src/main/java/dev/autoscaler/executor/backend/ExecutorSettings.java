package dev.autoscaler.executor.backend;

import dev.autoscaler.common.config.Env;
import java.util.List;

/**
 * The settings every backend shares (README, "executor"); each backend reads its own from the same environment
 * ({@code ProcessSettings}, {@code DockerSettings}, ...).
 */
public record ExecutorSettings(String backend, List<String> targets, int minReplicas, int maxReplicas, double reconcileSec,
                               double startTimeoutSec, double drainSec, double drainSettleSec, double graceSec,
                               double leaseSec) {
    public static final List<String> BACKENDS = List.of("process", "docker", "kubernetes", "dry");

    public static ExecutorSettings from(Env env) {
        String backend = env.oneOf("EXECUTOR_BACKEND", "process", BACKENDS.toArray(String[]::new));
        List<String> targets = env.targets();
        int min = env.integer("MIN_REPLICAS", 1, 0, 10_000);
        int max = env.integer("MAX_REPLICAS", 10, 1, 10_000);
        if (min > max) throw Env.bad("MIN_REPLICAS", String.valueOf(min), "at most MAX_REPLICAS (" + max + ")");
        return new ExecutorSettings(backend, targets, min, max,
                env.number("RECONCILE_SEC", 5, 0.2, 3600),
                env.number("START_TIMEOUT_SEC", 30, 1, 3600),
                env.number("DRAIN_SEC", 5, 0, 600),
                env.number("DRAIN_SETTLE_SEC", 1, 0, 600),
                // past the app's own SHUTDOWN_GRACE_SEC (10): SIGKILL never cuts the app's drain short
                env.number("GRACE_SEC", 15, 0, 600),
                // a crashed executor's target goes unmanaged this long at most; renewed every third of it, so a Redis
                // blip or a GC pause of a few seconds does not hand the target over
                env.number("EXECUTOR_LEASE_SEC", 10, 1, 3600));
    }
}
