package dev.autoscaler.bench.run;

import dev.autoscaler.bench.sim.BenchPolicy;
import dev.autoscaler.bench.policy.InformedPolicy;
import dev.autoscaler.bench.policy.LlmBenchAdvisor;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.bench.policy.PeerPolicy;
import dev.autoscaler.peers.Hpa;
import dev.autoscaler.peers.Kpa;
import dev.autoscaler.bench.policy.OraclePolicy;
import dev.autoscaler.bench.policy.OursPolicy;
import dev.autoscaler.bench.policy.ScriptedAdvisor;
import dev.autoscaler.bench.policy.PocPolicy;
import dev.autoscaler.bench.report.Report;
import dev.autoscaler.bench.report.Settled;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import dev.autoscaler.bench.trace.Trace;
import dev.autoscaler.bench.trace.TraceReader;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs every policy over every trace (each policy with fresh state) and writes the report. */
public final class BenchRunner {
    public static final List<String> ALL = List.of("ours", "hpa", "kpa", "poc", "oracle");
    /** Our policy's window, the monitor's SAMPLE_INTERVAL default. */
    public static final int OURS_WINDOW_SEC = 3;

    private final SimConfig cfg;
    private final Map<String, String> oursEnv;
    /** ours+llm calls a real model, paid per call: only the commands that report and close it (run, replay) allow it. */
    private boolean llmAllowed;

    public BenchRunner(SimConfig cfg, Map<String, String> oursEnv) {
        this.cfg = cfg;
        this.oursEnv = oursEnv;
    }

    /** Our planner's configuration in the bench: the production defaults plus the bench's SLO, bounds and start-up time. */
    public PolicyConfig oursConfig() {
        Map<String, String> env = new HashMap<>();
        env.put("SLO_P95_MS", String.valueOf(cfg.sloMs()));
        env.put("MIN_REPLICAS", String.valueOf(cfg.minReplicas()));
        env.put("MAX_REPLICAS", String.valueOf(cfg.maxReplicas()));
        env.put("REPLICA_STARTUP_SEC", String.valueOf(cfg.startupSec()));
        env.put("SAMPLE_INTERVAL", String.valueOf(OURS_WINDOW_SEC));
        env.putAll(oursEnv);
        return PolicyConfig.from(new Env(env));
    }

    /**
     * ours' window in whole seconds: SAMPLE_INTERVAL as --set gives it (the demo's 2 s), else {@link #OURS_WINDOW_SEC};
     * the simulator's seconds are whole, so a fraction is refused.
     */
    public int oursWindowSec() {
        double w = oursConfig().windowSec();
        if (w < 1 || w != Math.rint(w)) {
            throw new IllegalArgumentException("SAMPLE_INTERVAL must be a whole number of seconds in the bench (it simulates whole seconds), got " + w);
        }
        return (int) w;
    }

    /** Lets this runner make ours+llm; the caller closes each advisor (as {@link #run} does) and reports it. */
    public BenchRunner allowLlm() {
        this.llmAllowed = true;
        return this;
    }

    /** Checks that {@code name} is a policy this runner can make, without keeping what it made (an LLM client, say). */
    public void check(String name) {
        BenchPolicy p = policy(name);
        if (p instanceof OursPolicy o && o.llm() != null) o.llm().close();
    }

    public BenchPolicy policy(String name) {
        return switch (name) {
            case "ours" -> new OursPolicy(oursConfig(), oursWindowSec());
            case "hpa" -> new PeerPolicy(new Hpa((int) Math.round(cfg.targetUtilisation() * 100), false));
            case "hpa-behavior" -> new PeerPolicy(new Hpa((int) Math.round(cfg.targetUtilisation() * 100), true));
            case "kpa" -> new PeerPolicy(new Kpa(cfg.targetUtilisation()));
            case "poc" -> new PocPolicy();
            // replicas warm up after their start-up: the oracle asks for them that much earlier (cfg.warmup().oracleLeadSec())
            case "oracle" -> new OraclePolicy(cfg.model(), cfg.sloMs(), cfg.startupSec() + cfg.warmup().oracleLeadSec());
            case "ours+random", "ours+contrarian" -> new OursPolicy(oursConfig(), oursWindowSec(),
                    ScriptedAdvisor.of(name.substring("ours+".length()), cfg.seed()));
            case "ours+llm" -> {
                if (!llmAllowed) throw new IllegalArgumentException("ours+llm runs in bench run and bench replay only (--advisor llm): it calls a real model");
                PolicyConfig c = oursConfig();
                int w = oursWindowSec();
                yield new OursPolicy(c, w, LlmBenchAdvisor.of(llmSettings()));
            }
            default -> throw new IllegalArgumentException(
                    "unknown policy '" + name + "' (ours, ours+random, ours+contrarian, ours+llm, hpa, hpa-behavior, kpa, poc, oracle)");
        };
    }

    /**
     * Rates scaled so that the trace's peak needs {@code peakReplicas} at the target utilisation; a trace in r_slo units
     * is multiplied by one replica's r_slo, and with {@code absoluteRps} the rates stay as they are.
     */
    public double scaleFor(Trace t) {
        if (t.rsloUnits()) return rsloRps();
        if (cfg.absoluteRps()) return 1;
        double peak = t.peak();
        return peak <= 0 ? 1 : cfg.peakReplicas() * cfg.targetUtilisation() * cfg.model().capacityRps() / peak;
    }

    /** One warm replica's r_slo: the highest rate whose p95 meets the SLO. */
    public double rsloRps() {
        return cfg.model().maxRpsWithin(cfg.sloMs());
    }

    /** Whether the trace starts cold: every trace with --cold-start, and those made to. */
    public boolean coldStart(Trace t) {
        return cfg.coldStart() || t.coldStart();
    }

    /** The LLM_* settings of the process, with those given by --set over them: what ours+llm asks with. */
    public LlmSettings llmSettings() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(oursEnv);
        return LlmSettings.from(new Env(env));
    }

    /** @param advisors what each policy's LLM advisor did, by policy name (ours+llm), where one ran */
    public record TraceRun(Trace trace, List<SimResult> results, List<Summary> summaries, Map<String, LlmBenchAdvisor.Stats> advisors) {}

    public TraceRun run(Trace trace, List<String> policies) {
        return run(trace, trace.arrivalsPerSecond(scaleFor(trace), cfg.seed(), cfg.stepHold()), policies);
    }

    /** The policies on these arrivals, one per second (a replayed log's own, say), with the oracle's as the floor. */
    public TraceRun run(Trace trace, double[] arrivals, List<String> policies) {
        Simulator sim = new Simulator(cfg);
        boolean cold = coldStart(trace);
        SimResult oracle = sim.run(trace.name(), arrivals, policy("oracle"), cold);
        List<SimResult> results = new ArrayList<>();
        Map<String, LlmBenchAdvisor.Stats> advisors = new LinkedHashMap<>();
        for (String p : policies) {
            if (p.equals("oracle")) {
                results.add(oracle);
                continue;
            }
            BenchPolicy policy = policy(p);
            try {
                results.add(sim.run(trace.name(), arrivals, policy, cold));
            } finally {
                if (policy instanceof OursPolicy o && o.llm() != null) {
                    o.llm().close();
                    advisors.put(p, o.llm().stats());
                }
            }
        }
        return new TraceRun(trace, results, Report.summaries(results, oracle.replicaSeconds()), advisors);
    }

    /**
     * The named policies, then the {@link InformedPolicy} reference at each headroom, on one trace (same arrivals, the
     * oracle's replica-seconds as the floor).
     */
    public List<Summary> frontier(Trace trace, List<String> policies, List<Double> headrooms) {
        double scale = scaleFor(trace);
        double[] arrivals = trace.arrivalsPerSecond(scale, cfg.seed(), cfg.stepHold());
        Simulator sim = new Simulator(cfg);
        boolean cold = coldStart(trace);
        SimResult oracle = sim.run(trace.name(), arrivals, policy("oracle"), cold);
        List<SimResult> results = new ArrayList<>();
        for (String p : policies) results.add(p.equals("oracle") ? oracle : sim.run(trace.name(), arrivals, policy(p), cold));
        for (double h : headrooms) {
            var informed = new InformedPolicy(s -> trace.rateAt(s, scale, cfg.stepHold()), cfg.model(), cfg.sloMs(), cfg.startupSec(), h);
            results.add(sim.run(trace.name(), arrivals, informed, cold));
        }
        return Report.summaries(results, oracle.replicaSeconds());
    }

    public List<Summary> runAll(List<Path> traces, List<String> policies, Path out, PrintStream progress) throws Exception {
        Files.createDirectories(out);
        List<Summary> all = new ArrayList<>();
        List<dev.autoscaler.bench.report.AdvisorReport.Row> advice = new ArrayList<>();
        for (Path file : traces) {
            long t0 = System.nanoTime();
            Trace trace = TraceReader.read(file);
            TraceRun run = run(trace, policies);
            all.addAll(run.summaries());
            advice.addAll(dev.autoscaler.bench.report.AdvisorReport.rows(trace.name(), run.summaries(), run.advisors()));
            String name = trace.name().replaceAll("\\.csv$", "");
            Report.chart(out.resolve(name + ".png"), name, run.results(), cfg.sloMs());
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: %d s, peak %.1f rps scaled x%.2f (%.1f s):", trace.name(),
                    trace.durationSec(), trace.peak(), scaleFor(trace), (System.nanoTime() - t0) / 1e9));
            for (int i = 0; i < run.summaries().size(); i++) {
                Summary s = run.summaries().get(i);
                line.append(String.format(Locale.ROOT, "  %s %.3f%% %.3fx settled %s", s.policy(), s.violationPct(), s.oracleRatio(),
                        Settled.of(run.results().get(i).replicas())));
            }
            progress.println(line);
        }
        Map<String, Object> config = config(traces, policies);
        Report.writeJson(out, config, all);
        Report.writeMarkdown(out, config, all);
        appendAdvisor(out, advice);
        return all;
    }

    /** The LLM advisor's section at the end of results.md, where one ran. */
    public void appendAdvisor(Path out, List<dev.autoscaler.bench.report.AdvisorReport.Row> rows) throws java.io.IOException {
        if (rows.isEmpty()) return;
        Files.writeString(out.resolve("results.md"), dev.autoscaler.bench.report.AdvisorReport.markdown(rows, llmSettings().rpm()),
                java.nio.file.StandardOpenOption.APPEND);
    }

    public Map<String, Object> config(List<Path> traces, List<String> policies) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("startup_sec", cfg.startupSec());
        c.put("peak_replicas", cfg.peakReplicas());
        c.put("min_replicas", cfg.minReplicas());
        c.put("max_replicas", cfg.maxReplicas());
        c.put("slo_p95_ms", cfg.sloMs());
        c.put("target_utilisation", cfg.targetUtilisation());
        c.put("workers_per_replica", cfg.workers());
        c.put("service_ms", cfg.serviceMs());
        c.put("replica_capacity_rps", cfg.model().capacityRps());
        c.put("replica_rslo_rps", rsloRps());
        c.put("warmup", warmup(cfg.warmup()));
        c.put("warmup_at_cold_start", warmup(cfg.startWarmup()));
        c.put("noise_after_ready_change", noise(cfg.noise()));
        c.put("noise_after_load_start", noise(cfg.startNoise()));
        c.put("cold_start", cfg.coldStart());
        c.put("absolute_rps", cfg.absoluteRps());
        c.put("queue_bound", cfg.queueBound() > 0 ? cfg.queueBound() : "none");
        c.put("max_wait_sec", cfg.maxWaitSec());
        c.put("seed", cfg.seed());
        c.put("rate_between_rows", cfg.stepHold() ? "step-hold" : "linear between bin midpoints");
        c.put("policies", policies);
        c.put("traces", traces.stream().map(p -> p.getFileName().toString()).toList());
        return c;
    }

    private static Object warmup(dev.autoscaler.bench.sim.Warmup w) {
        return w.on() ? ordered("start_fraction", w.startFraction(), "tau_sec", w.tauSec()) : "off";
    }

    private static Object noise(dev.autoscaler.bench.sim.WindowNoise n) {
        return n.on() ? ordered("seconds", n.seconds(), "probability", n.probability(), "mean_stall_ms", n.meanStallMs()) : "off";
    }

    /** A JSON object with its keys in the order given (Map.of's order is not fixed, and the config is diffed). */
    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
