package dev.autoscaler.bench;

import dev.autoscaler.bench.peers.PeerVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The bench's subcommands; {@code cli}'s {@code bench} group holds them. */
public final class BenchCli {
    private BenchCli() {}

    /** The traces and simulation settings both {@code run} and {@code frontier} take. */
    public static final class SimOptions {
        @Option(names = "--trace", required = true, description = "a t_seconds,rps CSV (repeatable)")
        java.util.List<Path> traces;

        @Option(names = "--startup-sec", defaultValue = "30", description = "replica start-up delay (default ${DEFAULT-VALUE})")
        double startupSec;

        @Option(names = "--peak-replicas", defaultValue = "20", description = "replicas the peak needs at the target utilisation (default ${DEFAULT-VALUE})")
        int peakReplicas;

        @Option(names = "--min-replicas", defaultValue = "1")
        int minReplicas;

        @Option(names = "--max-replicas", defaultValue = "40")
        int maxReplicas;

        @Option(names = "--slo-ms", defaultValue = "100", description = "SLO on p95 in ms (default ${DEFAULT-VALUE})")
        double sloMs;

        @Option(names = "--seed", defaultValue = "1")
        long seed;

        @Option(names = "--step-hold", description = "replay each row's rate as a step until the next row (default: linear between bin midpoints)")
        boolean stepHold;

        @Option(names = "--ours", split = ",", description = "planner settings for ours, e.g. --ours TARGET_UTILIZATION=0.75")
        java.util.List<String> ours;

        dev.autoscaler.bench.sim.SimConfig config() {
            var d = dev.autoscaler.bench.sim.SimConfig.defaults();
            return new dev.autoscaler.bench.sim.SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, d.targetUtilisation(),
                    d.workers(), d.serviceMs(), d.maxWaitSec(), seed, stepHold);
        }

        /**
         * A runner for these settings, after checking the policies, ours' settings and the trace files; on bad input,
         * one line on stderr and null.
         */
        BenchRunner runner(String command, java.util.List<String> policies) {
            java.util.Map<String, String> oursEnv = new java.util.HashMap<>();
            if (ours != null) {
                for (String kv : ours) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        System.err.println("autoscaler bench " + command + ": --ours takes NAME=VALUE, got '" + kv + "'");
                        return null;
                    }
                    oursEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            BenchRunner runner = new BenchRunner(config(), oursEnv);
            try {
                for (String p : policies) runner.policy(p);
                runner.oursConfig();
                for (Path t : traces) if (!Files.isRegularFile(t)) throw new IllegalArgumentException("no such trace file: " + t);
            } catch (RuntimeException e) {
                System.err.println("autoscaler bench " + command + ": " + e.getMessage());
                return null;
            }
            return runner;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Replay t_seconds,rps traces through ours, hpa, kpa, poc and the oracle; write results.json, results.md and charts.")
    public static final class Run implements Callable<Integer> {
        @Option(names = "--policies", defaultValue = "ours,hpa,kpa,poc,oracle", split = ",", description = "default ${DEFAULT-VALUE}")
        java.util.List<String> policies;

        @Option(names = "--out", defaultValue = "bench-out", description = "output folder (default ${DEFAULT-VALUE})")
        Path out;

        @picocli.CommandLine.Mixin
        SimOptions sim;

        @Override
        public Integer call() throws Exception {
            BenchRunner runner = sim.runner("run", policies);
            if (runner == null) return 2;
            try {
                runner.runAll(sim.traces, policies, out, System.out);
            } catch (java.io.IOException e) {
                System.err.println("autoscaler bench run: " + e.getMessage());
                return 2;
            }
            System.out.println("wrote " + out.resolve("results.json") + ", " + out.resolve("results.md") + " and one chart per trace");
            return 0;
        }
    }

    @Command(name = "frontier", mixinStandardHelpOptions = true,
            description = "Per trace: the policies, then a reference that knows the exact present rate and slope (not the future) "
                    + "at each fixed headroom; prints one markdown table. Where the reference cannot meet a target at any headroom, "
                    + "no reactive policy with a fixed margin can.")
    public static final class Frontier implements Callable<Integer> {
        @Option(names = "--policies", defaultValue = "ours,hpa,kpa", split = ",", description = "default ${DEFAULT-VALUE}")
        java.util.List<String> policies;

        @Option(names = "--headrooms", defaultValue = "1.0,1.1,1.2,1.3,1.5,1.75,2.0,2.5", split = ",",
                description = "the reference's margins over its straight-line forecast (default ${DEFAULT-VALUE})")
        java.util.List<Double> headrooms;

        @picocli.CommandLine.Mixin
        SimOptions sim;

        @Override
        public Integer call() throws Exception {
            if (headrooms.stream().anyMatch(h -> !(h > 0) || h > 100)) {
                System.err.println("autoscaler bench frontier: --headrooms must be numbers in (0, 100], got " + headrooms);
                return 2;
            }
            BenchRunner runner = sim.runner("frontier", policies);
            if (runner == null) return 2;
            java.util.List<dev.autoscaler.bench.report.Summary> rows = new java.util.ArrayList<>();
            for (Path t : sim.traces) {
                try {
                    rows.addAll(runner.frontier(dev.autoscaler.bench.trace.TraceReader.read(t), policies, headrooms));
                } catch (java.io.IOException | IllegalArgumentException e) {
                    System.err.println("autoscaler bench frontier: " + t + ": " + e.getMessage());
                    return 2;
                }
            }
            System.out.print(dev.autoscaler.bench.report.Report.markdown(rows));
            return 0;
        }
    }

    @Command(name = "decision", mixinStandardHelpOptions = true,
            description = "JMH: latency of one planner decision (sampled; prints p50, p99, p99.9 in microseconds).")
    public static final class Decision implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "5", description = "measurement seconds (default ${DEFAULT-VALUE})")
        int seconds;

        @Override
        public Integer call() throws Exception {
            var opts = new org.openjdk.jmh.runner.options.OptionsBuilder()
                    .include(dev.autoscaler.bench.jmh.DecisionBenchmark.class.getName())
                    .forks(1).warmupIterations(3).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                    .measurementIterations(seconds).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                    .build();
            var results = new org.openjdk.jmh.runner.Runner(opts).run();
            for (var r : results) {
                var stats = r.getPrimaryResult().getStatistics();
                System.out.printf(java.util.Locale.ROOT, "planner decision: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, mean %.2f us (%d samples)%n",
                        stats.getPercentile(50), stats.getPercentile(99), stats.getPercentile(99.9), stats.getMean(), stats.getN());
            }
            return 0;
        }
    }

    @Command(name = "verify-peers", mixinStandardHelpOptions = true,
            description = "Run the upstream HPA/KPA test vectors in DIR against our implementations.")
    public static final class VerifyPeers implements Callable<Integer> {
        @Option(names = "--vectors", required = true, description = "folder with hpa_replica_calculator.json, hpa_behavior.json, kpa_autoscaler.json")
        Path vectors;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(vectors)) {
                System.err.println("autoscaler bench verify-peers: " + vectors + " is not a folder");
                return 2;
            }
            PeerVectors pv = new PeerVectors(System.out);
            if (!pv.runAll(vectors)) {
                System.err.println("autoscaler bench verify-peers: no vector files in " + vectors);
                return 2;
            }
            System.out.println(pv.passed() + " passed, " + pv.failed() + " failed");
            return pv.failed() == 0 ? 0 : 1;
        }
    }
}
