package dev.autoscaler.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
        Process p = new ProcessBuilder("bash", root().resolve("docker/build-images.sh").toString(), "--from-host", "--tag", TAG)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("build-images.sh failed:\n" + out);
        System.out.println(out.strip());
        built = true;
    }
}
