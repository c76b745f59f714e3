package dev.autoscaler.cli;

import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code autoscaler demo}: the whole pipeline on 127.0.0.1 with local processes, no Docker. With
 * {@code --load step|spike|trace FILE} it also drives load so the replicas visibly follow it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start Redis, nginx, one app replica and every service on 127.0.0.1; Ctrl-C stops everything.")
public final class DemoCommand implements Callable<Integer> {
    static final Path RUN_DIR = Path.of(System.getProperty("autoscaler.home", ".")).resolve(".run/demo");

    @Option(names = "--load", arity = "1..2", paramLabel = "step|spike|trace [FILE]",
            description = "drive load: 'step' (4x step), 'spike', or 'trace FILE' (a t_seconds,rps CSV squeezed into 3 minutes)")
    List<String> load;

    @Option(names = "--duration", defaultValue = "0", description = "stop by itself after this many seconds (0: run until Ctrl-C)")
    double duration;

    @Option(names = "--tls", description = "Redis speaks TLS only (rediss://), with a CA and certificates made for the run; every service shows a client certificate")
    boolean tls;

    @Option(names = "--peak-rps", defaultValue = "320", description = "peak rate of the demo load (default ${DEFAULT-VALUE})")
    double peakRps;

    @Option(names = "--targets", defaultValue = "1", paramLabel = "N",
            description = "N toy apps (app, app2, ...) behind the one nginx at /t/NAME/, one monitor for all; --load splits "
                    + "its rate among them 1:2:...:N (default ${DEFAULT-VALUE})")
    int targets;

    static final int MAX_TARGETS = 20;

    /** The demo's target names: app, app2, ..., appN. */
    static List<String> targetNames(int n) {
        return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> i == 1 ? LocalStack.TARGET : LocalStack.TARGET + i).toList();
    }

    /** The Redis URL of a demo running from this directory, for {@code status}. */
    static Optional<String> runningDemoRedis() {
        try {
            Path f = RUN_DIR.resolve("redis.url");
            if (!Files.exists(f)) return Optional.empty();
            String url = Files.readString(f).trim();
            int port = URI.create(url).getPort();
            return Ports.answers(port) ? Optional.of(url) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Override
    public Integer call() throws Exception {
        List<RateShape> shapes;
        try {
            if (targets < 1 || targets > MAX_TARGETS) {
                throw new IllegalArgumentException("--targets takes 1 to " + MAX_TARGETS + " (each target runs its own replicas), not " + targets);
            }
            shapes = shapes();
        } catch (Exception e) {
            System.err.println("autoscaler demo: " + e.getMessage());
            return 2;
        }
        String givenRedis = System.getenv("REDIS_URL");
        if (tls && givenRedis != null && !givenRedis.isBlank()) {
            System.err.println("autoscaler demo: --tls starts the demo's own Redis with TLS; with REDIS_URL set, give a rediss:// URL "
                    + "and REDIS_TLS_* instead");
            return 2;
        }
        ProcessSupervisor.deleteTree(RUN_DIR);
        Map<String, String> overrides = new HashMap<>();
        DEFAULTS.forEach((k, v) -> overrides.put(k, System.getenv().getOrDefault(k, v)));
        overrides.put("DASHBOARD_PORT", System.getenv().getOrDefault("DASHBOARD_PORT", String.valueOf(Ports.freePreferring(8090))));
        LocalStack stack = new LocalStack(RUN_DIR, overrides).tls(tls).targets(targetNames(targets));
        String llm;
        try {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.putAll(overrides);
            llm = LlmSettings.from(new Env(env)).describe();
        } catch (ConfigException e) {
            System.err.println("autoscaler demo: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("stopping the demo ...");
            stack.close();
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stack.start();
        } catch (Exception e) {
            System.err.println("autoscaler demo: " + e.getMessage());
            return 1;
        }
        try {
            stack.startService("dashboard");
            Ports.await(Integer.parseInt(overrides.get("DASHBOARD_PORT")), 30, "the dashboard");
        } catch (Exception e) {
            System.err.println("autoscaler demo: the dashboard did not start (" + e.getMessage() + "); see " + stack.logFile("dashboard"));
        }
        Files.writeString(RUN_DIR.resolve("redis.url"), stack.redisUrl());
        if (targets == 1) {
            System.out.println("lb: " + stack.lbUrl());
        } else {
            for (String t : stack.targets()) System.out.println("lb " + t + ": " + stack.lbUrl(t));
        }
        System.out.println("redis: " + stack.redisUrl() + "   (one ACL user per service" + (tls ? ", TLS with certificates in "
                + RUN_DIR.toAbsolutePath().resolve("secrets/tls") : "") + "; as an operator: REDIS_USER=admin REDIS_PASSWORD_FILE="
                + stack.passwordFile(dev.autoscaler.common.bus.RedisAccess.Role.ADMIN) + ")");
        // the dashboard is listed once, by its page (below)
        stack.opsPorts().forEach((name, port) -> { if (!name.equals("dashboard")) System.out.println(name + ": http://127.0.0.1:" + port + "/health"); });
        System.out.println("logs: " + RUN_DIR.toAbsolutePath().resolve("logs"));
        System.out.println("dashboard: http://127.0.0.1:" + overrides.get("DASHBOARD_PORT") + "/   (controls "
                + (System.getenv("ADMIN_TOKEN") == null ? "off: set ADMIN_TOKEN to enable them)" : "on: X-Admin-Token is ADMIN_TOKEN)"));
        System.out.println("llm: " + llm);
        System.out.println("status: ./autoscaler status   (Ctrl-C stops everything)");
        System.out.flush();

        long started = System.nanoTime();
        Thread printer = Thread.ofVirtual().start(() -> printStatus(stack, started));
        if (!shapes.isEmpty()) drive(stack, shapes);
        if (duration > 0) {
            double left = duration - (System.nanoTime() - started) / 1e9;
            if (left > 0) Thread.sleep((long) (left * 1000));
            printer.interrupt();
            System.exit(0); // runs the hook
        }
        stopped.await();
        return 0;
    }

    /** Demo defaults that make scaling visible within minutes; any of them can be overridden from the environment. */
    static final Map<String, String> DEFAULTS = Map.of("SLO_P95_MS", "100", "MAX_REPLICAS", "8", "SAMPLE_INTERVAL", "2",
            "DOWN_STABILIZATION_SEC", "30", "COOLDOWN_SEC", "10", "WORK_MS", "20", "WORKERS", "4", "LLM_HEARTBEAT_SEC", "60");

    /** Runs one load generator per target at once, each with its share of the shape; prints each one's report. */
    private void drive(LocalStack stack, List<RateShape> shapes) throws Exception {
        List<Thread> runs = new java.util.ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            String target = stack.targets().get(i);
            RateShape shape = shapes.get(i);
            double loadSec = Math.min(shape instanceof RateShape.Trace tr ? tr.durationSec() : 180, duration > 0 ? duration : Double.MAX_VALUE);
            runs.add(Thread.ofVirtual().start(() -> {
                LoadReport r;
                try {
                    r = new LoadGenerator(LoadGenerator.Config.bounded(URI.create(stack.lbUrl(target)), shape, loadSec)).run(null);
                } catch (InterruptedException e) {
                    return;
                }
                System.out.printf(Locale.ROOT, "load done%s: sent %d, ok %d, failed %d, p95 %.1f ms%n",
                        shapes.size() == 1 ? "" : " (" + target + ")", r.sent(), r.ok(), r.failed(), r.p95Ms());
            }));
        }
        for (Thread t : runs) t.join();
    }

    /** The load of each target: none without --load; with several targets the rate split 1:2:...:N. */
    private List<RateShape> shapes() throws Exception {
        if (load == null || load.isEmpty()) return List.of();
        List<RateShape> out = new java.util.ArrayList<>();
        double parts = targets * (targets + 1) / 2.0;
        for (int i = 1; i <= targets; i++) out.add(shape(peakRps * i / parts));
        return out;
    }

    private RateShape shape(double peak) throws Exception {
        double base = peak / 4;
        return switch (load.get(0)) {
            case "step" -> new RateShape.Trace(new double[] {0, 20, 100}, new double[] {base, peak, base / 2}, 1, 1);
            case "spike" -> new RateShape.Trace(new double[] {0, 20, 50}, new double[] {base, peak * 1.25, base}, 1, 1);
            case "trace" -> {
                if (load.size() < 2) throw new IllegalArgumentException("--load trace needs a FILE");
                RateShape.Trace raw = RateShape.Trace.read(Path.of(load.get(1)), 1, 1);
                double max = Arrays.stream(raw.rates()).max().orElse(1);
                yield new RateShape.Trace(raw.times(), raw.rates(), 180 / raw.durationSec(), max > 0 ? peak / max : 1);
            }
            default -> throw new IllegalArgumentException("unknown --load " + load.get(0) + " (step, spike or trace FILE)");
        };
    }

    private static void printStatus(LocalStack stack, long started) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(5000);
                for (var s : StatusReader.read(stack.bus())) {
                    System.out.printf(Locale.ROOT, "[%4.0fs] %s desired=%s ready=%d p95=%s rps=%s  %s%n", (System.nanoTime() - started) / 1e9,
                            s.target(), s.desired(), s.ready(), s.p95Ms() == null ? "-" : String.format(Locale.ROOT, "%.1fms", s.p95Ms()),
                            s.rps() == null ? "-" : String.format(Locale.ROOT, "%.0f", s.rps()),
                            s.lastDecision() == null ? "" : s.lastDecision().action() + ": " + s.lastDecision().reason());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Redis going away during shutdown
            }
        }
    }


}
