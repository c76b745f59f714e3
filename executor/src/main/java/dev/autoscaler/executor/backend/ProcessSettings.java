package dev.autoscaler.executor.backend;

import dev.autoscaler.common.config.Env;
import java.nio.file.Path;
import java.util.List;

/** The process backend's settings (executor README, "process backend"). */
public record ProcessSettings(int portBase, Path logDir, String appJavaOpts, List<String> appCommand) {
    public static ProcessSettings from(Env env) {
        List<String> cmd = env.raw("APP_COMMAND").map(s -> List.of(s.trim().split("\\s+"))).orElse(List.of());
        return new ProcessSettings(
                LoopbackPorts.base(env),
                Path.of(env.string("REPLICA_LOG_DIR", System.getProperty("java.io.tmpdir") + "/autoscaler-replicas")),
                // small heap and C1 only: a toy replica needs little, and ten of them share one machine with the services
                env.string("APP_JAVA_OPTS", "-Xms16m -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:+ExitOnOutOfMemoryError"),
                cmd);
    }

    /** The command replicas run: {@code APP_COMMAND}, else this JVM running the toy app. */
    public List<String> command() {
        return appCommand.isEmpty() ? ProcessBackend.defaultAppCommand(appJavaOpts) : appCommand;
    }
}
