package dev.autoscaler.bench.suite;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.autoscaler.bench.run.BenchRunner;
import dev.autoscaler.bench.report.Report;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import dev.autoscaler.bench.trace.Trace;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs policies over traces at several seeds, in parallel over (trace, seed). Each task builds its own arrivals,
 * simulator, oracle and policies (the simulator keeps its state in locals of {@code run}, the policies in their own
 * instances, and the planner's state is immutable), so tasks share nothing but the read-only traces. A task runs the
 * oracle once (every run's {@code oracle_ratio} divides by its replica-seconds), then each policy of each variant; a
 * variant is a set of planner settings for {@code ours} (the suite has one, the ablation one per mechanism switched
 * off). Rows come back in a fixed order (variant, trace, seed, policy), whatever order the tasks finish in.
 */
public final class SuiteRunner {
    private SuiteRunner() {}

    /** Planner settings for {@code ours}, by their environment-variable names. */
    public record Variant(String name, Map<String, String> oursEnv) {}

    /** One (variant, trace, seed, policy) result: suite.json's and ablation.json's rows. */
    public record Row(
            @JsonProperty("variant") String variant,
            @JsonProperty("trace") String trace,
            @JsonProperty("seed") long seed,
            @JsonProperty("policy") String policy,
            @JsonProperty("violation_pct") double violationPct,
            @JsonProperty("replica_seconds") double replicaSeconds,
            @JsonProperty("oracle_ratio") double oracleRatio,
            @JsonProperty("actions") int actions,
            @JsonProperty("worst_p95_ms") double worstP95Ms) {}

    /** The simulation settings with another seed (the seed drives the Poisson arrivals). */
    public static SimConfig withSeed(SimConfig c, long seed) {
        return c.withSeed(seed);
    }

    /**
     * Every policy of every variant over every trace at every seed on {@code threads} threads; one progress line per
     * finished (trace, seed) on {@code progress} (may be null).
     */
    public static List<Row> run(SimConfig base, List<Trace> traces, List<Long> seeds, List<String> policies, List<Variant> variants,
                                int threads, PrintStream progress) {
        record Task(int traceIndex, int seedIndex) {}
        List<Task> tasks = new ArrayList<>();
        for (int ti = 0; ti < traces.size(); ti++) for (int si = 0; si < seeds.size(); si++) tasks.add(new Task(ti, si));
        // longest first, so a week-long trace does not start last and leave the other threads idle
        tasks.sort(Comparator.comparingInt((Task t) -> -traces.get(t.traceIndex()).durationSec()));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread th = new Thread(r, "suite");
            th.setDaemon(true);
            return th;
        });
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime();
        @SuppressWarnings("unchecked")
        List<Row>[][] out = new List[traces.size()][seeds.size()];
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Task task : tasks) {
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    Trace trace = traces.get(task.traceIndex());
                    long seed = seeds.get(task.seedIndex());
                    out[task.traceIndex()][task.seedIndex()] = runOne(withSeed(base, seed), trace, policies, variants);
                    if (progress != null) {
                        synchronized (progress) {
                            progress.printf(Locale.ROOT, "[%d/%d] %s seed %d: %.1f s (%.0f s in)%n", done.incrementAndGet(), tasks.size(),
                                    trace.name(), seed, (System.nanoTime() - t0) / 1e9, (System.nanoTime() - start) / 1e9);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
        List<Row> rows = new ArrayList<>();
        for (Variant v : variants) {
            for (int ti = 0; ti < traces.size(); ti++) {
                for (int si = 0; si < seeds.size(); si++) {
                    for (Row r : out[ti][si]) if (r.variant().equals(v.name())) rows.add(r);
                }
            }
        }
        return rows;
    }

    /** One trace at one seed: the arrivals and the oracle once, then each policy of each variant (as BenchRunner.run). */
    static List<Row> runOne(SimConfig cfg, Trace trace, List<String> policies, List<Variant> variants) {
        BenchRunner first = new BenchRunner(cfg, variants.get(0).oursEnv());
        double[] arrivals = trace.arrivalsPerSecond(first.scaleFor(trace), cfg.seed(), cfg.stepHold());
        Simulator sim = new Simulator(cfg);
        boolean cold = first.coldStart(trace);
        SimResult oracle = sim.run(trace.name(), arrivals, first.policy("oracle"), cold);
        List<Row> rows = new ArrayList<>();
        for (Variant v : variants) {
            BenchRunner runner = new BenchRunner(cfg, v.oursEnv());
            List<SimResult> results = new ArrayList<>();
            for (String p : policies) results.add(p.equals("oracle") ? oracle : sim.run(trace.name(), arrivals, runner.policy(p), cold));
            for (Summary s : Report.summaries(results, oracle.replicaSeconds())) {
                rows.add(new Row(v.name(), s.trace(), cfg.seed(), s.policy(), s.violationPct(), s.replicaSeconds(), s.oracleRatio(),
                        s.actions(), s.worstP95Ms()));
            }
        }
        return rows;
    }
}
