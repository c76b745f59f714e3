package dev.autoscaler.common.ops;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container healthcheck without curl or a shell in the image: reads the ops URL the service wrote at start
 * ({@code OPS_URL_FILE}; the port is a free one, so nothing else knows it) and asks one of its endpoints. Exit 0 on
 * 200, 1 otherwise. {@code java -cp autoscaler.jar dev.autoscaler.common.ops.HealthProbe /tmp/ops-url /health}
 */
public final class HealthProbe {
    private HealthProbe() {}

    public static void main(String[] args) {
        if (args.length != 2 || !args[1].startsWith("/")) {
            System.err.println("usage: HealthProbe OPS_URL_FILE /health|/ready");
            System.exit(2);
        }
        System.exit(probe(Path.of(args[0]), args[1]) ? 0 : 1);
    }

    /** Whether {@code path} of the ops URL in {@code opsUrlFile} answers 200. */
    public static boolean probe(Path opsUrlFile, String path) {
        try {
            String base = Files.readString(opsUrlFile).trim();
            HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(4000);
            int code = c.getResponseCode();
            System.out.println(path + ": " + code);
            return code == 200;
        } catch (IOException | IllegalArgumentException e) {
            System.out.println(path + ": " + e.getMessage());
            return false;
        }
    }
}
