package dev.autoscaler.cli;

import dev.autoscaler.cli.FaultAnalysis.Exit;
import dev.autoscaler.cli.FaultAnalysis.Live;
import dev.autoscaler.cli.FaultAnalysis.Second;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.executor.backend.ReplicaRecord;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One {@link LocalStack} as {@code bench faults} drives it: the recorder (windows, plans, desired and registry counts),
 * a watch that every second counts the replica processes answering {@code /health} and notes any service that exited
 * on its own (both without Redis, which some faults take away), and the load, run in segments so each fault has its own
 * report. Closing it stops everything it started, also from a shutdown hook.
 */
final class FaultStack implements AutoCloseable {
    /** Processes whose exit without the harness killing them is a failure. */
    static final List<String> WATCHED = List.of("executor", "watcher", "monitor", "planner", "planner-2", "nginx");

    private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(1)).build();

    final LocalStack stack;
    volatile PipelineRecorder rec;
    private final List<Live> live = new CopyOnWriteArrayList<>();
    private final List<Second> seconds = new CopyOnWriteArrayList<>();
    private final List<Exit> exits = new CopyOnWriteArrayList<>();
    private final Set<Process> exitSeen = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
    private volatile Thread watch;
    private final List<AutoCloseable> alsoClose = new ArrayList<>();
    private volatile Segment load;
    private volatile boolean closed;

    /** A stack not yet started: it can be closed (by a shutdown hook, say) from the moment it exists. */
    FaultStack(Path dir, Map<String, String> env, boolean appendOnly) throws java.io.IOException {
        this.stack = new LocalStack(dir, env).appendOnly(appendOnly);
    }

    /** Starts the stack and the recording, from the planner's first decision (t=0). */
    synchronized FaultStack start() throws Exception {
        if (closed) throw new IllegalStateException("closed before it started");
        stack.start();
        rec = new PipelineRecorder(stack);
        return this;
    }

    /** Waits for the planner's first decision, marks t=0 there, and starts watching the replicas and services. */
    void begin() throws InterruptedException {
        rec.begin();
        if (!closed) watch = Thread.ofVirtual().start(this::watchLoop);
    }

    /** Also closed with the stack (a fake LLM server, say). */
    void closeWith(AutoCloseable c) {
        alsoClose.add(c);
    }

    List<Live> live() { return List.copyOf(live); }

    List<Second> seconds() { return List.copyOf(seconds); }

    List<Exit> exits() { return List.copyOf(exits); }

    private void watchLoop() {
        long next = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                live.add(new Live(rec.now(), answeringReplicas()));
                noteExits();
                next += 1_000_000_000L;
                long left = next - System.nanoTime();
                if (left > 0) Thread.sleep(left / 1_000_000); // a sampling period, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // one sample lost (a replica list read while a process went away); the next follows in a second
            }
        }
    }

    /** The stack's replica processes (found on the machine, not in Redis) whose {@code /health} answers 200 within a second. */
    int answeringReplicas() {
        List<CompletableFuture<Boolean>> checks = new ArrayList<>();
        for (ReplicaRecord r : stack.replicaProcesses()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + r.address() + "/health")).timeout(Duration.ofSeconds(1)).build();
            checks.add(HTTP.sendAsync(req, HttpResponse.BodyHandlers.discarding()).thenApply(rsp -> rsp.statusCode() == 200)
                    .exceptionally(e -> false));
        }
        int n = 0;
        for (var c : checks) {
            try {
                if (c.get(2, TimeUnit.SECONDS)) n++;
            } catch (Exception slow) {
                // not answering within the bound counts as not ready
            }
        }
        return n;
    }

    private void noteExits() {
        for (String name : WATCHED) {
            Process p = stack.process(name);
            if (p != null && !p.isAlive() && exitSeen.add(p)) exits.add(new Exit(rec.now(), name, p.exitValue()));
        }
    }

    /** {@code GET /health} of one of the stack's services; null when it does not answer. */
    String health(String service) {
        Integer port = stack.opsPorts().get(service);
        if (port == null) return null;
        try {
            var rsp = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return rsp.statusCode() == 200 ? rsp.body() : null;
        } catch (Exception notUp) {
            return null;
        }
    }

    /** The lease role a planner's {@code /health} reports (active or standby), or "?" when it reports none. */
    String plannerRole(String name) {
        String body = health(name);
        if (body == null) return "down";
        try {
            String role = Json.MAPPER.readTree(body).path("lease").path("role").asText("");
            return role.isEmpty() ? "?" : role;
        } catch (Exception e) {
            return "?";
        }
    }

    void awaitHealthy(String service, double seconds) throws InterruptedException {
        await(() -> health(service) != null, seconds, service + " answering /health (see " + stack.logFile(service) + ")");
    }

    static void await(BooleanSupplier condition, double seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not within " + seconds + " s: " + what);
            Thread.sleep(100);
        }
    }

    /** Starts the load (stopping any before it); its per-second p95 joins {@link #seconds()}. */
    void startLoad(RateShape shape, double maxSec) {
        stopLoad();
        load = new Segment(stack.lbUrl(), shape, maxSec, rec.now(), seconds);
    }

    /** Stops the load and returns its report; null when none ran. */
    LoadReport stopLoad() {
        Segment s = load;
        load = null;
        return s == null ? null : s.stop();
    }

    /**
     * The services the harness did not mean to be down, started again: one that exited in the last fault, or Redis if
     * it is gone. Returns what it restarted.
     */
    List<String> restartWhatIsDown() throws Exception {
        List<String> restarted = new ArrayList<>();
        Process redis = stack.process("redis");
        if (redis == null || !redis.isAlive()) {
            stack.startRedisAgain();
            restarted.add("redis");
        }
        Process nginx = stack.process("nginx");
        if (nginx == null || !nginx.isAlive()) throw new IllegalStateException("nginx is down; see " + stack.logFile("nginx"));
        for (String s : LocalStack.SERVICES) {
            Process p = stack.process(s);
            if (p == null || !p.isAlive()) {
                stack.startService(s);
                restarted.add(s);
            }
        }
        for (String s : restarted) if (!s.equals("redis")) awaitHealthy(s, 60);
        return restarted;
    }

    /**
     * Waits until desired, the registry's ready count and the replicas answering agree and have not changed for
     * {@code quietSec}; returns that count, or -1 if that did not happen within {@code maxSec}.
     */
    int awaitSettled(double quietSec, double maxSec) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (maxSec * 1e9);
        while (System.nanoTime() < deadline) {
            int n = settledCount(quietSec);
            if (n > 0) return n;
            Thread.sleep(500);
        }
        return -1;
    }

    /**
     * The count if it is settled: desired, the registry's ready count and the replicas answering all equal for the last
     * {@code quietSec}, and no plan in that time proposing fewer (a scale-down held back by the stabilisation window
     * would come during the fault and read as its doing).
     */
    private int settledCount(double quietSec) {
        double from = rec.now() - quietSec;
        List<SettleAnalysis.Sample> counts = rec.samples().stream().filter(s -> s.t() >= from).toList();
        List<Live> answering = live.stream().filter(l -> l.t() >= from).toList();
        List<Plan> plans = rec.allPlans().stream().filter(p -> rec.at(p.ts()) >= from).toList();
        if (counts.size() < quietSec * 0.8 || answering.size() < quietSec * 0.8 || plans.size() < 2) return -1;
        int n = counts.get(0).desired();
        boolean agree = counts.stream().allMatch(s -> s.desired() == n && s.ready() == n) && answering.stream().allMatch(l -> l.replicas() == n);
        boolean noneFewer = plans.stream().map(Plan::telemetry).allMatch(t -> t == null || t.recommendedReplicas() == null || t.recommendedReplicas() >= n);
        return agree && noneFewer ? n : -1;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (watch != null) watch.interrupt();
        stopLoad();
        try {
            if (rec != null) rec.stop();
        } catch (InterruptedException | RuntimeException e) {
            // the stack goes anyway
        }
        stack.close();
        for (AutoCloseable c : alsoClose) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: the JVM's own resources
            }
        }
    }

    /** One run of the load generator on a thread of its own, recording its p95 each second. */
    private static final class Segment {
        private final LoadGenerator gen;
        private final Thread thread;
        private volatile LoadReport report;

        Segment(String lb, RateShape shape, double maxSec, double startedAt, List<Second> into) {
            gen = new LoadGenerator(LoadGenerator.Config.bounded(URI.create(lb), shape, maxSec));
            long[] done = {0};
            thread = Thread.ofPlatform().name("faults-load").start(() -> {
                try {
                    report = gen.run(p -> {
                        long completed = p.ok() + p.failed();
                        into.add(new Second(startedAt + p.tSec(), p.p95Ms(), completed - done[0]));
                        done[0] = completed;
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        LoadReport stop() {
            gen.stop();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return report;
        }
    }
}
