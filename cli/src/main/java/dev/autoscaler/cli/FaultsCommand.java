package dev.autoscaler.cli;

import dev.autoscaler.common.msg.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code autoscaler bench faults}: the real pipeline under its own faults (a service, Redis or a replica killed; the LLM failing; a message flood), one row per fault; see
 * {@link FaultsScenario} for the run and {@link FaultAnalysis} for the targets.
 */
@Command(name = "faults", mixinStandardHelpOptions = true, description = "The real pipeline under a steady load at a settled count, each "
        + "fault injected in turn (Redis, our services, a replica, nginx's file, the LLM, a second planner, a flood): failed requests, "
        + "the lowest ready count, the highest p95, seconds until both are back, decisions lost, RSS, a PASS/FAIL per target.")
public final class FaultsCommand implements Callable<Integer> {
    @Option(names = "--faults", split = ",", paramLabel = "FAULT[,FAULT...]", hideParamSyntax = true,
            description = "the faults to run, in the catalogue's order (default: all): redis-kill-3s, redis-kill-30s, monitor-kill, "
                    + "planner-kill, executor-kill, watcher-kill, planner-kill-scaleup, executor-kill-starting, replica-kill, "
                    + "nginx-conf-broken, second-planner, flood, redis-kill-3s-aof, redis-kill-30s-aof, llm-hang, llm-429, llm-garbage")
    List<String> faults;

    @Option(names = "--rps", defaultValue = "300", description = "the steady load, requests a second (default ${DEFAULT-VALUE}: 3 to 4 "
            + "replicas at the demo's settings)")
    double rps;

    @Option(names = "--settle-sec", defaultValue = "180", description = "the longest wait for a settled count before each fault "
            + "(default ${DEFAULT-VALUE})")
    double settleSec;

    @Option(names = "--json", description = "print the results as one JSON object at the end")
    boolean json;

    @Option(names = "--keep-run-dirs", description = "keep each stack's run directory (logs, nginx access log)")
    boolean keepRunDirs;

    /**
     * The demo's settings, with the executor reconciling every second, the capacity probe off (it lowers a settled
     * count on purpose, which would read as a fault's doing), the planner lease at its default, stated, and
     * MAX_REPLICAS 10.
     */
    static Map<String, String> settings() {
        Map<String, String> env = new LinkedHashMap<>(DemoCommand.DEFAULTS);
        env.put("RECONCILE_SEC", "1");
        env.put("PROBE_SEC", "0");
        env.put("PLANNER_LEASE_SEC", "10");
        // room above a count an earlier fault's scale-up left high, so the scale-up faults can still scale up
        env.put("MAX_REPLICAS", "10");
        System.getenv().forEach((k, v) -> { if (env.containsKey(k)) env.put(k, v); });
        return env;
    }

    @Override
    public Integer call() throws Exception {
        String bad = invalid();
        if (bad != null) {
            System.err.println("autoscaler bench faults: " + bad);
            return 2;
        }
        List<String> chosen = faults == null ? FaultsScenario.names() : FaultsScenario.names().stream().filter(faults::contains).toList();
        FaultsScenario scenario = new FaultsScenario(settings(), new FaultsScenario.Options(chosen, rps, settleSec, keepRunDirs));
        Thread hook = new Thread(scenario::abort, "bench-faults-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, Object> out = scenario.run();
        if (json) System.out.println(Json.write(out));
        return 0;
    }

    /** What is wrong with the options, in one line; null when nothing is. */
    String invalid() {
        if (faults != null) {
            List<String> unknown = faults.stream().filter(f -> !FaultsScenario.names().contains(f)).toList();
            if (faults.isEmpty() || !unknown.isEmpty()) {
                return "--faults: unknown fault(s) " + unknown + "; known: " + String.join(", ", FaultsScenario.names());
            }
        }
        if (!(rps > 0) || !Double.isFinite(rps)) return "--rps must be a number > 0, got " + rps;
        if (!(settleSec > 0) || !Double.isFinite(settleSec)) return "--settle-sec must be a number > 0, got " + settleSec;
        String redisUrl = System.getenv("REDIS_URL");
        if (redisUrl != null && !redisUrl.isBlank()) return "REDIS_URL is set, but the faults kill Redis: unset it (the bench starts its own)";
        return null;
    }
}
