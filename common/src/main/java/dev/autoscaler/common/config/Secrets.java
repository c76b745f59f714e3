package dev.autoscaler.common.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A secret setting from {@code NAME} or from the file named by {@code NAME_FILE} (Docker secrets and Kubernetes' mounted
 * Secrets give files, which stay out of {@code docker inspect} and the process environment). Both set is an error; a
 * file that cannot be read or is empty stops the service naming the variable, never the secret.
 */
public final class Secrets {
    private Secrets() {}

    public static Optional<String> read(Env env, String name) {
        Optional<String> direct = env.raw(name).filter(v -> !v.isEmpty());
        Optional<String> file = env.raw(name + "_FILE").filter(v -> !v.isBlank());
        if (direct.isPresent() && file.isPresent()) {
            throw new ConfigException(name + " and " + name + "_FILE are both set: give the secret one way");
        }
        if (file.isEmpty()) return direct;
        Path path = Path.of(file.get());
        try {
            // one trailing newline is how files are written by hand and by kubectl; anything else is part of the secret
            String v = Files.readString(path).replaceFirst("\r?\n$", "");
            if (v.isEmpty()) throw new ConfigException(name + "_FILE=" + path + " is empty");
            return Optional.of(v);
        } catch (IOException e) {
            throw new ConfigException(name + "_FILE=" + path + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
