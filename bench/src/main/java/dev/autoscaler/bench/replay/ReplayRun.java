package dev.autoscaler.bench.replay;

import dev.autoscaler.bench.run.BenchRunner;
import dev.autoscaler.bench.report.Report;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.trace.Trace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench replay}: a log's own arrivals through the policies, on a simulated replica with the log's capacity and
 * service time; the report (results.md) opens with what it assumed.
 */
public final class ReplayRun {
    private ReplayRun() {}

    /** The simulator's settings with one replica as the estimate describes it (its capacity exactly). */
    public static SimConfig config(SimConfig base, ReplicaEstimate e) {
        int workers = (int) Math.max(1, Math.round(e.capacityRps() * e.serviceMs() / 1000));
        double serviceMs = workers * 1000.0 / e.capacityRps();
        return new SimConfig(base.startupSec(), base.peakReplicas(), base.minReplicas(), base.maxReplicas(), base.sloMs(),
                base.targetUtilisation(), workers, serviceMs, base.maxWaitSec(), base.seed(), base.stepHold(), base.warmup(),
                base.startWarmup(), base.noise(), base.startNoise(), base.coldStart(), true, base.queueBound());
    }

    public static List<Summary> run(LogReplay log, ReplicaEstimate e, BenchRunner runner, SimConfig cfg, List<String> policies,
                                    Path out, PrintStream progress) throws IOException {
        Files.createDirectories(out);
        String name = log.file().getFileName().toString().replaceAll("\\.(gz)$", "").replaceAll("\\.(log|json|txt)$", "");
        double[] arrivals = log.arrivals();
        double[] t = new double[arrivals.length];
        for (int s = 0; s < t.length; s++) t[s] = s;
        Trace trace = new Trace(name, t, arrivals);
        long t0 = System.nanoTime();
        // the fleet is simulated in replicas of the estimated per-replica capacity, so the log's total rate is replayed as it is
        BenchRunner.TraceRun result = runner.run(trace, arrivals, policies);
        Report.chart(out.resolve(name + ".png"), name, result.results(), cfg.sloMs());
        progress.printf(Locale.ROOT, "simulated %d s of the log with %s (%.1f s)%n", arrivals.length, String.join(", ", policies),
                (System.nanoTime() - t0) / 1e9);
        List<String> assumptions = assumptions(log, e, cfg);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("access_log", log.file().toString());
        config.put("assumptions", assumptions);
        config.putAll(runner.config(List.of(log.file()), policies));
        Report.writeJson(out, config, result.summaries());
        Report.writeMarkdown(out, "Replay of " + log.file().getFileName(), assumptions, config, result.summaries());
        runner.appendAdvisor(out, dev.autoscaler.bench.report.AdvisorReport.rows(name, result.summaries(), result.advisors()));
        return result.summaries();
    }

    /** The report's first lines: what was read, and every number the replay had to assume. */
    static List<String> assumptions(LogReplay log, ReplicaEstimate e, SimConfig cfg) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%,d lines read (%s format), %,d that did not parse%s", log.lines(), log.format(), log.bad(),
                log.firstBad().isEmpty() ? "" : " (first at lines " + log.firstBad() + ")"));
        out.add(String.format(Locale.ROOT, "%,d s from %s to %s; peak %.0f rps, mean %.1f rps", log.durationSec(),
                Instant.ofEpochSecond(log.firstSec()), Instant.ofEpochSecond(log.firstSec() + log.durationSec() - 1), log.peakRps(),
                java.util.Arrays.stream(log.arrivals()).average().orElse(0)));
        out.add("one replica's capacity: " + e.capacityFrom());
        out.add("service time: " + e.serviceFrom());
        out.add("replicas: " + e.replicas());
        out.add(String.format(Locale.ROOT, "simulated replica: %d workers x %.1f ms = %.1f rps; replicas start in %.0f s; SLO p95 %.0f ms; "
                        + "%d to %d replicas; each policy starts with what the first second needs", cfg.workers(), cfg.serviceMs(),
                cfg.model().capacityRps(), cfg.startupSec(), cfg.sloMs(), cfg.minReplicas(), cfg.maxReplicas()));
        int need = (int) Math.ceil(log.peakRps() / (cfg.model().capacityRps() * cfg.targetUtilisation()));
        if (need > cfg.maxReplicas()) {
            out.add(String.format(Locale.ROOT, "WARNING: the peak needs %d replicas at %.0f %% utilisation, more than --max-replicas %d",
                    need, 100 * cfg.targetUtilisation(), cfg.maxReplicas()));
        }
        return out;
    }
}
