package dev.autoscaler.executor;

import dev.autoscaler.common.config.Env;
import java.nio.file.Path;
import java.util.List;

/** The executor's settings (README, "executor"). */
public record ExecutorSettings(String backend, List<String> targets, int minReplicas, int maxReplicas, double reconcileSec,
                               double startTimeoutSec, double drainSec, double drainSettleSec, double graceSec,
                               int portBase, Path logDir, String appJavaOpts, List<String> appCommand) {

    public static ExecutorSettings from(Env env) {
        String backend = env.oneOf("EXECUTOR_BACKEND", "process", "process");
        List<String> targets = env.targets();
        int min = env.integer("MIN_REPLICAS", 1, 0, 10_000);
        int max = env.integer("MAX_REPLICAS", 10, 1, 10_000);
        if (min > max) throw Env.bad("MIN_REPLICAS", String.valueOf(min), "at most MAX_REPLICAS (" + max + ")");
        List<String> cmd = env.raw("APP_COMMAND").map(s -> List.of(s.trim().split("\\s+"))).orElse(List.of());
        return new ExecutorSettings(backend, targets, min, max,
                env.number("RECONCILE_SEC", 5, 0.2, 3600),
                env.number("START_TIMEOUT_SEC", 30, 1, 3600),
                env.number("DRAIN_SEC", 5, 0, 600),
                env.number("DRAIN_SETTLE_SEC", 1, 0, 600),
                env.number("GRACE_SEC", 10, 0, 600),
                env.integer("APP_PORT_BASE", 9101, 1024, 65000),
                Path.of(env.string("REPLICA_LOG_DIR", System.getProperty("java.io.tmpdir") + "/autoscaler-replicas")),
                env.string("APP_JAVA_OPTS", "-Xms16m -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"),
                cmd);
    }
}
