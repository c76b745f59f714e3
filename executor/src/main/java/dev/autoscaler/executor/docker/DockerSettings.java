package dev.autoscaler.executor.docker;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.docker.DockerClients;
import dev.autoscaler.executor.backend.LoopbackPorts;
import java.util.regex.Pattern;

/** The docker backend's settings (executor README, "docker backend"). */
public record DockerSettings(String dockerHost, int portBase, String portEnv, int appPort, String baseContainer) {
    private static final Pattern NAME_TEMPLATE = Pattern.compile("([a-zA-Z0-9_.-]|\\{target\\})+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static DockerSettings from(Env env) {
        String portEnv = env.string("APP_PORT_ENV", "PORT");
        if (!ENV_NAME.matcher(portEnv).matches()) throw Env.bad("APP_PORT_ENV", portEnv, "an environment variable name");
        return new DockerSettings(DockerClients.host(env),
                // host-network duplicates each need their own port; the same range as the process backend's replicas
                LoopbackPorts.base(env),
                portEnv,
                // where the app listens when the base sets no port variable (the toy app's default)
                env.integer("APP_PORT", 8080, 1, 65535),
                baseContainer(env));
    }

    /**
     * The base's name, {target} standing for the target's. Required: the label alone would let any container on the
     * daemon that carries {@code autoscaler.target=T} (another stack's, or one anybody started) become the base the
     * executor clones, with its image, its mounts and its environment.
     */
    private static String baseContainer(Env env) {
        String t = env.string("BASE_CONTAINER", "");
        if (t.isEmpty()) {
            throw new dev.autoscaler.common.config.ConfigException("EXECUTOR_BACKEND=docker needs BASE_CONTAINER: the name of the "
                    + "container to clone, {target} standing for the target's (for example autoscaler-{target})");
        }
        if (!NAME_TEMPLATE.matcher(t).matches()) {
            throw Env.bad("BASE_CONTAINER", t, "a container name, {target} standing for the target's name");
        }
        return t;
    }

    /** Whether a container of this name may be the target's base. */
    public boolean baseNamed(String name, String target) {
        return baseContainer.replace("{target}", target).equals(name);
    }
}
