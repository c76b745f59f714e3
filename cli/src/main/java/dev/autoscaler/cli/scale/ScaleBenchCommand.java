package dev.autoscaler.cli.scale;

import dev.autoscaler.common.msg.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code autoscaler bench scale}: the control plane's cost as targets grow (see {@link ScaleRun}). */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Synthetic windows for N targets through a real Redis into P planner processes and one executor in "
                + "its dry mode (plans followed in the registry, nothing started): windows per second handled, decision latency p50/p99 (window published to plan received), Redis "
                + "commands per decision, each process's RSS and CPU. Several N give one line each, and --plot a chart.")
public final class ScaleBenchCommand implements Callable<Integer> {
    @Option(names = "--targets", split = ",", defaultValue = "100", paramLabel = "N[,N...]", description = "targets (default ${DEFAULT-VALUE})")
    List<Integer> targets;

    @Option(names = "--planners", defaultValue = "1", description = "planner processes (default ${DEFAULT-VALUE})")
    int planners;

    @Option(names = "--duration", defaultValue = "30", description = "measured seconds after the warm-up (default ${DEFAULT-VALUE})")
    double duration;

    @Option(names = "--warmup", defaultValue = "20", description = "seconds of windows before measuring: the planners' JIT "
            + "compiler is still busy for the first 10 to 20 (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--interval-sec", defaultValue = "0.5", description = "each target's window interval, so N targets publish "
            + "N / interval windows a second (default ${DEFAULT-VALUE}: 1,000 targets make 2,000 a second)")
    double interval;

    @Option(names = "--json", description = "one JSON object a run: windows_per_sec, decision_p50_ms, decision_p99_ms, "
            + "redis_cmds_per_decision, rss_mb (per process), ...")
    boolean json;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "a planner setting for this run (PLANNER_LANES=8, "
            + "PLANNER_RISES_SAVE_SEC=0, ...); the bench owns REDIS_*, KEY_PREFIX and OPS_*; repeatable")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--kill-after", paramLabel = "SEC", description = "with --planners 2 or more: kill planner-1 (SIGKILL) this "
            + "many seconds into the measurement, and report how soon every target was decided again")
    Double killAfter;

    @Option(names = "--redis-cluster", description = "a Redis Cluster of three masters on this machine instead of one redis-server")
    boolean redisCluster;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "with several --targets: windows/s and decision p99 against N")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (targets.stream().anyMatch(n -> n < 1 || n > 100_000) || planners < 1 || planners > 16 || !(duration > 0) || !(interval >= 0.1) || !(warmup >= 0)) {
            System.err.println("autoscaler bench scale: --targets 1..100000, --planners 1..16, --duration > 0, --warmup >= 0 and --interval-sec >= 0.1");
            return 2;
        }
        if (killAfter != null && (planners < 2 || killAfter < 0 || killAfter >= duration)) {
            System.err.println("autoscaler bench scale: --kill-after needs --planners 2 or more and 0 <= SEC < --duration");
            return 2;
        }
        for (String name : set.keySet()) {
            if (!name.matches("[A-Z][A-Z0-9_]*") || name.startsWith("REDIS_") || name.startsWith("OPS_") || name.equals("KEY_PREFIX")) {
                System.err.println("autoscaler bench scale: --set " + name + ": not a setting the bench passes to its planners "
                        + "(upper-case names; REDIS_*, KEY_PREFIX and OPS_* are the bench's own)");
                return 2;
            }
        }
        List<ScaleRun.Result> results = new ArrayList<>();
        for (int n : targets) {
            Path dir = Files.createTempDirectory("bench-scale");
            ScaleRun.Result r;
            try {
                r = new ScaleRun(n, planners, interval, duration, dir, set, killAfter == null ? -1 : killAfter, warmup, redisCluster).run();
            } catch (IllegalStateException e) {
                System.err.println("autoscaler bench scale: " + e.getMessage() + " (run directory kept: " + dir + ")");
                return 1;
            }
            dev.autoscaler.cli.local.ProcessSupervisor.deleteTree(dir);
            results.add(r);
            System.out.println(json ? Json.write(jsonOf(r)) : r.line());
        }
        if (plot != null) plot(results, plot);
        return 0;
    }

    static Map<String, Object> jsonOf(ScaleRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("targets", r.targets());
        m.put("planners", r.planners());
        m.put("redis_nodes", r.redisNodes());
        m.put("duration_sec", r.durationSec());
        m.put("published_per_sec", r.publishedPerSec());
        m.put("windows_per_sec", r.windowsPerSec());
        m.put("decision_p50_ms", r.decisionP50Ms());
        m.put("decision_p99_ms", r.decisionP99Ms());
        m.put("redis_cmds_per_decision", r.redisCmdsPerDecision());
        m.put("rss_mb", r.rssMb());
        m.put("cpu_cores", r.cpuCores());
        m.put("planner_heap_bytes_per_target", r.plannerHeapBytesPerTarget());
        m.put("redis_bytes_per_target", r.redisBytesPerTarget());
        m.put("state_bytes_per_target", r.stateBytesPerTarget());
        m.put("decided_twice", r.decidedTwice());
        if (r.takeoverSec() != null) m.put("takeover_sec", r.takeoverSec());
        return m;
    }

    private static void plot(List<ScaleRun.Result> results, Path file) throws Exception {
        double[] n = results.stream().mapToDouble(ScaleRun.Result::targets).toArray();
        XYChart rate = new XYChartBuilder().width(900).height(360).title("windows handled per second").xAxisTitle("targets")
                .yAxisTitle("windows/s").build();
        rate.getStyler().setXAxisLogarithmic(true);
        rate.addSeries("handled", n, results.stream().mapToDouble(ScaleRun.Result::windowsPerSec).toArray());
        rate.addSeries("published", n, results.stream().mapToDouble(ScaleRun.Result::publishedPerSec).toArray());
        XYChart lat = new XYChartBuilder().width(900).height(360).title("decision latency (window published to plan received)")
                .xAxisTitle("targets").yAxisTitle("ms").build();
        lat.getStyler().setXAxisLogarithmic(true);
        lat.addSeries("p50", n, results.stream().mapToDouble(ScaleRun.Result::decisionP50Ms).toArray());
        lat.addSeries("p99", n, results.stream().mapToDouble(ScaleRun.Result::decisionP99Ms).toArray());
        BitmapEncoder.saveBitmap(List.of(rate, lat), 2, 1, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
