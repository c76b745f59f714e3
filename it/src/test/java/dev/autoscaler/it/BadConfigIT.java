package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.local.ProcessSupervisor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad value of each configuration variable stops the service at start: exit code 2 and exactly one line that
 * names the variable and the value. Each case is a real service process; Redis is never reached.
 */
@Execution(ExecutionMode.SAME_THREAD)
class BadConfigIT {
    static Path nginxPrefix;

    @BeforeAll
    static void prefix() throws Exception {
        nginxPrefix = Files.createTempDirectory("it-badconfig-nginx");
    }

    static Stream<Arguments> cases() {
        List<Arguments> c = new ArrayList<>();
        String[][] common = {{"REDIS_PORT", "abc"}, {"REDIS_PORT", "70000"}, {"REDIS_URL", "http://not-redis"},
                {"KEY_PREFIX", "bad prefix!"}, {"OPS_PORT", "99999"}};
        for (String service : new String[] {"monitor", "planner", "executor", "watcher"}) {
            for (String[] kv : common) c.add(Arguments.of(service, kv[0], kv[1]));
        }
        String[][] monitor = {{"SAMPLE_INTERVAL", "abc"}, {"SAMPLE_INTERVAL", "0"}, {"PROBE_REQUESTS", "-1"}, {"TIMEOUT_S", "0"},
                {"TARGET_URL", "ftp://x/"}, {"TARGET_URL", "not a url"}, {"STATUS_URL", "nope"}, {"MIN_LOG_REQUESTS", "0"},
                {"TARGET", "bad name!"}, {"MONITOR_SOURCE", "graphite"}, {"PROMETHEUS_URL", "ftp://127.0.0.1/"}};
        for (String[] kv : monitor) c.add(Arguments.of("monitor", kv[0], kv[1]));
        String[][] planner = {{"SLO_P95_MS", "-5"}, {"TARGET_P95_MS", "abc"}, {"MIN_REPLICAS", "-1"}, {"MAX_REPLICAS", "0"},
                {"COOLDOWN_SEC", "x"}, {"UP_COOLDOWN_SEC", "-1"}, {"DOWN_COOLDOWN_SEC", "soon"}, {"MAX_STEP_UP", "0"},
                {"MAX_STEP_DOWN", "0"}, {"MAX_STEP_DOWN_PERCENT", "101"}, {"DOWN_STABILIZATION_SEC", "-1"}, {"TARGET_UTILIZATION", "2"}, {"ALPHA_UP", "1"},
                {"BETA_DOWN", "0.5"}, {"K_SIGMA", "-1"}, {"HIST_WINDOWS", "1"}, {"WARMUP_WINDOWS", "0"}, {"LOW_NEED_N", "0"},
                {"IDLE_HINT_MS", "-1"}, {"PANIC_FACTOR", "0.5"}, {"LOW_P95_FRACTION", "2"}, {"SCALE_TOLERANCE", "1"},
                {"CAPACITY_RPS", "0"}, {"MIN_SUCCESS_RATE", "2"}, {"PLANNER_MODE", "bogus"}, {"SLO_HEADROOM", "1.5"},
                {"FORECAST", "maybe"}, {"REPLICA_STARTUP_SEC", "-3"}, {"SAMPLE_INTERVAL", "0.1"}, {"RISE_QUANTILE", "2"},
                {"RISE_MEMORY_SEC", "10"}, {"SLO_BUDGET_PCT", "-1"}, {"SEASONAL_PERIODS", "45"}, {"SEASONAL_PERIODS", "hourly"},
                {"PLANNER_LEASE_SEC", "0"}, {"PLANNER_MAX_TARGETS", "0"}, {"UNKNOWN_COUNT_HOLD_SEC", "-1"},
                {"ADVICE_MAX_EXTRA_REPLICAS", "-1"}, {"ADVICE_MAX_EXTRA_FRACTION", "many"}, {"PLANNER_ELECTION", "zookeeper"},
                {"PLANNER_KUBE_LEASE_NAME", "Not_A_Lease"}, {"KUBE_LEASE_SEC", "never"}};
        for (String[] kv : planner) c.add(Arguments.of("planner", kv[0], kv[1]));
        String[][] executor = {{"EXECUTOR_BACKEND", "bogus"}, {"TARGETS", "a,b c!"}, {"MIN_REPLICAS", "-1"}, {"MAX_REPLICAS", "0"},
                {"RECONCILE_SEC", "0"}, {"START_TIMEOUT_SEC", "0"}, {"DRAIN_SEC", "-1"}, {"DRAIN_SETTLE_SEC", "x"},
                {"GRACE_SEC", "-1"}, {"APP_PORT_BASE", "80"}, {"DOCKER_HOST", "http://127.0.0.1:2375"},
                {"BASE_CONTAINER", "app;rm"}, {"APP_PORT_ENV", "1PORT"}, {"EXECUTOR_LEASE_SEC", "0"}};
        for (String[] kv : executor) c.add(Arguments.of("executor", kv[0], kv[1]));
        String[][] watcher = {{"NGINX_PREFIX", "/nonexistent/prefix"}, {"RESYNC_SEC", "0"}, {"TARGETS", "a,b c!"},
                {"NGINX_CONTAINER", "lb; rm -rf"}, {"DOCKER_HOST", "ssh://host"}, {"INITIAL_UPSTREAM", "127.0.0.1:8080,evil host:1"}};
        for (String[] kv : watcher) c.add(Arguments.of("watcher", kv[0], kv[1]));
        String[][] app = {{"PORT", "0"}, {"PORT", "http"}, {"WORKERS", "0"}, {"WORK_MS", "-1"}, {"EXTRA_DELAY_MS", "slow"},
                {"MAX_QUEUE", "-1"}, {"SHUTDOWN_GRACE_SEC", "-1"}, {"LATENCY_BUCKET_GROWTH", "1.001"}};
        for (String[] kv : app) c.add(Arguments.of("app", kv[0], kv[1]));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}: {1}={2}")
    @MethodSource("cases")
    void aBadValueStopsTheServiceWithOneLineNamingIt(String service, String var, String value) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessSupervisor.serviceCommand(service)).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("REDIS") || k.equals("SLO_P95_MS"));
        env.put("NGINX_PREFIX", nginxPrefix.toString());
        env.put("REDIS_URL", "redis://127.0.0.1:1"); // nothing listens there; config must fail before any connection
        if (!var.equals("REDIS_URL")) env.remove("REDIS_URL");
        if (var.equals("REDIS_PORT")) env.put("REDIS_HOST", "127.0.0.1");
        // docker settings are read where docker is used: the executor's docker backend, the watcher's lb container
        if (service.equals("executor") && List.of("DOCKER_HOST", "BASE_CONTAINER", "APP_PORT_ENV").contains(var)) env.put("EXECUTOR_BACKEND", "docker");
        if (service.equals("watcher") && var.equals("DOCKER_HOST")) env.put("NGINX_CONTAINER", "lb");
        // the Kubernetes Lease settings are read where the planner elects with one
        if (service.equals("planner") && var.startsWith("KUBE_") || var.equals("PLANNER_KUBE_LEASE_NAME")) {
            env.put("PLANNER_ELECTION", "kubernetes");
            env.put("POD_NAME", "planner-0");
        }
        env.put(var, value);
        List<String> lines = stopsWithOneLine(pb);
        assertTrue(lines.get(0).contains(var), lines.get(0));
        assertTrue(lines.get(0).contains(value), lines.get(0));
        assertTrue(lines.get(0).startsWith("autoscaler " + service + ": "), lines.get(0));
    }

    /** A secret that is refused is named, never shown: the line says what is wrong with ADMIN_TOKEN, not what it is. */
    @org.junit.jupiter.api.Test
    void aShortAdminTokenStopsTheDashboardWithOneLineThatDoesNotShowIt() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessSupervisor.serviceCommand("dashboard")).redirectErrorStream(true);
        pb.environment().put("ADMIN_TOKEN", "ten-chars!");
        pb.environment().put("DASHBOARD_PORT", "0");
        List<String> lines = stopsWithOneLine(pb);
        assertTrue(lines.get(0).startsWith("autoscaler dashboard: ADMIN_TOKEN is 10 characters"), lines.get(0));
        assertTrue(!lines.get(0).contains("ten-chars!"), "the token is not shown: " + lines.get(0));
    }

    /** Starts the service, which must stop by itself with exit code 2 and one line; that line. */
    private static List<String> stopsWithOneLine(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the service must stop by itself");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, lines.size(), "exactly one line: " + out);
        return lines;
    }
}
