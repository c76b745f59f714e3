package dev.autoscaler.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's images for the Docker tests, built once per test JVM with {@code docker/build-images.sh --from-host}:
 * FROM scratch out of this machine's JDK, redis-server and nginx, since no image registry is reachable.
 */
final class TestImages {
    static final String TAG = "it";
    private static boolean built;

    private TestImages() {}

    /** The repository root (the it module runs with its own directory as the working directory). */
    static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("docker-compose.yml not found above " + System.getProperty("user.dir"));
        return dir;
    }

    static synchronized void ensureBuilt() throws IOException, InterruptedException {
        if (built) return;
        Commands.Run r = Commands.run(root(), null, java.time.Duration.ofMinutes(10),
                java.util.List.of("bash", root().resolve("docker/build-images.sh").toString(), "--from-host", "--tag", TAG));
        if (r.exit() != 0) throw new IllegalStateException("build-images.sh failed:\n" + r.output());
        System.out.println(r.output().strip());
        built = true;
    }
}
