package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.docker.DockerClients;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Upstreams;
import dev.autoscaler.executor.ReplicaScope;
import dev.autoscaler.executor.docker.ContainerLabels;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The docker backend against a real Docker daemon: the executor (a local process) clones a base app container
 * (an image built FROM scratch, host network) into duplicates; the watcher puts them behind a real nginx. Other
 * containers share the daemon: one without the opt-in label, the base of another target, and a duplicate of ours
 * for another target; none of them may be touched.
 *
 * <p>{@code -Ddocker.cycles=N} repeats the 1 → 3 → 1 cycle N times (default 2) and prints, per cycle, the seconds
 * from the plan to the new containers serving through nginx and the failed requests.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DockerBackendIT {
    static final String RUN = "it" + ProcessHandle.current().pid();
    static DockerClient docker;
    static LocalStack stack;
    static String scope;
    /** Containers the executor must leave alone, with the time each started. */
    static final Map<String, String> bystanders = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        TestImages.ensureBuilt();
        docker = DockerClients.connect(DockerClients.DEFAULT_HOST);
        // the base is confined (limits a duplicate must carry too); 2 CPUs and 768 MB leave the app unhindered
        runApp(RUN + "-app", Map.of(ContainerLabels.TARGET, "app"), host().withMemory(768L << 20).withCpuShares(512)
                .withCpuQuota(200_000L).withCpuPeriod(100_000L).withPidsLimit(2000L).withOomScoreAdj(100));
        runApp(RUN + "-plain", Map.of());
        runApp(RUN + "-other", Map.of(ContainerLabels.TARGET, "other"));

        Map<String, String> env = new HashMap<>(PipelineIT.fastSettings());
        env.put("PLANNER_MODE", "advise"); // desired state is set by the test
        env.put("EXECUTOR_BACKEND", "docker");
        env.put("BASE_CONTAINER", RUN + "-{target}");
        env.put("DRAIN_SEC", "3");
        env.put("APP_PORT_BASE", String.valueOf(Ports.free()));
        stack = new LocalStack(Files.createTempDirectory("it-docker"), env).start();
        scope = ReplicaScope.of(RedisSettings.from(new Env(stack.env())));
        // a duplicate of this installation, but of another target
        runApp(RUN + "-other-dup-1", Map.of(ContainerLabels.MANAGED_BY, "autoscaler", ContainerLabels.SCOPE, scope,
                ContainerLabels.REPLICA_TARGET, "other", ContainerLabels.ID, "other-dup-1"));
        for (String name : List.of(RUN + "-plain", RUN + "-other", RUN + "-other-dup-1")) bystanders.put(name, startedAt(name));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (stack != null) stack.close();
        } finally {
            removeOurContainers();
        }
    }

    static void removeOurContainers() throws Exception {
        if (docker != null) {
            for (Container c : docker.listContainersCmd().withShowAll(true).exec()) {
                if (name(c).startsWith(RUN)) docker.removeContainerCmd(c.getId()).withForce(true).exec();
            }
            docker.close();
        }
    }

    static void runApp(String name, Map<String, String> labels) {
        runApp(name, labels, host());
    }

    static void runApp(String name, Map<String, String> labels, HostConfig host) {
        String id = docker.createContainerCmd("autoscaler-app:" + TestImages.TAG).withName(name).withLabels(labels)
                .withEnv("HOST=127.0.0.1", "PORT=" + Ports.free(), "WORK_MS=20", "WORKERS=4")
                .withHostConfig(host).exec().getId();
        docker.startContainerCmd(id).exec();
    }

    static HostConfig host() {
        return HostConfig.newHostConfig().withNetworkMode("host").withInit(true);
    }

    /** A duplicate runs under the base's limits: the same memory, CPU, pids and OOM settings. */
    static void assertConfinedLikeTheBase(Container duplicate) {
        HostConfig base = docker.inspectContainerCmd(RUN + "-app").exec().getHostConfig();
        HostConfig dup = docker.inspectContainerCmd(duplicate.getId()).exec().getHostConfig();
        assertEquals(768L << 20, base.getMemory(), "the test's base is confined as created");
        assertEquals(java.util.Arrays.asList(base.getMemory(), base.getCpuShares(), base.getCpuQuota(), base.getCpuPeriod(), base.getPidsLimit(),
                        base.getOomScoreAdj(), base.getRuntime()),
                java.util.Arrays.asList(dup.getMemory(), dup.getCpuShares(), dup.getCpuQuota(), dup.getCpuPeriod(), dup.getPidsLimit(),
                        dup.getOomScoreAdj(), dup.getRuntime()), "memory, cpu shares, quota, period, pids, oom score, runtime");
    }

    static String startedAt(String name) {
        return docker.inspectContainerCmd(name).exec().getState().getStartedAt();
    }

    static String name(Container c) {
        return c.getNames()[0].replaceFirst("^/", "");
    }

    /** This stack's duplicates of {@code app}, running or not. */
    static List<Container> duplicates() {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.SCOPE, scope, ContainerLabels.REPLICA_TARGET, "app")).exec();
    }

    static Set<String> duplicateIds() {
        return duplicates().stream().map(Container::getId).collect(Collectors.toSet());
    }

    static void setDesired(int n) {
        stack.bus().redis().hset(stack.bus().keys().desired(LocalStack.TARGET), Map.of("replicas", String.valueOf(n)));
    }

    static List<String> upstreams() {
        String j = stack.bus().redis().get(stack.bus().keys().upstreams(LocalStack.TARGET));
        return j == null ? List.of() : Json.read(j, Upstreams.class).servers();
    }

    static double await(String what, double seconds, BooleanSupplier done) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " within " + seconds + " s; the executor's log ends:\n" + executorLogTail());
            Thread.sleep(100);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The last lines of the executor's log: CI keeps only the report, not the run's directory. */
    static String executorLogTail() {
        try {
            List<String> lines = Files.readAllLines(stack.logFile("executor"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** The duplicates nginx serves are exactly the running ones, {@code n} of them. */
    static boolean serving(int n) {
        List<Container> running = duplicates().stream().filter(c -> "running".equals(c.getState())).toList();
        Set<String> addresses = running.stream().map(c -> c.getLabels().get(ContainerLabels.ADDRESS)).collect(Collectors.toSet());
        return running.size() == n && stack.readyReplicas() == n && Set.copyOf(upstreams()).equals(addresses);
    }

    @Test
    void scalesOneToThreeToOneUnderLoadWithoutAFailedRequestAndSurvivesAnExecutorRestart() throws Exception {
        stack.awaitReady(1, 60);
        int cycles = Integer.getInteger("docker.cycles", 2);
        ExecutorService loader = Executors.newSingleThreadExecutor();
        List<String> lines = new ArrayList<>();
        try {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                // 60 rps is well within one replica (200 rps): every failure would be the scaling's fault
                Future<LoadReport> load = loader.submit(() -> PipelineIT.load(stack.lbUrl(), new RateShape.Constant(60), 30));
                setDesired(3);
                double up = await("3 duplicates serving through nginx", 90, () -> serving(3));
                if (cycle == 1) restartExecutorAndFindNoDuplicateOrOrphan();
                setDesired(1);
                double down = await("1 duplicate serving after the scale-down", 90, () -> serving(1) && duplicates().size() == 1);
                LoadReport r = load.get();
                lines.add(String.format(Locale.ROOT, "cycle %d: plan -> 3 serving through nginx %.1f s, 3 -> 1 drained and removed %.1f s, "
                        + "requests %d, failed %d, p95 %.1f ms", cycle, up, down, r.sent(), r.failed(), r.p95Ms()));
                assertEquals(0, r.failed(), "failed requests in cycle " + cycle + ": " + r);
                assertTrue(r.ok() > 1000, r.toString());
            }
        } finally {
            loader.shutdownNow();
            lines.forEach(l -> System.out.println("docker backend " + l));
        }
        assertBystandersUntouched();
    }

    /** The executor is killed with three duplicates running: the new one adopts them, starts none, stops none. */
    static void restartExecutorAndFindNoDuplicateOrOrphan() throws Exception {
        Set<String> before = duplicateIds();
        assertEquals(3, before.size());
        stack.killService("executor");
        stack.startService("executor");
        await("the restarted executor reports 3 ready", 60, () -> stack.readyReplicas() == 3
                && stack.registry().stream().allMatch(r -> before.contains(r.handle())));
        stack.awaitReconciles(3, 30); // several reconciles: nothing may start or stop meanwhile
        assertEquals(before, duplicateIds(), "the same three containers, adopted: no duplicate, no orphan");
    }

    @Test
    void aKilledDuplicateIsReportedAndReplaced() throws Exception {
        setDesired(2);
        await("2 duplicates serving", 90, () -> serving(2));
        assertConfinedLikeTheBase(duplicates().get(1));
        Container victim = duplicates().get(0);
        docker.killContainerCmd(victim.getId()).exec();
        await("the killed duplicate replaced", 60, () -> serving(2) && duplicates().stream().noneMatch(c -> c.getId().equals(victim.getId())));
        // the result follows the reconcile that replaced it, a moment after the replacement serves
        String victimId = victim.getLabels().get(ContainerLabels.ID);
        await("the death of " + victimId + " reported on results", 30, () -> stack.bus().redis()
                .xrange(stack.bus().keys().resultsStream(), io.lettuce.core.Range.create("-", "+")).stream()
                .anyMatch(m -> m.getBody().toString().contains(victimId + " died")));
        setDesired(1);
        await("back to 1", 90, () -> serving(1) && duplicates().size() == 1);
        assertBystandersUntouched();
    }

    static void assertBystandersUntouched() {
        bystanders.forEach((name, started) -> {
            var state = docker.inspectContainerCmd(name).exec().getState();
            assertTrue(Boolean.TRUE.equals(state.getRunning()), name + " still runs");
            assertEquals(started, state.getStartedAt(), name + " was not restarted");
        });
        List<String> names = docker.listContainersCmd().withShowAll(true).exec().stream().map(DockerBackendIT::name).toList();
        assertNotEquals(0, names.stream().filter(n -> n.startsWith(RUN + "-app-dup-")).count(), "duplicates are named {base}-dup-{n}");
        assertTrue(names.stream().noneMatch(n -> n.startsWith(RUN + "-other-dup-") && !n.equals(RUN + "-other-dup-1")
                || n.startsWith(RUN + "-plain-dup-")), "no container was cloned from a base that did not opt in for app: " + names);
    }
}
