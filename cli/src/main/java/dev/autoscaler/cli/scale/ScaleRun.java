package dev.autoscaler.cli.scale;

import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One {@code bench scale} run: a redis-server, P planner processes of this build and one executor in its dry mode
 * ({@code EXECUTOR_BACKEND=dry}: the real reconciler, leases and registry, with nothing started), N targets of two
 * replicas, and synthetic windows published for every target each {@code intervalSec}, open loop, through the real Redis. After a
 * warm-up, for {@code durationSec}: the plans the planners published a second, the time from a target's window to its
 * plan, Redis's commands per plan, and each process's memory and CPU.
 */
final class ScaleRun {

    record Result(int targets, int planners, int redisNodes, double durationSec, double publishedPerSec, double windowsPerSec, double decisionP50Ms,
                  double decisionP99Ms, double redisCmdsPerDecision, Map<String, Double> rssMb, Map<String, Double> cpuCores,
                  long plannerHeapBytesPerTarget, long redisBytesPerTarget, long stateBytesPerTarget, long decidedTwice,
                  Double takeoverSec) {
        String line() {
            return String.format(Locale.ROOT, "targets %d, planners %d, redis nodes %d: %.0f windows/s handled of %.0f published, decision p50 %.2f ms, "
                            + "p99 %.2f ms, %.1f Redis commands per decision; per target: %d bytes of planner heap, %d of Redis memory (%d of it "
                            + "planner state); rss MB %s; cpu cores %s; windows decided twice %d%s",
                    targets, planners, redisNodes, windowsPerSec, publishedPerSec, decisionP50Ms, decisionP99Ms, redisCmdsPerDecision,
                    plannerHeapBytesPerTarget, redisBytesPerTarget, stateBytesPerTarget, rssMb, cpuCores, decidedTwice,
                    takeoverSec == null ? "" : String.format(Locale.ROOT, "; planner-1 killed: every target decided again within %.2f s",
                            takeoverSec));
        }
    }

    private final int targets;
    private final int planners;
    private final double intervalSec;
    private final double durationSec;
    private final Path runDir;

    private final Map<String, String> plannerSettings;
    private final double killAfterSec;
    /** Seconds of windows before measuring: the planners' JIT and first states for every target. */
    private final double warmupSec;
    /** A Redis Cluster of three masters instead of one redis-server. */
    private final boolean cluster;

    /** @param killAfterSec seconds into the measurement to kill planner-1 (SIGKILL); below 0: none */
    ScaleRun(int targets, int planners, double intervalSec, double durationSec, Path runDir, Map<String, String> plannerSettings,
             double killAfterSec, double warmupSec, boolean cluster) {
        this.cluster = cluster;
        this.killAfterSec = killAfterSec;
        this.warmupSec = warmupSec;
        this.plannerSettings = Map.copyOf(plannerSettings);
        this.targets = targets;
        this.planners = planners;
        this.intervalSec = intervalSec;
        this.durationSec = durationSec;
        this.runDir = runDir;
    }

    Result run() throws Exception {
        try (ProcessSupervisor procs = new ProcessSupervisor(runDir.resolve("logs"));
             BenchRedis redis = cluster ? BenchRedis.cluster(runDir.resolve("cluster")) : BenchRedis.single(procs, runDir)) {
            String url = redis.url();
            String[] names = new String[targets];
            for (int t = 0; t < targets; t++) names[t] = "t" + t;
            PlanTally tally = new PlanTally(names);
            try (RedisBus bus = new RedisBus(RedisSettings.from(new Env(Map.of("REDIS_URL", url, "KEY_PREFIX", "autoscaler"))),
                    new SimpleMeterRegistry());
                 BenchRedis.Sender publisher = redis.windows(bus.keys());
                 AutoCloseable plansIn = redis.plans(bus.keys(), names, tally)) {
                Process executor = startExecutor(procs, url, names);
                awaitRegistered(bus, names, procs);
                List<Process> plannerProcs = startPlanners(procs, url);
                // what a planner holds before its first window: the memory per target is what it grows by from here
                long idleHeap = liveHeap(plannerProcs);
                long idleRedis = redis.usedMemory();
                Publisher pub = new Publisher(publisher, names, tally.published, intervalSec);
                Thread pubThread = Thread.ofPlatform().name("scale-publisher").start(pub);
                try {
                    awaitFirstPlans(tally.plans, procs);
                    Thread.sleep((long) (warmupSec * 1000));
                    return measure(procs, bus, redis, plannerProcs, executor, tally, pub, names, idleHeap, idleRedis);
                } finally {
                    pub.stop = true;
                    pubThread.join(5000);
                }
            }
        }
    }

    /** What every process of the run gets: the bench's Redis, and nothing of the operator's shell that would point elsewhere. */
    private static Map<String, String> baseEnv(String url) {
        Map<String, String> env = new HashMap<>();
        System.getenv().keySet().stream().filter(k -> k.startsWith("REDIS_") || k.startsWith("PLANNER_") || k.startsWith("LLM_")
                || k.startsWith("EXECUTOR_") || k.equals("KEY_PREFIX") || k.equals("TARGETS") || k.equals("TARGET")).forEach(k -> env.put(k, null));
        env.putAll(Map.of("REDIS_URL", url, "KEY_PREFIX", "autoscaler", "OPS_HOST", "127.0.0.1", "MIN_REPLICAS", "2", "MAX_REPLICAS", "40"));
        return env;
    }

    /**
     * The executor, dry: it registers every target's two replicas and follows the plans, starting nothing. No watcher
     * reports upstreams here, so a drain does not wait for one.
     */
    private Process startExecutor(ProcessSupervisor procs, String url, String[] names) throws Exception {
        Map<String, String> env = baseEnv(url);
        int ops = Ports.free();
        env.putAll(Map.of("EXECUTOR_BACKEND", "dry", "TARGETS", String.join(",", names), "DRAIN_SEC", "0", "DRAIN_SETTLE_SEC", "0",
                "OPS_PORT", String.valueOf(ops)));
        Process p = procs.start("executor", ProcessSupervisor.serviceCommand("executor"), env);
        Ports.await(ops, 60, "the executor");
        return p;
    }

    /** Every target's registry holds its two replicas: the planners plan only from a known count. */
    private static void awaitRegistered(RedisBus bus, String[] names, ProcessSupervisor procs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            var async = bus.async();
            List<io.lettuce.core.RedisFuture<Long>> sizes = new ArrayList<>();
            for (String n : names) sizes.add(async.hlen(bus.keys().registry(n)));
            long done = 0;
            for (var f : sizes) if (f.get() >= 2) done++;
            if (done == names.length) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(done + " of " + names.length + " targets registered by the dry executor within 120 s; see "
                        + procs.logFile("executor"));
            }
            Thread.sleep(200);
        }
    }

    /** P planner processes of this build against the bench's Redis, each with its ops port up. */
    private List<Process> startPlanners(ProcessSupervisor procs, String url) throws Exception {
        Map<String, String> env = baseEnv(url);
        env.putAll(Map.of("PLANNER_MODE", "enforce", "LLM_PROVIDER", "none", "SLO_P95_MS", "100",
                "SAMPLE_INTERVAL", String.valueOf(intervalSec), "PLANNER_MAX_TARGETS", String.valueOf(Math.max(100, targets))));
        env.putAll(plannerSettings);
        List<Process> out = new ArrayList<>();
        List<Integer> opsPorts = new ArrayList<>();
        for (int p = 1; p <= planners; p++) {
            Map<String, String> e = new HashMap<>(env);
            opsPorts.add(Ports.free());
            e.put("OPS_PORT", String.valueOf(opsPorts.get(p - 1)));
            out.add(procs.start("planner-" + p, ProcessSupervisor.serviceCommand("planner"), e));
        }
        for (int opsPort : opsPorts) Ports.await(opsPort, 60, "a planner");
        return out;
    }

    /** The measured seconds (with the kill, where asked for), then what they cost. */
    private Result measure(ProcessSupervisor procs, RedisBus bus, BenchRedis redis, List<Process> plannerProcs, Process executor,
                           PlanTally tally, Publisher pub, String[] names, long idleHeap, long idleRedis) throws Exception {
        Map<String, ProcStats> before = stats(plannerProcs, executor, redis);
        long cmdsBefore = redis.commands();
        long pubBefore = pub.sent.get();
        long plansBefore = tally.plans.get();
        tally.latency.getIntervalHistogram(); // the warm-up's, dropped
        long t0 = System.nanoTime();
        tally.measuring.set(true);
        if (killAfterSec >= 0) {
            Thread.sleep((long) (killAfterSec * 1000));
            plannerProcs.get(0).destroyForcibly(); // SIGKILL: no release, no leaving
            tally.killed();
            Thread.sleep((long) ((durationSec - killAfterSec) * 1000));
        } else {
            Thread.sleep((long) (durationSec * 1000));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        var h = tally.latency.getIntervalHistogram();
        long decided = tally.plans.get() - plansBefore;
        long sent = pub.sent.get() - pubBefore;
        long cmds = redis.commands() - cmdsBefore - sent; // the bench's own PUBLISHes are not the planners'
        for (int i = 0; i < plannerProcs.size(); i++) {
            if (!plannerProcs.get(i).isAlive() && !(i == 0 && killAfterSec >= 0)) {
                throw new IllegalStateException("planner-" + (i + 1) + " exited during the run (with SERVICE_JAVA_OPTS' heap?): see "
                        + procs.logFile("planner-" + (i + 1)));
            }
        }
        Map<String, ProcStats> after = stats(plannerProcs, executor, redis);
        Map<String, Double> rss = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String name : after.keySet()) {
            rss.put(name, round(after.get(name).rssBytes() / 1048576.0));
            // a killed planner has no /proc entry left: no CPU to report rather than a negative one
            cpu.put(name, after.get(name).rssBytes() == 0 ? 0 : round((after.get(name).cpuSec() - before.get(name).cpuSec()) / seconds));
        }
        // after the measured seconds: jcmd's full collection would stall the planners
        long heapPerTarget = idleHeap < 0 || killAfterSec >= 0 ? -1 : Math.max(0, liveHeap(plannerProcs) - idleHeap) / targets;
        long redisPerTarget = Math.max(0, redis.usedMemory() - idleRedis) / targets;
        return new Result(targets, planners, redis.processes().size(), round(seconds), round(sent / seconds), round(decided / seconds),
                round(h.getValueAtPercentile(50) / 1000.0), round(h.getValueAtPercentile(99) / 1000.0),
                decided == 0 ? 0 : round((double) cmds / decided), rss, cpu, heapPerTarget, redisPerTarget,
                stateBytes(bus, names), tally.twice.get(),
                killAfterSec >= 0 ? round(tally.takeoverSec(durationSec - killAfterSec)) : null);
    }

    private void awaitFirstPlans(AtomicLong plans, ProcessSupervisor procs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (plans.get() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no plan within 60 s of the first windows; see " + procs.logFile("planner-1"));
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, ProcStats> stats(List<Process> planners, Process executor, BenchRedis redis) {
        Map<String, ProcStats> out = new LinkedHashMap<>();
        for (int i = 0; i < planners.size(); i++) out.put("planner-" + (i + 1), ProcStats.of(planners.get(i).pid()));
        out.put("executor", ProcStats.of(executor.pid()));
        redis.processes().forEach((name, p) -> out.put(name, ProcStats.of(p.pid())));
        return out;
    }

    /** The planners' live heap bytes together (-1 when jcmd could not tell). */
    private static long liveHeap(List<Process> planners) {
        long sum = 0;
        for (Process p : planners) {
            long b = ProcStats.liveHeapBytes(p.pid());
            if (b < 0) return -1;
            sum += b;
        }
        return sum;
    }

    /** The mean size of {@code planner:{target}}, the policy state the planner keeps (and saves) per target, over up to 100 targets. */
    private static long stateBytes(RedisBus bus, String[] names) {
        long sum = 0;
        int n = Math.min(100, names.length);
        for (int i = 0; i < n; i++) {
            sum += bus.redis().strlen(bus.keys().plannerState(names[i])) + bus.redis().strlen(bus.keys().plannerRises(names[i]));
        }
        return sum / n;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /**
     * Every target's window once each interval, spread evenly over it (open loop: a slow planner does not slow the
     * windows), through one pipelined connection so the publisher keeps up with thousands a second.
     */
    private static final class Publisher implements Runnable {
        final BenchRedis.Sender sender;
        final String[] names;
        final AtomicLongArray published;
        final double intervalSec;
        final AtomicLong sent = new AtomicLong();
        volatile boolean stop;

        Publisher(BenchRedis.Sender sender, String[] names, AtomicLongArray published, double intervalSec) {
            this.sender = sender;
            this.names = names;
            this.published = published;
            this.intervalSec = intervalSec;
        }

        @Override
        public void run() {
            long spacing = (long) (intervalSec * 1e9 / names.length);
            long next = System.nanoTime();
            for (long k = 0; !stop; k++) {
                int t = (int) (k % names.length);
                long now = System.nanoTime();
                if (now < next) java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                next += spacing;
                double ts = System.currentTimeMillis() / 1000.0;
                // a steady 150 rps on two replicas with a healthy p95: mostly noops, as most windows of most targets are
                // the window's number for its target rides in the p95's fourth decimal, which the plan repeats
                double p95 = 40.0 + (k % 7) + ((k / names.length) % 1000) / 10_000.0;
                var m = new LatencyMetrics(null, names[t], "http://127.0.0.1/", intervalSec, (int) (150 * intervalSec), 1.0, 30, 30,
                        p95, 60, 80, 150 + (k % 11), 150.0, 0, 2, "access_log", ts);
                published.compareAndSet(t, 0, System.nanoTime());
                sender.send(names[t], Json.write(m));
                sent.incrementAndGet();
            }
        }
    }
}
