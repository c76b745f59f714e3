package dev.autoscaler.cli;

import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code autoscaler bench pipeline}: measures the real pipeline on this machine (process backend, real nginx and
 * Redis) and prints the numbers: seconds from a 4× step to p95 back under the SLO, failed requests over
 * scale-up/scale-down cycles, the monitor's p95 against the load generator's, and each service's RSS.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, description = "Measure the real pipeline: step recovery, failures over scale cycles, monitor accuracy, RSS; "
        + "with --scenario settle, whether a steady load settles at what it needs.")
public final class PipelineBenchCommand implements Callable<Integer> {
    @Option(names = "--cycles", defaultValue = "10", description = "scale-up/scale-down cycles (default ${DEFAULT-VALUE})")
    int cycles;

    @Option(names = "--base-rps", defaultValue = "80", description = "base rate; the step is 4x (default ${DEFAULT-VALUE}; one replica serves 200)")
    double baseRps;

    @Option(names = "--json", description = "print the results as one JSON object at the end")
    boolean json;

    @Option(names = "--scenario", defaultValue = "standard", description = "standard (accuracy, RSS, step, cycles), settle (r_slo by a slow "
            + "ramp on one replica, then each of --cases on a fresh stack, judged against the settle targets), llm (decision latency "
            + "and calls with no LLM, a fake one that answers and one that hangs), dashboard (a window's time from the monitor to the "
            + "page), or all (default ${DEFAULT-VALUE})")
    String scenario;

    @Option(names = "--cases", split = ",", defaultValue = "flat,step,idle", paramLabel = "CASE[,CASE...]", hideParamSyntax = true,
            description = "settle: flat (--flat-rps from t=0 on one cold replica, held --steady-sec), step (--base-rps for 60 s, then 4x "
                    + "held --steady-sec), idle (30 s at --flat-rps to lift the count, then --idle-sec with no load) (default ${DEFAULT-VALUE})")
    List<String> cases;

    @Option(names = "--runs", defaultValue = "1", description = "settle: runs of each case, each on a fresh stack; every run is printed, "
            + "then one table of all (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--steady-sec", defaultValue = "600", description = "settle: how long the steady load of the flat and step cases is held "
            + "(default ${DEFAULT-VALUE})")
    double steadySec;

    @Option(names = "--flat-rps", defaultValue = "300", description = "settle: the flat case's rate, and the idle case's 30 s lift "
            + "(default ${DEFAULT-VALUE})")
    double flatRps;

    @Option(names = "--idle-sec", defaultValue = "150", description = "settle: how long the idle case has no load (default ${DEFAULT-VALUE})")
    double idleSec;

    @Option(names = "--keep-run-dirs", description = "settle: keep each stack's run directory (logs, nginx access log); by default "
            + "it is removed after a case that finished")
    boolean keepRunDirs;

    @Option(names = "--llm-sec", defaultValue = "120", description = "llm: seconds of load per variant (default ${DEFAULT-VALUE})")
    double llmSec;

    static final double SLO = 100;

    @Override
    public Integer call() throws Exception {
        if (!List.of("standard", "settle", "llm", "dashboard", "all").contains(scenario)) {
            System.err.println("autoscaler bench pipeline: --scenario must be standard, settle, llm, dashboard or all, got '" + scenario + "'");
            return 2;
        }
        List<String> unknown = cases.stream().filter(c -> !SettleScenario.CASES.contains(c)).toList();
        if (cases.isEmpty() || !unknown.isEmpty() || runs < 1 || !(steadySec > 0) || !(flatRps > 0) || !(baseRps > 0) || !(idleSec > 0)) {
            System.err.println("autoscaler bench pipeline: --cases takes flat, step and idle (got " + cases + "); --runs must be >= 1 and "
                    + "--steady-sec, --flat-rps, --base-rps and --idle-sec > 0");
            return 2;
        }
        Map<String, String> env = new LinkedHashMap<>(Map.ofEntries(Map.entry("SLO_P95_MS", "100"), Map.entry("SAMPLE_INTERVAL", "2"),
                Map.entry("WORK_MS", "20"), Map.entry("WORKERS", "4"), Map.entry("MIN_REPLICAS", "1"), Map.entry("MAX_REPLICAS", "8"),
                Map.entry("DOWN_STABILIZATION_SEC", "10"), Map.entry("COOLDOWN_SEC", "6"), Map.entry("LOW_NEED_N", "2"),
                Map.entry("MAX_STEP_DOWN", "10"), Map.entry("RECONCILE_SEC", "1")));
        System.getenv().forEach((k, v) -> { if (env.containsKey(k)) env.put(k, v); });
        Map<String, Object> results = new LinkedHashMap<>();
        if (scenario.equals("dashboard") || scenario.equals("all")) {
            results.put("dashboard", DashboardScenario.run(env, 60));
            if (scenario.equals("dashboard")) {
                if (json) System.out.println(Json.write(results));
                return 0;
            }
        }
        if (scenario.equals("llm") || scenario.equals("all")) {
            Map<String, Object> llm = AdvisorScenario.run(env, llmSec);
            results.put("llm", llm);
            System.out.print(AdvisorScenario.table(llm));
            if (scenario.equals("llm")) {
                if (json) System.out.println(Json.write(results));
                return 0;
            }
        }
        if (scenario.equals("settle") || scenario.equals("all")) {
            results.put("settle", settle());
            if (scenario.equals("settle")) {
                if (json) System.out.println(Json.write(results));
                return 0;
            }
        }
        results.put("settings", env);
        Path dir = Files.createTempDirectory("pipeline-bench");
        try (LocalStack stack = new LocalStack(dir, env).start()) {
            String lb = stack.lbUrl();
            List<LatencyMetrics> windows = new CopyOnWriteArrayList<>();
            stack.bus().subscribe(Channels.ALERTS, LatencyMetrics.class, windows::add);
            Map<String, Double> startedAt = new ConcurrentHashMap<>();
            List<Double> startupSec = new CopyOnWriteArrayList<>();
            stack.bus().subscribe(Channels.REPLICAS, ReplicaSet.class, set -> {
                for (var r : set.replicas()) {
                    if (r.state() == ReplicaSet.State.starting) startedAt.putIfAbsent(r.id(), set.ts());
                    else if (r.state() == ReplicaSet.State.ready && startedAt.containsKey(r.id()) && startedAt.get(r.id()) > 0) {
                        startupSec.add(set.ts() - startedAt.put(r.id(), -1.0));
                    }
                }
            });

            // 1. monitor accuracy at steady loads that one replica serves (40 % and 75 % of its capacity)
            List<Map<String, Object>> accuracy = new ArrayList<>();
            for (double rate : new double[] {baseRps, 150}) {
                say("accuracy: %.0f rps for 40 s on one replica", rate);
                load(lb, new RateShape.Constant(rate), 10, null);
                windows.clear();
                LoadReport steady = load(lb, new RateShape.Constant(rate), 30, null);
                List<Double> p95s = windows.stream().filter(w -> "access_log".equals(w.source())).map(LatencyMetrics::p95Ms).sorted().toList();
                double monitorP95 = p95s.isEmpty() ? Double.NaN : p95s.get(p95s.size() / 2);
                double diffPct = 100 * (monitorP95 - steady.p95Ms()) / steady.p95Ms();
                accuracy.add(Map.of("rps", rate, "loadgen_p95_ms", steady.p95Ms(), "monitor_p95_ms_median_window", monitorP95,
                        "difference_pct", round(diffPct), "difference_ms", round(monitorP95 - steady.p95Ms()), "windows", p95s.size()));
                say("  loadgen p95 %.2f ms, monitor p95 (median of %d windows) %.2f ms: %+.1f %% (%+.2f ms)", steady.p95Ms(), p95s.size(),
                        monitorP95, diffPct, monitorP95 - steady.p95Ms());
            }
            results.put("accuracy", accuracy);

            // 2. RSS of every service at steady state
            Map<String, Long> rss = new LinkedHashMap<>();
            for (String s : LocalStack.SERVICES) rss.put(s, rssKb(stack.process(s).pid()) / 1024);
            stack.replicaProcesses().stream().findFirst().ifPresent(r -> rss.put("app replica", rssKb(Long.parseLong(r.handle())) / 1024));
            results.put("rss_mib", rss);
            say("  RSS (MiB): %s", rss);

            // 3. a 4x step: seconds until the per-second p95 stays under the SLO
            say("step: %.0f -> %.0f rps", baseRps, baseRps * 4);
            List<double[]> perSecond = Collections.synchronizedList(new ArrayList<>());
            LoadReport step = load(lb, new RateShape.Step(baseRps, 4 * baseRps, 10), 70, p -> perSecond.add(new double[] {p.tSec(), p.p95Ms()}));
            double recovered = recovery(perSecond, 10, 5);
            double meanStartup = startupSec.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double windowSec = Double.parseDouble(env.get("SAMPLE_INTERVAL"));
            results.put("step", Map.of("recovery_sec", recovered, "replica_startup_sec_mean", round(meanStartup),
                    "window_sec", windowSec, "target_sec", round(meanStartup + 2 * windowSec), "replicas_after", stack.readyReplicas(),
                    "failed", step.failed()));
            say("  p95 back under %.0f ms %.1f s after the step (replica start-up %.2f s, window %.0f s: target <= %.1f s); %d replicas, %d failed",
                    SLO, recovered, meanStartup, windowSec, meanStartup + 2 * windowSec, stack.readyReplicas(), step.failed());

            // 4. scale-up/scale-down cycles with every request counted
            long failed = 0;
            long sent = 0;
            List<String> perCycle = new ArrayList<>();
            for (int c = 1; c <= cycles; c++) {
                LoadReport up = load(lb, new RateShape.Constant(4 * baseRps), 20, null);
                int peak = stack.readyReplicas();
                LoadReport down = load(lb, new RateShape.Constant(baseRps / 2), 35, null);
                int trough = stack.readyReplicas();
                failed += up.failed() + down.failed();
                sent += up.sent() + down.sent();
                perCycle.add(peak + "->" + trough);
                say("  cycle %d: replicas %d -> %d, failed %d of %d", c, peak, trough, up.failed() + down.failed(), up.sent() + down.sent());
            }
            results.put("cycles", Map.of("cycles", cycles, "sent", sent, "failed", failed, "replicas_peak_to_trough", perCycle));
            say("cycles: %d failed of %d requests over %d cycles", failed, sent, cycles);
        }
        if (json) System.out.println(Json.write(results));
        return 0;
    }

    /**
     * The settle scenario runs with the demo's settings (what a new user sees): r_slo on a stack of its own, then each
     * case on a fresh one.
     */
    private Map<String, Object> settle() throws Exception {
        Map<String, String> env = new LinkedHashMap<>(DemoCommand.DEFAULTS);
        env.put("RECONCILE_SEC", "1");
        System.getenv().forEach((k, v) -> { if (env.containsKey(k)) env.put(k, v); });
        return SettleScenario.run(env, new SettleScenario.Options(cases.stream().distinct().toList(), runs, baseRps, flatRps, steadySec, idleSec, keepRunDirs));
    }

    /** The first second (after {@code stepAt}) from which the per-second p95 stays under the SLO for {@code hold} seconds. */
    static double recovery(List<double[]> perSecond, double stepAt, int hold) {
        List<double[]> after = perSecond.stream().filter(p -> p[0] >= stepAt).toList();
        for (int i = 0; i + hold <= after.size(); i++) {
            boolean ok = true;
            for (int j = i; j < i + hold; j++) ok &= after.get(j)[1] < SLO;
            if (ok) return round(after.get(i)[0] - 1 - stepAt); // a progress sample covers the second before it
        }
        return Double.NaN;
    }

    static LoadReport load(String url, RateShape shape, double sec, java.util.function.Consumer<LoadGenerator.Progress> progress)
            throws InterruptedException {
        return new LoadGenerator(LoadGenerator.Config.bounded(URI.create(url), shape, sec)).run(progress);
    }

    static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static void say(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }
}
