package dev.autoscaler.watcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The main nginx.conf for an nginx run with its own prefix (demo and tests): JSON access log for the monitor,
 * {@code stub_status} for arrival counts, and the watcher's upstream files included from {@code conf/upstreams/}.
 */
public final class NginxConfig {
    private NginxConfig() {}

    public static String render(int listenPort, String target) {
        try (InputStream in = NginxConfig.class.getResourceAsStream("/nginx.conf.template")) {
            String t = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return t.replace("${LISTEN_PORT}", String.valueOf(listenPort)).replace("${UPSTREAM}", UpstreamRenderer.upstreamName(target));
        } catch (IOException e) {
            throw new IllegalStateException("nginx.conf.template missing from the classpath", e);
        }
    }

    /** Creates the prefix layout and writes conf/nginx.conf; returns its path. */
    public static Path writePrefix(Path prefix, int listenPort, String target) throws IOException {
        for (String d : new String[] {"conf/upstreams", "logs", "tmp"}) Files.createDirectories(prefix.resolve(d));
        Path conf = prefix.resolve("conf/nginx.conf");
        Files.writeString(conf, render(listenPort, target));
        return conf;
    }
}
