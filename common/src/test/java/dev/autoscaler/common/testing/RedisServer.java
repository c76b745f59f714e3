package dev.autoscaler.common.testing;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.RedisSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free 127.0.0.1 port, without persistence, for one test class. The binary must be
 * installed ({@code ./autoscaler test} installs it; by hand: {@code apt-get install -y redis-server}).
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final List<String> extra;

    private RedisServer(Process process, int port, Path log, List<String> extra) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.extra = extra;
    }

    public static RedisServer start() throws Exception {
        return start(List.of());
    }

    /** With more redis-server arguments ({@code --aclfile FILE}). */
    public static RedisServer start(List<String> extra) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return start(freePort(), extra);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    /** A fresh redis-server on the same port, its data gone: what services see when Redis restarts. */
    public RedisServer restart() throws Exception {
        close();
        return start(port, extra);
    }

    private static RedisServer start(int port, List<String> extra) throws Exception {
        Path log = Files.createTempFile("redis-test-", ".log");
        List<String> cmd = new java.util.ArrayList<>(List.of(binary(), "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RedisServer server = new RedisServer(p, port, log, extra);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (server.pings()) return server;
            Thread.sleep(20);
        }
        String text = Files.readString(log);
        server.close();
        throw new IllegalStateException("redis-server did not answer PING on 127.0.0.1:" + port + "; log:\n" + text);
    }

    private static String binary() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin", "/opt/homebrew/bin")) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) return p.toString();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) return Path.of(dir, "redis-server").toString();
        }
        throw new IllegalStateException("redis-server is not installed (apt-get install -y redis-server); "
                + "the Reconciler tests run against a real one");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private boolean pings() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            String answer = new String(buf, 0, n, StandardCharsets.US_ASCII);
            // with ACLs and the default user off, an unauthenticated PING is refused: the server is up all the same
            return answer.equals("+PONG\r\n") || answer.startsWith("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** A bus on this server whose keys and channels start with {@code prefix}, failing at once if it is down. */
    public RedisBus bus(String prefix) {
        return new RedisBus(new RedisSettings(url(), prefix), new SimpleMeterRegistry(), false);
    }

    /** A bus at the default prefix, as a service's own. */
    public RedisBus bus() {
        return bus("autoscaler:");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
