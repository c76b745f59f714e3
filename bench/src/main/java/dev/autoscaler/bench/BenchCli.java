package dev.autoscaler.bench;

import dev.autoscaler.bench.run.BenchRunner;
import dev.autoscaler.bench.peers.PeerVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The bench's subcommands; {@code cli}'s {@code bench} group holds them. */
public final class BenchCli {
    private BenchCli() {}

    /** What an environment-variable name looks like; a setting named otherwise (say, in lower case) is a typo. */
    private static final java.util.regex.Pattern SETTING_NAME = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]*");
    /** Keys never go on a command line (other users see it in ps): --advisor llm reads them from the environment or a file. */
    private static final java.util.Set<String> SECRETS = java.util.Set.of("LLM_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY", "OPENAI_API_KEY");
    /** Every name the planner's configuration and its LLM settings read (keys aside). */
    private static final java.util.Set<String> KNOWN = known();

    private static java.util.Set<String> known() {
        java.util.Set<String> names = new java.util.TreeSet<>(dev.autoscaler.planner.policy.PolicyConfig.settingNames());
        java.util.Set<String> llm = new java.util.TreeSet<>();
        dev.autoscaler.planner.llm.LlmSettings.from(dev.autoscaler.common.config.Env.recording(java.util.Map.of(), llm));
        llm.removeAll(SECRETS);
        names.addAll(llm);
        return names;
    }

    /**
     * The planner settings of {@code --set} (alias {@code --ours}), whose values picocli has split at commas: a piece
     * without '=' continues the value before it, so {@code --set SEASONAL_PERIODS=600,900,FORECAST=false} is two
     * settings. A piece that is not NAME=VALUE with an environment-variable name is an IllegalArgumentException naming
     * it, and so is a name the planner does not read ({@code PolicyConfig.settingNames}); values are checked by
     * {@code PolicyConfig.from}.
     */
    public static java.util.Map<String, String> settings(java.util.List<String> pieces) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        String last = null;
        for (String piece : pieces == null ? java.util.List.<String>of() : pieces) {
            int eq = piece.indexOf('=');
            if (eq < 0 && last != null) {
                out.put(last, out.get(last) + "," + piece);
                continue;
            }
            String name = eq < 0 ? piece.trim() : piece.substring(0, eq).trim();
            if (eq <= 0 || !SETTING_NAME.matcher(name).matches()) {
                // the name only: a value may be a secret given by mistake
                throw new IllegalArgumentException("--set takes NAME=VALUE with NAME a planner setting's environment-variable name "
                        + "(upper case, e.g. FORECAST=false), got '" + name + "'");
            }
            if (SECRETS.contains(name)) {
                throw new IllegalArgumentException("--set: " + name + " is a key: give it in the environment (or LLM_API_KEY_FILE), never on the command line");
            }
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("--set: the planner has no setting " + name + " (known: " + String.join(", ", KNOWN) + ")");
            }
            out.put(name, piece.substring(eq + 1).trim());
            last = name;
        }
        return out;
    }

    static String seedList(java.util.List<Long> seeds) {
        return String.join(", ", seeds.stream().map(String::valueOf).toList());
    }

    /** What {@code suite} and {@code ablation} take: the suite's traces and seeds, ours' settings, the simulation. */
    public static final class SuiteOptions {
        @Option(names = "--traces-dir", paramLabel = "DIR",
                description = "the folder whose *.csv traces (and copies derived from them) join the synthetic loads (default: ../shared/traces next to the project)")
        Path tracesDir;

        @Option(names = "--seeds", defaultValue = "1,2,3", split = ",", description = "arrival seeds (default ${DEFAULT-VALUE})")
        java.util.List<Long> seeds;

        @Option(names = "--only", split = ",", paramLabel = "NAME", description = "only these suite traces (comma-separated names as in the table)")
        java.util.List<String> only;

        @Option(names = {"--set", "--ours"}, split = ",", paramLabel = "NAME=VALUE",
                description = "a planner setting for ours by its environment-variable name (repeatable, or comma-separated; --ours is the same option)")
        java.util.List<String> set;

        @Option(names = "--out", defaultValue = "bench-out", description = "output folder (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--threads", description = "(trace, seed) runs in parallel (default: the available processors)")
        Integer threads;

        @picocli.CommandLine.Mixin
        ModelOptions model;

        dev.autoscaler.bench.sim.SimConfig config() {
            return model.config(seeds.get(0));
        }

        Path tracesDir() {
            if (tracesDir != null) return tracesDir;
            String home = System.getProperty("autoscaler.home");
            return (home == null ? Path.of("..", "shared", "traces") : Path.of(home).resolve("../shared/traces")).normalize();
        }

        int threads() {
            return threads != null ? threads : Runtime.getRuntime().availableProcessors();
        }

        /** The suite, checked and cut to --only, with its notes on stderr; what is wrong as an IllegalArgumentException. */
        dev.autoscaler.bench.suite.TraceSuite.Suite suite() {
            var suite = dev.autoscaler.bench.suite.TraceSuite.build(tracesDir());
            for (String n : suite.notes()) System.err.println("note: " + n);
            if (only == null || only.isEmpty()) return suite;
            java.util.List<dev.autoscaler.bench.trace.Trace> kept = new java.util.ArrayList<>();
            for (String name : only) {
                var t = suite.traces().stream().filter(x -> x.name().equals(name.trim())).findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "--only: no suite trace named '" + name.trim() + "' (the suite has: " + String.join(", ", suite.names()) + ")"));
                if (!kept.contains(t)) kept.add(t);
            }
            // the suite's order, not the order given
            kept.sort(java.util.Comparator.comparingInt(t -> suite.traces().indexOf(t)));
            return new dev.autoscaler.bench.suite.TraceSuite.Suite(java.util.List.copyOf(kept), suite.notes());
        }

        /** Every variant's configuration and every policy built once, so a bad setting fails before any run. */
        void check(java.util.List<String> policies, java.util.List<dev.autoscaler.bench.suite.SuiteRunner.Variant> variants) {
            if (seeds == null || seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
                throw new IllegalArgumentException("--seeds must be distinct numbers, got " + seeds);
            }
            if (threads != null && (threads < 1 || threads > 1024)) throw new IllegalArgumentException("--threads must be 1 to 1024, got " + threads);
            if (policies.isEmpty() || policies.stream().distinct().count() != policies.size()) {
                throw new IllegalArgumentException("--policies must name distinct policies, got " + policies);
            }
            for (var v : variants) {
                BenchRunner r = new BenchRunner(config(), v.oursEnv());
                try {
                    r.oursConfig();
                    for (String p : policies) r.policy(p);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException((variants.size() > 1 ? v.name() + ": " : "") + e.getMessage(), e);
                }
            }
        }

        java.util.Map<String, Object> jsonConfig(java.util.List<String> policies, java.util.Map<String, String> oursEnv,
                                                 java.util.List<dev.autoscaler.bench.trace.Trace> traces) {
            java.util.Map<String, Object> c = new BenchRunner(config(), oursEnv).config(java.util.List.of(), policies);
            c.remove("seed");
            c.remove("traces");
            c.put("seeds", seeds);
            c.put("set", new java.util.TreeMap<>(oursEnv));
            c.put("traces_dir", tracesDir().toString());
            java.util.List<java.util.Map<String, Object>> ts = new java.util.ArrayList<>();
            for (var t : traces) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("name", t.name());
                m.put("duration_sec", t.durationSec());
                m.put("rows", t.t().length);
                m.put("peak_rps", t.peak());
                if (t.rsloUnits()) m.put("rates", "multiples of r_slo");
                if (t.coldStart()) m.put("cold_start", true);
                ts.add(m);
            }
            c.put("traces", ts);
            return c;
        }

        static java.util.Map<String, Integer> durations(java.util.List<dev.autoscaler.bench.trace.Trace> traces) {
            java.util.Map<String, Integer> d = new java.util.LinkedHashMap<>();
            for (var t : traces) d.put(t.name(), t.durationSec());
            return d;
        }

        /** ours' settings, the variants built from them, and the suite, all checked. */
        record Prepared(java.util.Map<String, String> env, java.util.List<dev.autoscaler.bench.suite.SuiteRunner.Variant> variants,
                        dev.autoscaler.bench.suite.TraceSuite.Suite suite) {}

        /**
         * Reads --set, builds the variants from it, checks them with the policies and builds the suite; on bad input (an
         * IllegalArgumentException from any step), one line on stderr and null.
         */
        Prepared prepare(String command, java.util.List<String> policies,
                         java.util.function.Function<java.util.Map<String, String>, java.util.List<dev.autoscaler.bench.suite.SuiteRunner.Variant>> variantsOf) {
            try {
                java.util.Map<String, String> env = settings(set);
                var variants = variantsOf.apply(env);
                check(policies, variants);
                return new Prepared(env, variants, suite());
            } catch (IllegalArgumentException e) {
                System.err.println("autoscaler bench " + command + ": " + e.getMessage());
                return null;
            }
        }

        /** Writes {@code file}: true, or one line on stderr and false. */
        boolean write(String command, Path file, java.util.Map<String, Object> root) {
            try {
                writeJson(file, root);
                return true;
            } catch (java.io.IOException e) {
                System.err.println("autoscaler bench " + command + ": " + e.getMessage());
                return false;
            }
        }

        static void writeJson(Path file, java.util.Map<String, Object> root) throws java.io.IOException {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, dev.autoscaler.common.msg.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        }
    }

    @Command(name = "suite", mixinStandardHelpOptions = true,
            description = "Run the policies over the trace suite (the shared traces, copies derived from them, synthetic loads) at "
                    + "several seeds, in parallel; print one markdown table of mean violation %% and × oracle per trace with their "
                    + "seed-to-seed spread, and a total row; write DIR/suite.json with every (trace, seed, policy) row.")
    public static final class Suite implements Callable<Integer> {
        @Option(names = "--policies", defaultValue = "ours,hpa,kpa", split = ",", description = "default ${DEFAULT-VALUE}")
        java.util.List<String> policies;

        @picocli.CommandLine.Mixin
        SuiteOptions opts;

        @Override
        public Integer call() throws Exception {
            var p = opts.prepare("suite", policies, env -> java.util.List.of(new dev.autoscaler.bench.suite.SuiteRunner.Variant("default", env)));
            if (p == null) return 2;
            var env = p.env();
            var suite = p.suite();
            var variants = p.variants();
            long t0 = System.nanoTime();
            var rows = dev.autoscaler.bench.suite.SuiteRunner.run(opts.config(), suite.traces(), opts.seeds, policies, variants, opts.threads(), System.err);
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.print(dev.autoscaler.bench.suite.SuiteSummary.markdown(rows, SuiteOptions.durations(suite.traces())));
            System.out.println();
            System.out.println("Each cell: the mean over seeds " + seedList(opts.seeds) + " and, in brackets, its spread (max − min); total: the sums of "
                    + "the means, and the spread of the per-seed sums.");
            java.util.Map<String, Object> root = new java.util.LinkedHashMap<>();
            root.put("config", opts.jsonConfig(policies, env, suite.traces()));
            root.put("notes", suite.notes());
            root.put("rows", rows);
            var summary = new java.util.ArrayList<>(dev.autoscaler.bench.suite.SuiteSummary.lines(rows));
            summary.addAll(dev.autoscaler.bench.suite.SuiteSummary.totals(rows));
            root.put("summary", summary);
            Path file = opts.out.resolve("suite.json");
            if (!opts.write("suite", file, root)) return 2;
            System.err.printf(java.util.Locale.ROOT, "wrote %s (%d rows); %d traces x %d seeds in %.1f s on %d threads%n", file, rows.size(),
                    suite.traces().size(), opts.seeds.size(), wall, opts.threads());
            return 0;
        }
    }

    @Command(name = "ablation", mixinStandardHelpOptions = true,
            description = "Run ours over the trace suite with the defaults, then once per mechanism switched off; print a row per "
                    + "mechanism with the change of the summed mean violation %%, × oracle and scaling actions and a verdict (keeps its "
                    + "place: any of the three summed changes exceeds the summed defaults' seed-to-seed spread of that number), then per "
                    + "trace the change of violation %% and × oracle with the defaults' spread; write DIR/ablation.json.")
    public static final class Ablation implements Callable<Integer> {
        @Option(names = "--mechanisms", split = ",", paramLabel = "NAME", description = "only these mechanisms (default: all of suite/Mechanisms)")
        java.util.List<String> mechanisms;

        @picocli.CommandLine.Mixin
        SuiteOptions opts;

        @Override
        public Integer call() throws Exception {
            java.util.List<String> policies = java.util.List.of("ours");
            java.util.List<dev.autoscaler.bench.suite.Mechanisms.Mechanism> mechs = new java.util.ArrayList<>();
            var p = opts.prepare("ablation", policies, env -> {
                mechs.addAll(dev.autoscaler.bench.suite.Mechanisms.select(mechanisms));
                return dev.autoscaler.bench.suite.Ablation.variants(env, mechs);
            });
            if (p == null) return 2;
            var env = p.env();
            var suite = p.suite();
            var variants = p.variants();
            long t0 = System.nanoTime();
            var rows = dev.autoscaler.bench.suite.SuiteRunner.run(opts.config(), suite.traces(), opts.seeds, policies, variants, opts.threads(), System.err);
            double wall = (System.nanoTime() - t0) / 1e9;
            for (var m : mechs) {
                System.out.println("- −" + m.name() + ": " + m.description() + "; off with " + new java.util.TreeMap<>(m.off()));
            }
            System.out.println();
            System.out.print(dev.autoscaler.bench.suite.Ablation.compact(rows, mechs));
            System.out.println();
            System.out.print(dev.autoscaler.bench.suite.Ablation.markdown(rows, mechs));
            System.out.println();
            System.out.println("Default cells: the mean over seeds " + seedList(opts.seeds) + " and, in brackets, its spread (max − min); Δ: the mechanism "
                    + "off minus the defaults, of the means (Δ actions also as a percentage of the defaults' mean); total and the first "
                    + "table: sums over the traces and the spread of the per-seed sums. Verdict: \"" + dev.autoscaler.bench.suite.Ablation.KEEPS
                    + " (…)\" when a Δ of violation %, × oracle or actions exceeds the defaults' spread of the same number, naming the "
                    + "measures that moved; the per-trace verdicts use the trace's own spread, and its Δ actions is in ablation.json.");
            java.util.Map<String, Object> root = new java.util.LinkedHashMap<>();
            root.put("config", opts.jsonConfig(policies, env, suite.traces()));
            root.put("notes", suite.notes());
            java.util.List<java.util.Map<String, Object>> ms = new java.util.ArrayList<>();
            for (var m : mechs) ms.add(java.util.Map.of("name", m.name(), "description", m.description(), "off", new java.util.TreeMap<>(m.off())));
            root.put("mechanisms", ms);
            root.put("rows", rows);
            root.put("effects", dev.autoscaler.bench.suite.Ablation.effects(rows, mechs));
            Path file = opts.out.resolve("ablation.json");
            if (!opts.write("ablation", file, root)) return 2;
            System.err.printf(java.util.Locale.ROOT, "wrote %s (%d rows); %d traces x %d seeds x %d variants in %.1f s on %d threads%n", file,
                    rows.size(), suite.traces().size(), opts.seeds.size(), variants.size(), wall, opts.threads());
            return 0;
        }
    }

    /** The simulated replicas, SLO and bounds every simulating subcommand takes. */
    public static final class ModelOptions {
        @Option(names = "--startup-sec", defaultValue = "30", description = "replica start-up delay (default ${DEFAULT-VALUE})")
        double startupSec;

        @Option(names = "--peak-replicas", defaultValue = "20", description = "replicas each trace's peak needs at the target utilisation (default ${DEFAULT-VALUE})")
        int peakReplicas;

        @Option(names = "--min-replicas", defaultValue = "1")
        int minReplicas;

        @Option(names = "--max-replicas", defaultValue = "40")
        int maxReplicas;

        @Option(names = "--slo-ms", defaultValue = "100", description = "SLO on p95 in ms (default ${DEFAULT-VALUE})")
        double sloMs;

        @Option(names = "--step-hold", description = "replay each row's rate as a step until the next row (default: linear between bin midpoints)")
        boolean stepHold;

        @Option(names = "--workers", description = "workers per replica (default 4, the toy app's)")
        Integer workers;

        @Option(names = "--service-ms", description = "mean service time per request in ms (default 20, the toy app's WORK_MS)")
        Double serviceMs;

        @Option(names = "--rslo-rps", paramLabel = "RPS",
                description = "one warm replica's r_slo (the highest rate whose p95 meets the SLO): sets the service time to give it, e.g. 203 for the demo's toy app")
        Double rsloRps;

        @Option(names = "--absolute-rps", description = "replay the traces' rates as they are, not scaled to --peak-replicas (to compare with a real run)")
        boolean absoluteRps;

        @Option(names = "--cold-start", description = "start every trace from MIN_REPLICAS replicas that have just become ready, not from what its first second needs")
        boolean coldStart;

        @Option(names = "--warmup-start", paramLabel = "FRACTION", description = "speed of a replica that has just become ready, as a fraction of a warm one's (default: measured, "
                + "0.8)")
        Double warmupStart;

        @Option(names = "--warmup-sec", paramLabel = "SEC", description = "time constant of a new replica's warm-up, 0 for none (default: measured, 8)")
        Double warmupSec;

        @Option(names = "--start-warmup-start", paramLabel = "FRACTION", description = "the same for the replicas a cold start begins with (default: measured, 0.1)")
        Double startWarmupStart;

        @Option(names = "--start-warmup-sec", paramLabel = "SEC", description = "the same for the replicas a cold start begins with, 0 for none (default: measured, 3)")
        Double startWarmupSec;

        @Option(names = "--noise-sec", paramLabel = "SEC", description = "seconds after a change of the ready count whose p95 the policies see with stalls, 0 for none "
                + "(default: measured, 8)")
        Double noiseSec;

        @Option(names = "--noise-probability", paramLabel = "P", description = "chance of a stall in each of those seconds (default: measured, 0.1)")
        Double noiseProbability;

        @Option(names = "--noise-ms", paramLabel = "MS", description = "mean stall in ms (default: measured, 20)")
        Double noiseMs;

        @Option(names = "--start-noise-sec", paramLabel = "SEC", description = "seconds after a cold start's load begins whose p95 the policies see with stalls, 0 for none "
                + "(default: measured, 6)")
        Double startNoiseSec;

        @Option(names = "--start-noise-probability", paramLabel = "P", description = "chance of a stall in each of those seconds (default: measured, 0.8)")
        Double startNoiseProbability;

        @Option(names = "--start-noise-ms", paramLabel = "MS", description = "mean stall in ms (default: measured, 290)")
        Double startNoiseMs;

        @Option(names = "--queue-bound", paramLabel = "N", description = "requests that may wait per replica before the app refuses more with a 503, as the toy "
                + "app's MAX_QUEUE (1000); 0 (default): no bound, clients time out after 30 s")
        int queueBound;

        @Option(names = "--ideal", description = "no warm-up and no window noise (the other options may add some back): the simulator every number before them was "
                + "measured with")
        boolean ideal;

        /** The settings; what is out of range as an IllegalArgumentException naming the option. */
        dev.autoscaler.bench.sim.SimConfig config(long seed) {
            var d = dev.autoscaler.bench.sim.SimConfig.defaults();
            int w = workers != null ? workers : d.workers();
            if (w < 1 || w > 10_000) throw new IllegalArgumentException("--workers must be 1 to 10000, got " + w);
            if (!(sloMs > 0)) throw new IllegalArgumentException("--slo-ms must be > 0, got " + sloMs);
            if (rsloRps != null && serviceMs != null) throw new IllegalArgumentException("--rslo-rps sets the service time: give it or --service-ms, not both");
            if (rsloRps != null && !(rsloRps > 0 && rsloRps < 1e9)) throw new IllegalArgumentException("--rslo-rps must be > 0, got " + rsloRps);
            double service = rsloRps != null ? dev.autoscaler.bench.sim.QueueModel.serviceMsFor(w, rsloRps, sloMs)
                    : serviceMs != null ? serviceMs : d.serviceMs();
            if (!(service > 0 && service < 1e6)) throw new IllegalArgumentException("--service-ms must be > 0, got " + service);
            dev.autoscaler.bench.sim.Warmup warmup;
            dev.autoscaler.bench.sim.Warmup startWarmup;
            dev.autoscaler.bench.sim.WindowNoise noise;
            dev.autoscaler.bench.sim.WindowNoise startNoise;
            var off = dev.autoscaler.bench.sim.WindowNoise.off();
            try {
                // --ideal: no time to warm up (a start fraction given alone stays off, as its time constant is 0)
                warmup = new dev.autoscaler.bench.sim.Warmup(or(warmupStart, d.warmup().startFraction()), or(warmupSec, ideal ? 0 : d.warmup().tauSec()));
                startWarmup = new dev.autoscaler.bench.sim.Warmup(or(startWarmupStart, d.startWarmup().startFraction()),
                        or(startWarmupSec, ideal ? 0 : d.startWarmup().tauSec()));
                noise = noise(ideal ? off : d.noise(), noiseSec, noiseProbability, noiseMs);
                startNoise = noise(ideal ? off : d.startNoise(), startNoiseSec, startNoiseProbability, startNoiseMs);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--warmup-*/--noise-*: " + e.getMessage(), e);
            }
            if (queueBound < 0) throw new IllegalArgumentException("--queue-bound must be >= 0, got " + queueBound);
            return new dev.autoscaler.bench.sim.SimConfig(startupSec, peakReplicas, minReplicas, maxReplicas, sloMs, d.targetUtilisation(),
                    w, service, d.maxWaitSec(), seed, stepHold, warmup, startWarmup, noise, startNoise, coldStart, absoluteRps, queueBound);
        }

        private static double or(Double given, double otherwise) {
            return given != null ? given : otherwise;
        }

        /** The default noise with what the options give in its place. */
        private static dev.autoscaler.bench.sim.WindowNoise noise(dev.autoscaler.bench.sim.WindowNoise d, Double sec, Double probability, Double ms) {
            return new dev.autoscaler.bench.sim.WindowNoise(or(sec, d.seconds()), or(probability, d.probability()), or(ms, d.meanStallMs()));
        }
    }

    /** The traces and simulation settings both {@code run} and {@code frontier} take. */
    public static final class SimOptions {
        @Option(names = "--trace", required = true, description = "a t_seconds,rps CSV (repeatable)")
        java.util.List<Path> traces;

        @Option(names = "--seed", defaultValue = "1")
        long seed;

        @picocli.CommandLine.Mixin
        ModelOptions model;

        @Option(names = {"--set", "--ours"}, split = ",", paramLabel = "NAME=VALUE",
                description = "a planner setting for ours by its environment-variable name, e.g. --set TARGET_UTILIZATION=0.75 "
                        + "(repeatable, or comma-separated; --ours is the same option)")
        java.util.List<String> ours;

        dev.autoscaler.bench.sim.SimConfig config() {
            return model.config(seed);
        }

        /**
         * A runner for these settings, after checking the policies, ours' settings and the trace files; on bad input,
         * one line on stderr and null.
         */
        BenchRunner runner(String command, java.util.List<String> policies) {
            return runner(command, policies, false);
        }

        /** The same, allowing ours+llm where {@code llm} (a command that closes and reports the advisor). */
        BenchRunner runner(String command, java.util.List<String> policies, boolean llm) {
            java.util.Map<String, String> oursEnv;
            try {
                oursEnv = settings(ours);
            } catch (IllegalArgumentException e) {
                System.err.println("autoscaler bench " + command + ": " + e.getMessage());
                return null;
            }
            BenchRunner runner;
            try {
                runner = new BenchRunner(config(), oursEnv);
                if (llm) runner.allowLlm();
                for (String p : policies) runner.check(p);
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

        @Option(names = "--advisor", description = "also run ours with an advisor in the decide role: llm (the configured LLM_* "
                + "provider, asked as the planner asks it, rate limit included, on the simulated clock), or scripted at each "
                + "LLM_HEARTBEAT_SEC: random (a count within the bounds) or contrarian (the opposite of the policy); its row is ours+<advisor>")
        String advisor;

        @Override
        public Integer call() throws Exception {
            if (advisor != null) {
                var withAdvisor = withAdvisor(policies, advisor);
                if (withAdvisor == null) {
                    System.err.println("autoscaler bench run: unknown --advisor '" + advisor + "' (llm, random, contrarian)");
                    return 2;
                }
                policies = withAdvisor;
            }
            BenchRunner runner = sim.runner("run", policies, true);
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

    /** The policies with ours+ADVISOR after ours (and ours added, to compare with); null for an unknown advisor. */
    static java.util.List<String> withAdvisor(java.util.List<String> policies, String advisor) {
        if (!java.util.List.of("llm", "random", "contrarian").contains(advisor)) return null;
        java.util.List<String> out = new java.util.ArrayList<>(policies);
        if (!out.contains("ours")) out.add(0, "ours");
        if (!out.contains("ours+" + advisor)) out.add(out.indexOf("ours") + 1, "ours+" + advisor);
        return out;
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Replay an nginx access log (the project's JSON format or nginx's combined; gzip too) through ours, hpa, kpa, "
                    + "poc and the oracle: the log's own requests per second, on replicas of the capacity it shows (or --capacity-rps); "
                    + "writes results.md (its first lines say what was assumed), results.json and a chart.")
    public static final class Replay implements Callable<Integer> {
        @Option(names = "--access-log", required = true, paramLabel = "FILE", description = "the log (.gz is read as gzip)")
        Path log;

        @Option(names = "--format", description = "json (the project's log_format) or combined (nginx's default); default: what the first line looks like")
        String format;

        @Option(names = "--capacity-rps", paramLabel = "N", description = "one replica's saturation throughput; default: estimated from the log's "
                + "request times (which needs $request_time in the log)")
        Double capacityRps;

        @Option(names = "--service-ms", paramLabel = "MS", description = "one request's service time with no queue; default: the log's low-load "
                + "request time, or the toy app's 20 ms where the log has none")
        Double serviceMs;

        @Option(names = "--out", defaultValue = "bench-replay", description = "output folder (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--policies", defaultValue = "ours,hpa,kpa,poc,oracle", split = ",", description = "default ${DEFAULT-VALUE}")
        java.util.List<String> policies;

        @Option(names = "--startup-sec", defaultValue = "30", description = "replica start-up delay (default ${DEFAULT-VALUE})")
        double startupSec;

        @Option(names = "--slo-ms", defaultValue = "100", description = "SLO on p95 in ms (default ${DEFAULT-VALUE})")
        double sloMs;

        @Option(names = "--min-replicas", defaultValue = "1")
        int minReplicas;

        @Option(names = "--max-replicas", defaultValue = "100")
        int maxReplicas;

        @Option(names = "--seed", defaultValue = "1")
        long seed;

        @Option(names = {"--set"}, split = ",", paramLabel = "NAME=VALUE", description = "a planner setting for ours, as in bench run")
        java.util.List<String> ours;

        @Option(names = "--advisor", description = "also run ours with an advisor in the decide role, as in bench run: llm, random or contrarian")
        String advisor;

        @Override
        public Integer call() throws Exception {
            if (advisor != null) {
                var withAdvisor = withAdvisor(policies, advisor);
                if (withAdvisor == null) {
                    System.err.println("autoscaler bench replay: unknown --advisor '" + advisor + "' (llm, random, contrarian)");
                    return 2;
                }
                policies = withAdvisor;
            }
            if (format != null && !format.equals("json") && !format.equals("combined")) {
                System.err.println("autoscaler bench replay: --format must be json or combined, got '" + format + "'");
                return 2;
            }
            if (!Files.isRegularFile(log)) {
                System.err.println("autoscaler bench replay: no such file: " + log);
                return 2;
            }
            if (!(sloMs > 0) || startupSec < 0 || minReplicas < 0 || maxReplicas < Math.max(1, minReplicas)) {
                System.err.println("autoscaler bench replay: --slo-ms must be > 0, --startup-sec >= 0 and 0 <= --min-replicas <= --max-replicas (>= 1)");
                return 2;
            }
            dev.autoscaler.bench.replay.LogReplay replay;
            dev.autoscaler.bench.replay.ReplicaEstimate estimate;
            try {
                replay = dev.autoscaler.bench.replay.LogReplay.read(log, format, System.err);
                estimate = dev.autoscaler.bench.replay.ReplicaEstimate.of(replay, capacityRps, serviceMs);
            } catch (java.io.IOException | IllegalArgumentException e) {
                System.err.println("autoscaler bench replay: " + e.getMessage());
                return 2;
            }
            var d = dev.autoscaler.bench.sim.SimConfig.defaults();
            var base = new dev.autoscaler.bench.sim.SimConfig(startupSec, d.peakReplicas(), minReplicas, maxReplicas, sloMs, d.targetUtilisation(),
                    d.workers(), d.serviceMs(), d.maxWaitSec(), seed, false, d.warmup(), d.startWarmup(), d.noise(), d.startNoise(), false, true, 0);
            var cfg = dev.autoscaler.bench.replay.ReplayRun.config(base, estimate);
            BenchRunner runner;
            try {
                runner = new BenchRunner(cfg, settings(ours)).allowLlm();
                for (String p : policies) runner.check(p);
                runner.oursConfig();
            } catch (RuntimeException e) {
                System.err.println("autoscaler bench replay: " + e.getMessage());
                return 2;
            }
            var rows = dev.autoscaler.bench.replay.ReplayRun.run(replay, estimate, runner, cfg, policies, out, System.err);
            System.out.print(dev.autoscaler.bench.report.Report.markdown(rows));
            System.out.println("wrote " + out.resolve("results.md") + ", " + out.resolve("results.json") + " and a chart");
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
            description = "JMH: latency of one planner decision, without and with the HPA/KPA shadows (sampled; prints p50, p99, p99.9 in microseconds).")
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
                String with = "true".equals(r.getParams().getParam("shadows")) ? " with shadows" : "";
                System.out.printf(java.util.Locale.ROOT, "planner decision%s: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, mean %.2f us (%d samples)%n",
                        with, stats.getPercentile(50), stats.getPercentile(99), stats.getPercentile(99.9), stats.getMean(), stats.getN());
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
