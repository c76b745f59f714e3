package dev.autoscaler.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters (redis-server, no replicas) on 127.0.0.1, made with {@code redis-cli --cluster
 * create}: for {@code bench scale --redis-cluster} and the tests. Each node also listens on its port + 10000 (the
 * cluster bus); its files live in {@code dir}.
 */
public final class LocalRedisCluster implements AutoCloseable {
    public static final int MASTERS = 3;

    private final ProcessSupervisor procs;
    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final Map<String, String> bins;

    private LocalRedisCluster(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.procs = new ProcessSupervisor(dir.resolve("logs"));
        this.bins = Prerequisites.ensure(Map.of("redis-server", "redis-server", "redis-cli", "redis-tools"));
    }

    public static LocalRedisCluster start(Path dir) throws Exception {
        LocalRedisCluster c = new LocalRedisCluster(dir);
        try {
            for (int i = 1; i <= MASTERS; i++) c.startNode(i);
            c.create();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void startNode(int i) throws Exception {
        int port = freePairedPort();
        procs.start(name(i), List.of(bins.get("redis-server"), "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                "--cluster-config-file", dir.resolve("nodes-" + i + ".conf").toString(), "--dir", dir.toString()), Map.of());
        ports.add(port);
        Ports.await(port, 15, "redis-server (cluster node " + i + ")");
    }

    /** Slots shared out among the masters, then waits until every node says the cluster is ok. */
    private void create() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bins.get("redis-cli"), "--cluster", "create"));
        for (int p : ports) cmd.add("127.0.0.1:" + p);
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = run(cmd);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ports.stream().allMatch(port -> cli(port, "cluster", "info").contains("cluster_state:ok"))) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the cluster did not reach cluster_state:ok:\n" + out);
            Thread.sleep(100);
        }
    }

    /** {@code redis://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}: how REDIS_URL names a cluster. */
    public String url() {
        return "redis://" + ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** Node {@code i}'s process (1-based), for its memory and CPU. */
    public Process process(int i) {
        return procs.get(name(i));
    }

    private static String name(int i) {
        return "redis-" + i;
    }

    /** What {@code redis-cli -p port args...} prints (empty when it cannot run). */
    public String cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bins.get("redis-cli"), "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        try {
            return run(cmd);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    /** A port below 55536 that is free, as is the one 10000 above it (the node's cluster bus). */
    private static int freePairedPort() throws IOException {
        for (int tries = 0; tries < 200; tries++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            if (Ports.bindable(p) && Ports.bindable(p + 10_000)) return p;
        }
        throw new IOException("no free pair of ports for a cluster node");
    }

    @Override
    public void close() {
        procs.close();
    }
}
