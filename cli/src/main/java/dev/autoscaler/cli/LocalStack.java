package dev.autoscaler.cli;

import dev.autoscaler.cli.local.Prerequisites;
import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.LocalCertificates;
import dev.autoscaler.common.bus.RedisAccess;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.executor.backend.ReplicaRecord;
import dev.autoscaler.executor.ReplicaScope;
import dev.autoscaler.executor.backend.ProcessBackend;
import dev.autoscaler.watcher.NginxConfig;
import dev.autoscaler.watcher.LocalNginx;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything on one machine, on 127.0.0.1: Redis (ours on a free port unless REDIS_URL is given), nginx with
 * its own prefix, the executor (which starts the first app replica), the watcher, the monitor and the planner,
 * each a separate process. The demo and the integration tests both use it, so the tests exercise what a
 * newcomer runs. Our redis-server runs with ACLs ({@link RedisAccess}): a password per service generated for the run,
 * each service connecting as its own user, the stack's own tools as {@code admin}, the default user off; with
 * {@link #tls} it speaks TLS only and asks every client for the run's certificate.
 */
public final class LocalStack implements AutoCloseable {
    public static final String TARGET = "app";
    public static final List<String> SERVICES = List.of("executor", "watcher", "monitor", "planner");

    private final Path runDir;
    private final Map<String, String> overrides;
    private final ProcessSupervisor procs;
    private final Map<String, Integer> opsPorts = new LinkedHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String redisUrl;
    private int lbPort;
    private boolean ownRedis;
    private boolean appendOnly;
    private boolean tls;
    /** Our redis-server's certificates when it speaks TLS only; null otherwise. */
    private LocalCertificates certs;
    private RedisBus bus;
    private LocalNginx nginx;
    private Map<String, String> binaries;
    /** One password per ACL user, generated for this run; null with an external Redis (REDIS_URL given). */
    private Map<RedisAccess.Role, String> passwords;
    private final int appPortBase = 20000 + (int) (Math.random() * 20000);
    private List<String> targets = List.of(TARGET);

    public LocalStack(Path runDir, Map<String, String> overrides) throws IOException {
        this.runDir = runDir.toAbsolutePath();
        this.overrides = Map.copyOf(overrides);
        this.procs = new ProcessSupervisor(this.runDir.resolve("logs"));
    }

    /**
     * Our redis-server keeps an append-only file in the run directory (a restart then finds the state it had); by
     * default it keeps nothing. Call before {@link #start()}.
     */
    public LocalStack appendOnly(boolean on) {
        this.appendOnly = on;
        return this;
    }

    /**
     * Our redis-server listens with TLS only ({@code rediss://}), with certificates made for the run, and asks every
     * client for the run's client certificate. Call before {@link #start()}.
     */
    public LocalStack tls(boolean on) {
        this.tls = on;
        return this;
    }

    /**
     * Several targets behind the one nginx, each its own replicas (the executor's TARGETS), upstream (the watcher's)
     * and windows (one monitor for all), reached at {@code /t/NAME/}; the first is also served at {@code /}. Call
     * before {@link #start()}.
     */
    public LocalStack targets(List<String> names) {
        if (names.isEmpty()) throw new IllegalArgumentException("at least one target");
        this.targets = List.copyOf(names);
        return this;
    }

    public List<String> targets() {
        return targets;
    }

    /** Stops our redis-server and starts a fresh one on the same port (without AOF, state is lost: the services must cope). */
    public void restartRedis() throws Exception {
        killRedis();
        startRedisAgain();
    }

    /** SIGKILL to our redis-server. */
    public void killRedis() throws InterruptedException {
        if (!ownRedis) throw new IllegalStateException("the stack uses an external Redis");
        procs.kill("redis");
    }

    /** A new redis-server on the port (and with the directory) of the one before. */
    public void startRedisAgain() throws Exception {
        if (!ownRedis) throw new IllegalStateException("the stack uses an external Redis");
        startRedis(URI.create(redisUrl).getPort());
    }

    private void startRedis(int port) throws Exception {
        Path dir = Files.createDirectories(runDir.resolve("redis"));
        List<String> cmd = new java.util.ArrayList<>(List.of(binaries.get("redis-server")));
        cmd.addAll(certs != null ? certs.redisServerArgs(port) : List.of("--port", String.valueOf(port)));
        cmd.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--dir", dir.toString(),
                "--aclfile", secretsDir().resolve("users.acl").toString()));
        procs.start("redis", cmd, Map.of());
        Ports.await(port, 15, "redis-server");
    }

    /** The ACL file and one password file per user (owner-only), for redis-server, the services and {@code status}. */
    private void writeSecrets() throws IOException, InterruptedException {
        passwords = RedisAccess.newPasswords();
        Path dir = Files.createDirectories(secretsDir());
        Keys keys = new Keys(RedisSettings.from(new Env(env())).keyPrefix());
        writeOwnerOnly(dir.resolve("users.acl"), RedisAccess.aclFile(keys, passwords));
        for (var e : passwords.entrySet()) writeOwnerOnly(passwordFile(e.getKey()), e.getValue() + "\n");
        if (tls) certs = LocalCertificates.create(tlsDir(runDir), binaries.get("openssl"), 30);
    }

    private static Path tlsDir(Path runDir) {
        return runDir.toAbsolutePath().resolve("secrets").resolve("tls");
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
    }

    private Path secretsDir() {
        return runDir.resolve("secrets");
    }

    /** Where the password of {@code role} is for this run (REDIS_PASSWORD_FILE). */
    public Path passwordFile(RedisAccess.Role role) {
        return passwordFile(runDir, role);
    }

    /** Where a stack run from {@code runDir} keeps the password of {@code role} ({@code status} finds the demo's there). */
    static Path passwordFile(Path runDir, RedisAccess.Role role) {
        return runDir.toAbsolutePath().resolve("secrets").resolve(role.user() + ".password");
    }

    /**
     * {@code REDIS_USER} and {@code REDIS_PASSWORD_FILE} for one of our services (or {@code admin} for the stack's
     * tools); nothing with an external Redis.
     */
    public Map<String, String> credentials(RedisAccess.Role role) {
        if (passwords == null) return Map.of();
        return Map.of("REDIS_USER", role.user(), "REDIS_PASSWORD_FILE", passwordFile(role).toString());
    }

    /**
     * What a tool beside a stack run from {@code runDir} needs to read its Redis (the demo's, for {@code status}): the
     * admin user's password file and, where the stack speaks TLS, its CA and client certificate. Empty where the stack
     * left no secrets (an external Redis).
     */
    public static Map<String, String> operatorEnv(Path runDir) {
        Map<String, String> env = new HashMap<>();
        Path admin = passwordFile(runDir, RedisAccess.Role.ADMIN);
        if (Files.isReadable(admin)) {
            env.put("REDIS_USER", RedisAccess.Role.ADMIN.user());
            env.put("REDIS_PASSWORD_FILE", admin.toString());
        }
        LocalCertificates tlsFiles = LocalCertificates.in(tlsDir(runDir));
        if (Files.isReadable(tlsFiles.ca())) env.putAll(tlsFiles.clientEnv());
        return env;
    }

    /** {@link #env()} with the admin user's credentials: for a tool that connects beside the services. */
    public Map<String, String> adminEnv() {
        Map<String, String> env = env();
        env.putAll(credentials(RedisAccess.Role.ADMIN));
        return env;
    }

    public LocalStack start() throws Exception {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("nginx", "nginx");
        String givenRedis = overrides.getOrDefault("REDIS_URL", System.getenv("REDIS_URL"));
        if (givenRedis == null || givenRedis.isBlank()) want.put("redis-server", "redis-server");
        else if (tls) throw new IllegalStateException("TLS here is for the stack's own Redis; with REDIS_URL given, use rediss:// and REDIS_TLS_* instead");
        if (tls) want.put("openssl", "openssl");
        binaries = Prerequisites.ensure(want);

        if (givenRedis == null || givenRedis.isBlank()) {
            int port = Ports.free();
            writeSecrets();
            startRedis(port);
            redisUrl = (tls ? "rediss" : "redis") + "://127.0.0.1:" + port;
            ownRedis = true;
        } else {
            redisUrl = givenRedis;
        }
        lbPort = Integer.parseInt(overrides.getOrDefault("LB_PORT", String.valueOf(Ports.free())));
        Path prefix = runDir.resolve("nginx");
        NginxConfig.writePrefix(prefix, lbPort, targets.get(0));
        nginx = new LocalNginx(binaries.get("nginx"), prefix, "conf/nginx.conf");
        bus = new RedisBus(RedisSettings.from(new Env(adminEnv())), new SimpleMeterRegistry());

        startService("executor");
        for (String t : targets) awaitReady(t, 1, 60);
        startService("watcher");
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (String t : targets) {
            while (!Files.exists(upstreamFile(t))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the watcher wrote no upstream for " + t + "; see "
                        + procs.logFile("watcher"));
                Thread.sleep(50);
            }
        }
        procs.start("nginx", nginx.foregroundCommand(), Map.of());
        Ports.await(lbPort, 15, "nginx");
        startService("monitor");
        startService("planner");
        return this;
    }

    /** The environment every service gets: the caller's, then the stack's wiring, then the overrides. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("TARGET", targets.get(0));
        env.put("TARGETS", String.join(",", targets));
        env.put("TARGET_URL", targets.size() == 1 ? lbUrl() : lbUrl() + "t/{target}/");
        env.put("STATUS_URL", "http://127.0.0.1:" + lbPort + "/nginx_status");
        env.put("ACCESS_LOG", runDir.resolve("nginx/logs/access.json").toString());
        env.put("NGINX_PREFIX", runDir.resolve("nginx").toString());
        env.put("NGINX_BIN", binaries.get("nginx"));
        env.put("REPLICA_LOG_DIR", runDir.resolve("logs/replicas").toString());
        env.put("APP_PORT_BASE", String.valueOf(appPortBase));
        env.putAll(overrides);
        if (redisUrl != null) env.put("REDIS_URL", redisUrl);
        if (certs != null) env.putAll(certs.clientEnv());
        return env;
    }

    public void startService(String name) throws IOException {
        startService(name, name);
    }

    /** One more process of {@code service} under its own {@code name} (a second planner, say), with its own ops port. */
    public void startService(String name, String service) throws IOException {
        int port = Ports.free();
        Map<String, String> env = env();
        env.putAll(credentials(RedisAccess.Role.of(service)));
        env.put("OPS_PORT", String.valueOf(port));
        opsPorts.put(name, port);
        procs.start(name, ProcessSupervisor.serviceCommand(service), env);
    }

    public void killService(String name) throws InterruptedException {
        procs.kill(name);
    }

    public void stopService(String name) {
        procs.stop(name);
    }

    public Process process(String name) {
        return procs.get(name);
    }

    public Path logFile(String name) {
        return procs.logFile(name);
    }

    /** The upstream file the watcher writes for the (first) target. */
    public Path upstreamFile() {
        return upstreamFile(targets.get(0));
    }

    private Path upstreamFile(String target) {
        return runDir.resolve("nginx/conf/upstreams/" + target + ".conf");
    }

    /** The stack's nginx, to test or reload its configuration as an operator would. */
    public LocalNginx nginx() {
        return nginx;
    }

    public String lbUrl() {
        return "http://127.0.0.1:" + lbPort + "/";
    }

    /** Where the load balancer serves {@code target}: {@code /t/NAME/} with several targets, {@code /} with one. */
    public String lbUrl(String target) {
        return targets.size() == 1 ? lbUrl() : lbUrl() + "t/" + target + "/";
    }

    public String redisUrl() {
        return redisUrl;
    }

    public Map<String, Integer> opsPorts() {
        return opsPorts;
    }

    public RedisBus bus() {
        return bus;
    }

    public Path runDir() {
        return runDir;
    }

    public List<ReplicaRecord> registry() {
        return registry(targets.get(0));
    }

    public List<ReplicaRecord> registry(String target) {
        return bus.redis().hgetall(bus.keys().registry(target)).values().stream()
                .map(j -> Json.read(j, ReplicaRecord.class)).toList();
    }

    public int readyReplicas() {
        return readyReplicas(targets.get(0));
    }

    public int readyReplicas(String target) {
        return (int) registry(target).stream().filter(r -> r.state() == ReplicaSet.State.ready).count();
    }

    public void awaitReady(int n, double seconds) throws InterruptedException {
        awaitReady(targets.get(0), n, seconds);
    }

    public void awaitReady(String target, int n, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (readyReplicas(target) >= n) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException(n + " ready replica(s) of " + target + " expected within " + seconds + " s; have "
                + readyReplicas(target) + " (see " + procs.logFile("executor") + ")");
    }

    /**
     * Waits until the executor has run {@code more} reconciles after this call (its {@code /health} counts them): time
     * in which nothing should change, measured in the executor's own periods rather than a guess in seconds.
     */
    public void awaitReconciles(int more, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long from = -1;
        for (long n = executorReconciles(); from < 0 || n < from + more; n = executorReconciles()) {
            if (from < 0) from = n; // -1 until a just-started executor answers
            if (System.nanoTime() > deadline) throw new IllegalStateException(more + " reconciles expected within " + seconds
                    + " s (see " + procs.logFile("executor") + ")");
            Thread.sleep(100);
        }
    }

    /** Reconciles the executor has run, from its {@code /health}; -1 while it does not answer. */
    private long executorReconciles() throws InterruptedException {
        try {
            var rsp = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPorts.get("executor") + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.MAPPER.readTree(rsp.body()).path("reconciles").asLong(-1);
        } catch (IOException notYet) {
            return -1;
        }
    }

    /** Replica processes of this stack's (first) target found on the machine, whatever the registry says. */
    public List<ReplicaRecord> replicaProcesses() {
        String scope = ReplicaScope.of(RedisSettings.from(new Env(env())));
        return new ProcessBackend(scope, List.of(), Map.of(), 0, runDir, java.util.Set::of).discover(targets.get(0));
    }

    @Override
    public void close() {
        for (String s : List.of("planner", "monitor", "executor")) procs.stop(s);
        // replicas outlive the executor on purpose (adoption); the stack owns them, so stop them here
        if (redisUrl != null) {
            String scope = ReplicaScope.of(RedisSettings.from(new Env(env())));
            ProcessBackend backend = new ProcessBackend(scope, List.of(), Map.of(), 0, runDir, java.util.Set::of);
            for (String t : targets) {
                for (ReplicaRecord r : backend.discover(t)) backend.stop(r, Duration.ofSeconds(5));
            }
        }
        procs.stop("watcher");
        procs.stop("nginx");
        if (bus != null) bus.close();
        if (ownRedis) procs.stop("redis");
        procs.close();
    }
}
