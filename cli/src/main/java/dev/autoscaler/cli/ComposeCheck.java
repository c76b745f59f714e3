package dev.autoscaler.cli;

import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import dev.autoscaler.watcher.NginxConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The compose smoke check: brings {@code docker-compose.yml} up under a project name of its own, on free loopback
 * ports, drives a step load through {@code lb}, watches the app's duplicates rise and fall, and checks that
 * {@code down} leaves no container, network or volume of the project behind. The stack is taken down whatever happens.
 */
public final class ComposeCheck {
    /** What the check saw; {@link #passed()} says whether every part held. */
    public record Report(Map<String, Object> facts, List<String> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    private final Path root;
    private final String tag;
    private final List<String> compose;
    private final String project = "autoscaler-check-" + ProcessHandle.current().pid();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    /**
     * @param root the repository (docker-compose.yml, nginx/, docker/)
     * @param tag  the images' tag: autoscaler, autoscaler-app, autoscaler-redis and autoscaler-nginx
     */
    public ComposeCheck(Path root, String tag) throws IOException, InterruptedException {
        this.root = root;
        this.tag = tag;
        this.compose = composeCommand();
    }

    /** {@code docker compose} (v2) where the plugin answers, else Debian's {@code docker-compose}. */
    static List<String> composeCommand() throws IOException, InterruptedException {
        if (run(List.of("docker", "compose", "version"), Map.of(), 30).code() == 0) return List.of("docker", "compose");
        if (run(List.of("docker-compose", "version"), Map.of(), 30).code() == 0) return List.of("docker-compose");
        throw new IOException("neither `docker compose` nor `docker-compose` runs here (apt-get install docker-compose)");
    }

    public Report run() throws Exception {
        facts.put("compose", String.join(" ", compose));
        facts.put("project", project);
        Map<String, String> env = stackEnv();
        Path listenConf = Path.of(env.get("LB_LISTEN_CONF"));
        try {
            long t0 = System.nanoTime();
            Cmd up = compose(env, 300, "up", "-d");
            if (up.code() != 0) {
                failures.add("compose up failed: " + up.tail());
                return report();
            }
            String lb = "http://127.0.0.1:" + env.get("LB_PORT") + "/";
            if (!awaitOk(lb, 120)) {
                failures.add("lb did not answer 200 within 120 s");
                return report();
            }
            facts.put("up_to_lb_serving_sec", seconds(t0));
            String anonymous = unauthenticatedPing(Integer.parseInt(env.get("REDIS_PORT")));
            facts.put("redis_without_a_user", anonymous);
            if (!anonymous.startsWith("-NOAUTH")) failures.add("Redis served a connection without a user: " + anonymous);
            stepLoad(lb);
        } finally {
            if (!failures.isEmpty()) facts.put("logs", compose(env, 60, "logs", "--tail", "20").tail(80));
            down(env);
            Files.deleteIfExists(listenConf);
        }
        return report();
    }

    /** What Redis answers a PING from a connection that never authenticated: NOAUTH where the ACLs are on. */
    public static String unauthenticatedPing(int port) {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return line == null ? "(no answer)" : line;
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private Report report() {
        return new Report(facts, failures);
    }

    /** The compose variables: this run's images, free ports, and planner settings that make a short check. */
    private Map<String, String> stackEnv() throws IOException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("COMPOSE_PROJECT_NAME", project);
        env.put("STACK", project);
        env.put("AUTOSCALER_IMAGE", "autoscaler:" + tag);
        env.put("APP_IMAGE", "autoscaler-app:" + tag);
        env.put("REDIS_IMAGE", "autoscaler-redis:" + tag);
        env.put("NGINX_IMAGE", "autoscaler-nginx:" + tag);
        int lbPort = Ports.free();
        Path listen = Files.createTempFile("compose-check-listen", ".conf");
        Files.writeString(listen, NginxConfig.listen(lbPort));
        listen.toFile().setReadable(true, false);
        env.put("LB_PORT", String.valueOf(lbPort));
        env.put("LB_LISTEN_CONF", listen.toString());
        env.put("REDIS_PORT", String.valueOf(Ports.free()));
        env.put("DASHBOARD_PORT", String.valueOf(Ports.free()));
        env.put("APP_PORT", String.valueOf(Ports.free()));
        // below the ephemeral range, where the load's own connections take their ports
        env.put("APP_PORT_BASE", String.valueOf(20000 + (int) (ProcessHandle.current().pid() % 40) * 200));
        Map.of("MAX_REPLICAS", "4", "SAMPLE_INTERVAL", "1", "RECONCILE_SEC", "1", "COOLDOWN_SEC", "4",
                "DOWN_STABILIZATION_SEC", "10", "DRAIN_SEC", "3", "RESYNC_SEC", "2").forEach(env::putIfAbsent);
        return env;
    }

    /** 40 rps, then 320 (more than one replica serves), then nothing: duplicates rise, then fall back to one. */
    private void stepLoad(String lb) throws Exception {
        facts.put("duplicates_before", duplicates());
        ExecutorService loader = Executors.newSingleThreadExecutor();
        try {
            Future<LoadReport> load = loader.submit(() -> new LoadGenerator(LoadGenerator.Config.bounded(URI.create(lb),
                    new RateShape.Trace(new double[] {0, 8}, new double[] {40, 320}, 1, 1), 40)).run(null));
            int peak = 0;
            long t0 = System.nanoTime();
            while (!load.isDone()) {
                int n = duplicates();
                if (n > peak) {
                    peak = n;
                    facts.put("seconds_to_peak", seconds(t0));
                }
                Thread.sleep(500);
            }
            LoadReport r = load.get();
            facts.put("load", Map.of("sent", r.sent(), "ok", r.ok(), "failed", r.failed(), "p95_ms", r.p95Ms()));
            facts.put("duplicates_peak", peak);
            if (peak < 2) failures.add("duplicates did not rise under 320 rps (peak " + peak + ")");
            long t1 = System.nanoTime();
            int n = duplicates();
            while (n > 1 && System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(1000);
                n = duplicates();
            }
            facts.put("duplicates_after_load", n);
            facts.put("seconds_to_fall", seconds(t1));
            if (n != 1) failures.add("duplicates did not fall back to 1 within 120 s after the load (" + n + ")");
        } finally {
            loader.shutdownNow();
        }
    }

    private int duplicates() throws IOException, InterruptedException {
        return lines(List.of("docker", "ps", "-q", "--filter", "label=com.docker.compose.project=" + project,
                "--filter", "label=autoscaler.replica.target=app")).size();
    }

    /** {@code down -v --remove-orphans}, then nothing of the project may remain. */
    private void down(Map<String, String> env) throws IOException, InterruptedException {
        Cmd down = compose(env, 300, "down", "-v", "--remove-orphans", "--timeout", "10");
        if (down.code() != 0) failures.add("compose down failed: " + down.tail());
        String label = "label=com.docker.compose.project=" + project;
        Map<String, Object> left = new LinkedHashMap<>();
        left.put("containers", lines(List.of("docker", "ps", "-aq", "--filter", label)));
        left.put("networks", lines(List.of("docker", "network", "ls", "-q", "--filter", label)));
        left.put("volumes", lines(List.of("docker", "volume", "ls", "-q", "--filter", label)));
        facts.put("left_after_down", left);
        left.forEach((kind, ids) -> {
            if (!((List<?>) ids).isEmpty()) failures.add("down left " + kind + " behind: " + ids);
        });
    }

    private Cmd compose(Map<String, String> env, int timeoutSec, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(compose);
        cmd.addAll(List.of("-p", project, "-f", root.resolve("docker-compose.yml").toString()));
        cmd.addAll(List.of(args));
        return run(cmd, env, timeoutSec);
    }

    private static boolean awaitOk(String url, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        var http = java.net.http.HttpClient.newBuilder().proxy(java.net.http.HttpClient.Builder.NO_PROXY)
                .connectTimeout(java.time.Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            try {
                var rsp = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(5)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                if (rsp.statusCode() == 200) return true;
            } catch (IOException notYet) {
                // lb not listening yet
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e8) / 10.0;
    }

    record Cmd(int code, String output) {
        String tail() {
            return tail(15);
        }

        String tail(int n) {
            List<String> l = output.lines().toList();
            return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
        }
    }

    private static List<String> lines(List<String> cmd) throws IOException, InterruptedException {
        Cmd c = run(cmd, Map.of(), 60);
        if (c.code() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + c.tail());
        return c.output().lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static Cmd run(List<String> cmd, Map<String, String> env, int timeoutSec) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Cmd(127, e.getMessage());
        }
        try (ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> out = reader.submit(() -> new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Cmd(124, String.join(" ", cmd) + " timed out after " + timeoutSec + " s");
            }
            try {
                return new Cmd(p.exitValue(), out.get(10, TimeUnit.SECONDS));
            } catch (Exception e) {
                return new Cmd(p.exitValue(), "");
            }
        }
    }
}
