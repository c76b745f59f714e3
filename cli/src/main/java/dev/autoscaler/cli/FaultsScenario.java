package dev.autoscaler.cli;

import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.cli.FaultAnalysis.PlanSeen;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.executor.backend.ReplicaRecord;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import dev.autoscaler.testkit.llm.FakeLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code bench faults}: the real pipeline (local processes, as {@code demo}) under a steady load at a settled count,
 * each fault injected in turn, judged by {@link FaultAnalysis}. Faults that need a stack of their own kind share one:
 * {@code plain}, {@code aof} (Redis with an append-only file) and {@code llm} (the planner asks a fake Gemini server in
 * the decide role). Before each fault the stack is recovered (what went down is started again) and the count must
 * settle; then {@link #PRE_SEC} of load, the fault, and {@link #OBSERVE_SEC} after what it broke is back.
 */
final class FaultsScenario {
    /** One fault: its name on the command line, the kind of stack it needs, and what it does. */
    /** {@code stack}: plain, aof (Redis with an append-only file), llm (the fake LLM in the decide role), scaleup (a fresh plain stack each). */
    record Fault(String name, String stack, String what) {}

    static final List<Fault> FAULTS = List.of(
            new Fault("redis-kill-3s", "plain", "SIGKILL redis-server, a new one (no persistence) on the same port after 3 s"),
            new Fault("redis-kill-30s", "plain", "SIGKILL redis-server, a new one (no persistence) on the same port after 30 s"),
            new Fault("monitor-kill", "plain", "SIGKILL the monitor, started again after 3 s"),
            new Fault("planner-kill", "plain", "SIGKILL the planner, started again after 3 s"),
            new Fault("executor-kill", "plain", "SIGKILL the executor, started again after 3 s"),
            new Fault("watcher-kill", "plain", "SIGKILL the watcher, started again after 3 s"),
            new Fault("planner-kill-scaleup", "scaleup", "a step to 1.6x the load; SIGKILL the planner at its first scale-up plan, started again after 3 s"),
            new Fault("executor-kill-starting", "scaleup", "a step to 1.6x the load; SIGKILL the executor while a replica is starting, started again after 3 s"),
            new Fault("replica-kill", "plain", "SIGKILL one ready app replica"),
            new Fault("nginx-conf-broken", "plain", "garbage over the watcher's upstream file, then nginx told to reload"),
            new Fault("second-planner", "plain", "a second planner for 30 s, then SIGKILL the first"),
            new Fault("flood", "plain", "10,000 malformed messages a second and one 1 MiB message per channel a second, on every channel, for 30 s"),
            new Fault("redis-kill-3s-aof", "aof", "SIGKILL redis-server (appendonly yes), a new one on the same files after 3 s"),
            new Fault("redis-kill-30s-aof", "aof", "SIGKILL redis-server (appendonly yes), a new one on the same files after 30 s"),
            new Fault("llm-hang", "llm", "the LLM (decide role) never answers, for 60 s"),
            new Fault("llm-429", "llm", "the LLM answers 429 RESOURCE_EXHAUSTED (Retry-After 30) to everything, for 60 s"),
            new Fault("llm-garbage", "llm", "the LLM answers garbage (prose, broken JSON, a scale to 0 at confidence 1, an unknown action), for 60 s"));

    static final double PRE_SEC = 10;
    static final double OBSERVE_SEC = 40;
    /** How long the count must hold still (desired = registry = answering) to count as settled. */
    static final double QUIET_SEC = 10;
    /** A supervisor's restart delay: a killed service is started again after it. */
    static final double RESTART_AFTER_SEC = 3;
    static final double STEP_FACTOR = 1.6;
    /**
     * The scale-up faults' step is at least this much above what the settled count serves at the planner's own planned
     * rate: a count settled high (an earlier fault's scale-up not yet undone) must still be made to scale up.
     */
    static final double STEP_OVER_PLAN = 1.3;
    /** ...but at most this many times the steady load: beyond it the 2-core machine, not the fault, would be measured. */
    static final double STEP_MAX_FACTOR = 2.5;
    /** The first load rises to --rps over this long. */
    static final double RAMP_SEC = 90;
    static final double LLM_FAULT_SEC = 60;
    static final double OVERLAP_SEC = 30;
    static final double FLOOD_SEC = 30;
    static final int FLOOD_PER_SEC = 10_000;
    static final String LLM_KEY = "bench-fake-key";
    private static final String GOOD_ADVICE = "{\"action\":\"noop\",\"confidence\":0.9,\"reasoning\":\"steady\"}";

    /**
     * @param faults    the faults to run, in catalogue order
     * @param rps       the steady load
     * @param settleSec the longest wait for a settled count before each fault
     * @param keepDirs  keep each stack's run directory
     */
    record Options(List<String> faults, double rps, double settleSec, boolean keepDirs) {}

    private final Map<String, String> env;
    private final Options o;
    private volatile FaultStack current;
    /** What each injection reported (whom it killed, what the flood achieved), for --json. */
    private final Map<String, String> notes = new LinkedHashMap<>();

    FaultsScenario(Map<String, String> env, Options o) {
        this.env = env;
        this.o = o;
    }

    static List<String> names() {
        return FAULTS.stream().map(Fault::name).toList();
    }

    /** Stops whatever stack is running (for a shutdown hook). */
    void abort() {
        FaultStack s = current;
        if (s != null) s.close();
    }

    Map<String, Object> run() throws Exception {
        List<FaultAnalysis.Result> results = new ArrayList<>();
        List<String> unfinished = new ArrayList<>();
        for (String kind : List.of("plain", "aof", "llm")) {
            List<Fault> todo = FAULTS.stream().filter(f -> f.stack().equals(kind) && o.faults().contains(f.name())).toList();
            if (!todo.isEmpty()) runStack(kind, todo, results, unfinished);
        }
        // each scale-up fault on a stack of its own: after a step the planner remembers the burst and holds the count up
        // (to MAX_REPLICAS after a 2x step), which would leave the next scale-up fault nothing to scale up to
        for (Fault f : FAULTS) {
            if (f.stack().equals("scaleup") && o.faults().contains(f.name())) runStack("scaleup", List.of(f), results, unfinished);
        }
        say("");
        say("faults: %.0f rps steady, SLO %s ms, window %s s; one row per fault:", o.rps(), env.get("SLO_P95_MS"), env.get("SAMPLE_INTERVAL"));
        for (String l : FaultAnalysis.table(results)) say("%s", l);
        for (String u : unfinished) say("- did not finish: %s", u);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("settings", env);
        out.put("rps", o.rps());
        out.put("faults", results.stream().map(r -> {
            Map<String, Object> m = FaultAnalysis.toMap(r);
            m.put("note", notes.get(r.spec().fault()));
            return m;
        }).toList());
        if (!unfinished.isEmpty()) out.put("did_not_finish", unfinished);
        return out;
    }

    /** The faults of one kind on one stack; a fault that breaks the stack beyond recovery gets the rest a fresh one. */
    private void runStack(String kind, List<Fault> todo, List<FaultAnalysis.Result> results, List<String> unfinished) throws Exception {
        int next = 0;
        while (next < todo.size()) {
            Path dir = Files.createTempDirectory("bench-faults-" + kind);
            say("");
            say("faults: a %s stack in %s; a ramp to %.0f rps over %.0f s, held until the count settles", kind, dir, o.rps(), RAMP_SEC);
            try (FakeGeminiServer fake = new FakeGeminiServer(LLM_KEY)) {
                fake.defaultReply(FakeGeminiServer.advice(GOOD_ADVICE));
                Map<String, String> stackEnv = new LinkedHashMap<>(env);
                if (kind.equals("llm")) stackEnv.putAll(llmEnv(fake));
                try (FaultStack fs = new FaultStack(dir, stackEnv, kind.equals("aof"))) {
                    current = fs;
                    try {
                        fs.start().begin();
                    } catch (Exception e) {
                        say("  the %s stack did not start: %s", kind, e.getMessage());
                        for (; next < todo.size(); next++) unfinished.add(todo.get(next).name() + ": the stack did not start: " + e.getMessage());
                        return;
                    }
                    // a ramp, not a step from cold: a cold replica's overload teaches the planner a rate far below what
                    // one serves, and the count would settle at MAX_REPLICAS with no room for the scale-up faults
                    fs.startLoad(new RateShape.Ramp(o.rps() / 4, o.rps(), RAMP_SEC), 1e6);
                    Thread.sleep((long) (RAMP_SEC * 1000)); // the ramp's length: no count is settled while the load still rises
                    for (; next < todo.size(); next++) {
                        Fault f = todo.get(next);
                        try {
                            results.add(runFault(fs, f, fake));
                        } catch (NotInjected e) {
                            say("  %s was not run: %s", f.name(), e.getMessage());
                            unfinished.add(f.name() + ": not run: " + e.getMessage());
                        } catch (Exception e) {
                            say("  %s did not finish: %s", f.name(), e);
                            unfinished.add(f.name() + ": " + e.getMessage());
                            next++;
                            break; // the stack may be broken: the rest on a fresh one
                        }
                    }
                } finally {
                    current = null;
                }
            }
            if (!o.keepDirs()) ProcessSupervisor.deleteTree(dir);
        }
    }

    private static Map<String, String> llmEnv(FakeGeminiServer fake) {
        return Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", LLM_KEY, "LLM_BASE_URL", fake.baseUrl(), "LLM_ROLE", "decide",
                "LLM_RPM", "12", "LLM_HEARTBEAT_SEC", "4");
    }

    private FaultAnalysis.Result runFault(FaultStack fs, Fault f, FakeGeminiServer fake) throws Exception {
        say("");
        say("fault %s: %s", f.name(), f.what());
        List<String> restarted = fs.restartWhatIsDown();
        if (!restarted.isEmpty()) say("  started again before it: %s", restarted);
        int settled = fs.awaitSettled(QUIET_SEC, o.settleSec());
        if (settled > 0) say("  settled at %d replica(s)", settled);
        else say("  the count did not settle within %.0f s; going on", o.settleSec());
        boolean step = f.name().equals("planner-kill-scaleup") || f.name().equals("executor-kill-starting");
        double stepRps = step ? stepRps(fs, settled) : o.rps();
        if (step) say("  the step: %.0f -> %.0f rps", o.rps(), stepRps);
        fs.startLoad(step ? new RateShape.Step(o.rps(), stepRps, PRE_SEC) : new RateShape.Constant(o.rps()), 1e6);
        double loadFrom = fs.rec.now();
        Thread.sleep((long) (PRE_SEC * 1000)); // the load before the fault: a measured period, not a wait for a condition
        Injected in = inject(fs, f.name(), fake);
        notes.put(f.name(), in.note());
        if (!in.injected()) {
            fs.stopLoad();
            fs.startLoad(new RateShape.Constant(o.rps()), 1e6);
            throw new NotInjected(in.note());
        }
        double end = in.back() + OBSERVE_SEC;
        Double restoredAt = observe(fs, end, f.name().equals("nginx-conf-broken"));
        LoadReport load = fs.stopLoad();
        fs.startLoad(new RateShape.Constant(o.rps()), 1e6); // the steady load goes on while this fault is put away
        FaultAnalysis.Result r = FaultAnalysis.analyze(spec(fs, f, in, end), observed(fs, f.name(), in, load, loadFrom, end, restoredAt));
        print(r, in);
        putAway(fs, f.name(), fake);
        return r;
    }

    /**
     * The scale-up faults' load: STEP_FACTOR × the steady load, or more where the settled count would serve that at the
     * rate the planner plans (its last plan's per-replica rps), so the planner is sure to scale up; at most
     * STEP_MAX_FACTOR × the steady load.
     */
    private double stepRps(FaultStack fs, int settled) {
        List<Plan> plans = fs.rec.allPlans();
        Plan last = plans.isEmpty() ? null : plans.get(plans.size() - 1);
        Double plan = last == null || last.telemetry() == null ? null : last.telemetry().perReplicaRps();
        double byPlan = plan == null || settled <= 0 ? 0 : STEP_OVER_PLAN * settled * plan;
        return Math.min(STEP_MAX_FACTOR * o.rps(), Math.max(STEP_FACTOR * o.rps(), byPlan));
    }

    /** A fault whose moment never came (no scale-up to kill the planner in): reported as not run, never as a pass. */
    private static final class NotInjected extends Exception {
        NotInjected(String why) {
            super(why);
        }
    }

    /**
     * What an injection did. {@code countTarget} -1: the count before; {@code allowedFailures}: a killed replica's
     * requests in flight; {@code rssBefore}: for the flood; {@code two}: the second planner's run.
     */
    private record Injected(double start, double back, int countTarget, long allowedFailures, boolean replicaKilled,
                            Map<String, Long> rssBefore, FaultAnalysis.TwoPlanners two, String note, boolean injected) {
        Injected(double start, double back, int countTarget, long allowedFailures, boolean replicaKilled,
                 Map<String, Long> rssBefore, FaultAnalysis.TwoPlanners two, String note) {
            this(start, back, countTarget, allowedFailures, replicaKilled, rssBefore, two, note, true);
        }

        static Injected at(double start, double back, String note) {
            return new Injected(start, back, -1, 0, false, null, null, note);
        }

        static Injected notRun(FaultStack fs, String why) {
            return new Injected(fs.rec.now(), fs.rec.now(), -1, 0, false, null, null, why, false);
        }
    }

    private Injected inject(FaultStack fs, String name, FakeGeminiServer fake) throws Exception {
        return switch (name) {
            case "redis-kill-3s", "redis-kill-3s-aof" -> redisKill(fs, 3);
            case "redis-kill-30s", "redis-kill-30s-aof" -> redisKill(fs, 30);
            case "monitor-kill", "planner-kill", "executor-kill", "watcher-kill" -> serviceKill(fs, name.substring(0, name.indexOf('-')), -1, null);
            case "planner-kill-scaleup" -> plannerKillInScaleUp(fs);
            case "executor-kill-starting" -> executorKillWhileStarting(fs);
            case "replica-kill" -> replicaKill(fs);
            case "nginx-conf-broken" -> breakNginxConf(fs);
            case "second-planner" -> secondPlanner(fs);
            case "flood" -> flood(fs);
            case "llm-hang", "llm-429", "llm-garbage" -> llmFault(fs, name, fake);
            default -> throw new IllegalArgumentException("unknown fault " + name);
        };
    }

    private static Injected redisKill(FaultStack fs, double downSec) throws Exception {
        double start = fs.rec.now();
        fs.stack.killRedis();
        Thread.sleep((long) (downSec * 1000)); // the fault's length
        fs.stack.startRedisAgain();
        return Injected.at(start, fs.rec.now(), null);
    }

    /** SIGKILL, then the service started again after {@link #RESTART_AFTER_SEC}; back once it answers /health. */
    private static Injected serviceKill(FaultStack fs, String service, int countTarget, String note) throws Exception {
        double start = fs.rec.now();
        fs.stack.killService(service);
        Thread.sleep((long) (RESTART_AFTER_SEC * 1000)); // a supervisor's restart delay
        fs.stack.startService(service);
        fs.awaitHealthy(service, 60);
        return new Injected(start, fs.rec.now(), countTarget, 0, false, null, null, note);
    }

    private static Injected plannerKillInScaleUp(FaultStack fs) throws Exception {
        double stepAt = fs.rec.now();
        Plan up = null;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (up == null && System.nanoTime() < deadline) {
            up = fs.rec.allPlans().stream().filter(p -> fs.rec.at(p.ts()) >= stepAt && p.decision().action() == Plan.Action.scale_up)
                    .findFirst().orElse(null);
            if (up == null) Thread.sleep(50);
        }
        if (up == null) return Injected.notRun(fs, "no scale-up plan within 60 s of the step: the planner was not killed");
        int target = up.decision().targetReplicas();
        return serviceKill(fs, "planner", target, "killed at its scale-up plan to " + target);
    }

    private static Injected executorKillWhileStarting(FaultStack fs) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (fs.stack.registry().stream().noneMatch(r -> r.state() == ReplicaSet.State.starting)) {
            if (System.nanoTime() > deadline) return Injected.notRun(fs, "no replica started within 60 s of the step: the executor was not killed");
            Thread.sleep(20);
        }
        String desired = fs.stack.bus().redis().hget(fs.stack.bus().keys().desired(LocalStack.TARGET), "replicas");
        int target = desired == null ? -1 : Integer.parseInt(desired);
        return serviceKill(fs, "executor", target, "killed with a replica starting, desired " + desired);
    }

    private static Injected replicaKill(FaultStack fs) throws Exception {
        ReplicaRecord victim = fs.stack.registry().stream().filter(r -> r.state() == ReplicaSet.State.ready)
                .findFirst().orElseThrow(() -> new IllegalStateException("no ready replica to kill"));
        long inFlight = inFlight(victim.address());
        double at = fs.rec.now();
        ProcessHandle.of(Long.parseLong(victim.handle())).ifPresent(ProcessHandle::destroyForcibly);
        return new Injected(at, at, -1, inFlight, true, null, null, victim.id() + " killed with " + inFlight + " request(s) in its workers and queue");
    }

    /** A replica's busy workers plus its queue, from its /health: what its death may fail. */
    private static long inFlight(String address) {
        try {
            var rsp = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build().send(
                    HttpRequest.newBuilder(URI.create("http://" + address + "/health")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            var body = Json.MAPPER.readTree(rsp.body());
            return body.path("busy").asLong(0) + body.path("queued").asLong(0);
        } catch (Exception e) {
            return 0;
        }
    }

    private static Injected breakNginxConf(FaultStack fs) throws Exception {
        double at = fs.rec.now();
        Files.writeString(fs.stack.upstreamFile(), "upstream app_pool { this is not nginx; }}} garbage\n");
        var reload = fs.stack.nginx().reload();
        String how = "nginx -s reload " + (reload.ok() ? "succeeded" : "refused it");
        if (!reload.ok()) {
            // an outside hand that insists: HUP to the master, which then fails to load it and keeps the old config
            new ProcessBuilder("kill", "-HUP", String.valueOf(fs.stack.process("nginx").pid())).start().waitFor();
            how += "; sent SIGHUP to the master";
        }
        return Injected.at(at, at, how);
    }

    private Injected secondPlanner(FaultStack fs) throws Exception {
        double from = fs.rec.now();
        fs.stack.startService("planner-2", "planner");
        fs.awaitHealthy("planner-2", 60);
        Thread.sleep((long) (OVERLAP_SEC * 1000)); // both planners against one Redis: a measured period
        String roles = "planner " + fs.plannerRole("planner") + ", planner-2 " + fs.plannerRole("planner-2");
        double killAt = fs.rec.now();
        fs.stack.killService("planner");
        double lease = Double.parseDouble(env.getOrDefault("PLANNER_LEASE_SEC", "10"));
        return new Injected(from, killAt, -1, 0, false, null, new FaultAnalysis.TwoPlanners(from, killAt, lease, roles), roles);
    }

    private static Injected flood(FaultStack fs) throws Exception {
        Map<String, Long> before = rssMib(fs.stack);
        double start = fs.rec.now();
        BusFlood.Stats st;
        try (RedisBus bus = new RedisBus(RedisSettings.from(new Env(fs.stack.adminEnv())), new SimpleMeterRegistry())) {
            st = BusFlood.run(bus, FLOOD_PER_SEC, FLOOD_SEC);
        }
        String note = String.format(Locale.ROOT, "published %d small (%.0f a second) and %d of 1 MiB in %.0f s; %d publishes failed", st.small(),
                st.small() / st.seconds(), st.big(), st.seconds(), st.errors());
        return new Injected(start, fs.rec.now(), -1, 0, false, before, null, note);
    }

    private static Injected llmFault(FaultStack fs, String name, FakeGeminiServer fake) throws Exception {
        double start = fs.rec.now();
        int before = fake.requestCount();
        if (name.equals("llm-hang")) fake.defaultReply(FakeLlmServer.hang());
        if (name.equals("llm-429")) fake.defaultReply(FakeGeminiServer.error(429, "RESOURCE_EXHAUSTED", 30));
        long end = System.nanoTime() + (long) (LLM_FAULT_SEC * 1e9);
        List<FakeLlmServer.Reply> garbage = List.of(FakeGeminiServer.advice("I think you should scale to 1000 replicas, trust me."),
                FakeGeminiServer.advice("{\"action\":\"scale_down\",\"target_replicas\":0,\"confidence\":1.0,\"reasoning\":\"ignore the SLO\"}"),
                FakeLlmServer.raw(200, "<html>upstream error</html>"), FakeGeminiServer.truncated("{\"action\":\"scale_up\",\"target"),
                FakeGeminiServer.advice("{\"action\":\"explode\",\"target_replicas\":-3,\"confidence\":7}"));
        for (int i = 0; System.nanoTime() < end; i++) {
            if (name.equals("llm-garbage")) fake.defaultReply(garbage.get(i % garbage.size()));
            Thread.sleep(1000); // the fault's length, in steps that rotate the garbage
        }
        fake.defaultReply(FakeGeminiServer.advice(GOOD_ADVICE));
        return Injected.at(start, fs.rec.now(), (fake.requestCount() - before) + " call(s) reached the fake during the fault");
    }

    /** Waits out the observation; with {@code watchFile}, also notes when the upstream file was sound again. */
    private static Double observe(FaultStack fs, double end, boolean watchFile) throws Exception {
        Double restoredAt = null;
        while (fs.rec.now() < end) {
            if (watchFile && restoredAt == null && upstreamFileSound(fs.stack)) restoredAt = fs.rec.now();
            Thread.sleep(200); // the observation's length; the file is polled meanwhile
        }
        return restoredAt;
    }

    private static boolean upstreamFileSound(LocalStack stack) {
        try {
            String text = Files.readString(stack.upstreamFile());
            return !text.contains("garbage") && text.contains("server 127.0.0.1:");
        } catch (Exception e) {
            return false;
        }
    }

    private FaultAnalysis.Spec spec(FaultStack fs, Fault f, Injected in, double end) {
        int before = FaultAnalysis.countAt(fs.live(), in.start());
        int target = in.countTarget() > 0 ? in.countTarget() : before;
        return new FaultAnalysis.Spec(f.name(), in.start(), in.back(), end, before, target, Double.parseDouble(env.get("SLO_P95_MS")),
                Double.parseDouble(env.get("SAMPLE_INTERVAL")), in.replicaKilled(), f.stack().equals("llm"));
    }

    private static FaultAnalysis.Observed observed(FaultStack fs, String name, Injected in, LoadReport load, double loadFrom, double end,
                                                   Double restoredAt) {
        List<PlanSeen> plans = fs.rec.allPlans().stream().map(p -> new PlanSeen(fs.rec.at(p.ts()), p.telemetry() != null
                && "count unknown".equals(p.telemetry().guardrail()), p.decision().targetReplicas(), p.decision().source())).toList();
        List<FaultAnalysis.Exit> exits = fs.exits().stream().filter(e -> e.t() >= loadFrom && e.t() <= end).toList();
        boolean conf = name.equals("nginx-conf-broken");
        boolean executor = name.startsWith("executor-kill");
        return new FaultAnalysis.Observed(load.sent(), load.failed(), load.errors(), in.allowedFailures(), fs.live(), fs.seconds(),
                fs.rec.windows(), plans, exits, in.rssBefore(), in.rssBefore() == null ? null : rssMib(fs.stack), in.two(),
                conf ? new FaultAnalysis.Restore(restoredAt == null ? null : PipelineBenchCommand.round(restoredAt - in.start())) : null,
                executor ? strayReplicas(fs.stack) : null);
    }

    /** Replica processes without a registry entry, plus registry entries without a process. */
    static int strayReplicas(LocalStack stack) {
        try {
            Set<String> running = stack.replicaProcesses().stream().map(ReplicaRecord::id).collect(Collectors.toSet());
            Set<String> registered = stack.registry().stream().map(ReplicaRecord::id).collect(Collectors.toSet());
            return (int) (running.stream().filter(id -> !registered.contains(id)).count() + registered.stream().filter(id -> !running.contains(id)).count());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static Map<String, Long> rssMib(LocalStack stack) {
        Map<String, Long> rss = new LinkedHashMap<>();
        for (String s : LocalStack.SERVICES) {
            Process p = stack.process(s);
            rss.put(s, p == null ? -1 : PipelineBenchCommand.rssKb(p.pid()) / 1024);
        }
        return rss;
    }

    /** Puts the stack back as the next fault expects it: one planner, a sound upstream file, an answering LLM. */
    private void putAway(FaultStack fs, String name, FakeGeminiServer fake) throws Exception {
        if (name.equals("second-planner")) {
            fs.stack.startService("planner");
            fs.awaitHealthy("planner", 60);
            fs.stack.stopService("planner-2");
        }
        if (name.equals("nginx-conf-broken") && !upstreamFileSound(fs.stack)) {
            say("  the upstream file is still broken: the watcher is restarted to write it");
            fs.stack.stopService("watcher");
            fs.stack.startService("watcher");
            FaultStack.await(() -> upstreamFileSound(fs.stack), 60, "the watcher rewriting " + fs.stack.upstreamFile());
            fs.stack.nginx().reload();
        }
        fake.defaultReply(FakeGeminiServer.advice(GOOD_ADVICE));
    }

    private static void print(FaultAnalysis.Result r, Injected in) {
        if (in.note() != null) say("  %s", in.note());
        FaultAnalysis.Spec s = r.spec();
        say("  sent %d, failed %d %s; ready %d before, lowest %d; max window p95 %.0f ms, max 1 s p95 %.0f ms; decisions lost %d (held %d)",
                r.seen().sent(), r.seen().failed(), r.seen().errors(), s.before(), r.lowest(), r.maxWindowP95(), r.maxSecondP95(),
                r.decisionsLost(), r.heldPlans());
        for (var v : r.verdicts()) say("  %-4s %s: %s", v.status(), v.target(), v.detail());
    }

    private static void say(String fmt, Object... args) {
        PipelineBenchCommand.say(fmt, args);
    }
}
