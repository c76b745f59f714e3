package dev.autoscaler.watcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lays out an nginx prefix from the repository's {@code nginx/} directory (bundled on the classpath), the same files
 * compose mounts into {@code lb}: {@code conf/nginx.conf} as it is, and {@code conf/listen.conf} with this run's port.
 */
public final class NginxConfig {
    /** The upstream name {@code nginx/nginx.conf} proxies to: the {@code app} target's. */
    static final String SHIPPED_UPSTREAM = UpstreamRenderer.upstreamName("app");

    private NginxConfig() {}

    public static String render(String target) {
        String conf = resource("nginx.conf");
        return conf.replace("set $pool " + SHIPPED_UPSTREAM + ";", "set $pool " + UpstreamRenderer.upstreamName(target) + ";");
    }

    public static String listen(int listenPort) {
        return "listen 127.0.0.1:" + listenPort + ";\n";
    }

    /** Creates the prefix layout and writes conf/nginx.conf and conf/listen.conf; returns the main config's path. */
    public static Path writePrefix(Path prefix, int listenPort, String target) throws IOException {
        for (String d : new String[] {"conf/upstreams", "logs", "tmp"}) Files.createDirectories(prefix.resolve(d));
        Path conf = prefix.resolve("conf/nginx.conf");
        Files.writeString(conf, render(target));
        Files.writeString(prefix.resolve("conf/listen.conf"), listen(listenPort));
        return conf;
    }

    private static String resource(String name) {
        try (InputStream in = NginxConfig.class.getResourceAsStream("/nginx/" + name)) {
            if (in == null) throw new IllegalStateException("nginx/" + name + " missing from the classpath (watcher jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read nginx/" + name + " from the classpath", e);
        }
    }
}
