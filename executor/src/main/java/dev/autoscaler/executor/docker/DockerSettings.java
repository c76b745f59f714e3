package dev.autoscaler.executor.docker;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.docker.DockerClients;
import java.util.regex.Pattern;

/** The docker backend's settings (executor README, "docker backend"). */
public record DockerSettings(String dockerHost, int portBase, String portEnv, int appPort) {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static DockerSettings from(Env env) {
        String portEnv = env.string("APP_PORT_ENV", "PORT");
        if (!ENV_NAME.matcher(portEnv).matches()) throw Env.bad("APP_PORT_ENV", portEnv, "an environment variable name");
        return new DockerSettings(DockerClients.host(env),
                // host-network duplicates each need their own port; the same range as the process backend's replicas
                env.integer("APP_PORT_BASE", 9101, 1024, 65000),
                portEnv,
                // where the app listens when the base sets no port variable (the toy app's default)
                env.integer("APP_PORT", 8080, 1, 65535));
    }
}
