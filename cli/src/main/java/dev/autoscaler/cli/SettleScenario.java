package dev.autoscaler.cli;

import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code bench pipeline --scenario settle}: does a steady load settle at what it needs, on the real pipeline?
 * <ol>
 *   <li>r_slo, once, on a stack of its own: with the planner off and one replica, a slow ramp; r_slo is the per-replica
 *       arrival rate at which the monitor's p95 first crosses the SLO (two windows in a row over it, interpolated from
 *       the window before).</li>
 *   <li>Each case on a fresh stack (one cold replica, a planner that knows nothing, as a new user's demo), every run:
 *       {@code flat}: the flat rate from t=0 against the one cold replica, held; {@code step}: the base rate for 60 s,
 *       then 4× that, held; {@code idle}: a short load to lift the count above MIN_REPLICAS, then no load (the
 *       monitor's probes only).</li>
 * </ol>
 * The desired and ready counts are sampled every second, and every window and enforced plan is recorded; {@link
 * SettleAnalysis} judges them.
 */
final class SettleScenario {
    static final List<String> CASES = List.of("flat", "step", "idle");
    static final double PRINT_EVERY_SEC = 5;
    static final double STEP_AT_SEC = 60;
    static final double DRIVE_UP_SEC = 30;

    /**
     * @param cases     which of flat, step, idle, in the order given, within each run
     * @param runs      how many times each case runs
     * @param baseRps   the step's base rate (the step is to 4×)
     * @param flatRps   the flat case's rate, and the idle case's short lift
     * @param steadySec how long the flat and the step's 4× load are held
     * @param idleSec   how long the idle case has no load
     * @param keepDirs  keep each stack's run directory (by default removed after a case that ran to the end)
     */
    record Options(List<String> cases, int runs, double baseRps, double flatRps, double steadySec, double idleSec, boolean keepDirs) {}

    private SettleScenario() {}

    static Map<String, Object> run(Map<String, String> env, Options o) throws Exception {
        double slo = Double.parseDouble(env.get("SLO_P95_MS"));
        int min = Integer.parseInt(env.getOrDefault("MIN_REPLICAS", System.getenv().getOrDefault("MIN_REPLICAS", "1")).trim());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("settings", env);
        Path rsloDir = Files.createTempDirectory("pipeline-settle-rslo");
        double rslo;
        try (LocalStack stack = new LocalStack(rsloDir, env).start()) {
            rslo = measureRslo(stack, slo, 40, 260, 180);
        }
        if (!o.keepDirs()) ProcessSupervisor.deleteTree(rsloDir);
        out.put("r_slo_rps", PipelineBenchCommand.round(rslo));

        List<SettleAnalysis.Result> results = new ArrayList<>();
        List<Map<String, Object>> cases = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int run = 1; run <= o.runs(); run++) {
            for (String name : o.cases()) {
                try {
                    CaseRun c = runCase(name, run, env, o, rslo, slo, min);
                    results.add(c.result());
                    cases.add(c.json());
                } catch (Exception e) {
                    say("settle %s, run %d: did not finish: %s", name, run, e);
                    failed.add(name + " run " + run + ": " + e.getMessage());
                }
            }
        }
        say("");
        say("settle: r_slo %.1f rps per replica, SLO %.0f ms, MIN_REPLICAS %d; every run of every case:", rslo, slo, min);
        for (String l : SettleAnalysis.table(results)) say("%s", l);
        for (String f : failed) say("  did not finish: %s", f);
        out.put("cases", cases);
        if (!failed.isEmpty()) out.put("did_not_finish", failed);
        return out;
    }

    private record CaseRun(SettleAnalysis.Result result, Map<String, Object> json) {}

    private static CaseRun runCase(String name, int run, Map<String, String> env, Options o, double rslo, double slo, int min)
            throws Exception {
        Path dir = Files.createTempDirectory("pipeline-settle-" + name);
        String what = switch (name) {
            case "flat" -> String.format(Locale.ROOT, "%.0f rps from t=0 against the one cold replica, held %.0f s", o.flatRps(), o.steadySec());
            case "step" -> String.format(Locale.ROOT, "%.0f rps for %.0f s, then %.0f rps held %.0f s", o.baseRps(), STEP_AT_SEC,
                    4 * o.baseRps(), o.steadySec());
            case "idle" -> String.format(Locale.ROOT, "%.0f rps for %.0f s to lift the count above MIN_REPLICAS, then no load for %.0f s "
                    + "(the monitor's probes are the only traffic)", o.flatRps(), DRIVE_UP_SEC, o.idleSec());
            default -> throw new IllegalArgumentException("unknown case " + name);
        };
        say("");
        say("settle %s, run %d: a fresh stack (one cold replica, the planner knows nothing); %s", name, run, what);
        PipelineRecorder rec;
        LoadReport load;
        double steadyFrom;
        double steadyRps;
        double end;
        try (LocalStack stack = new LocalStack(dir, env).start()) {
            rec = new PipelineRecorder(stack);
            try {
                String lb = stack.lbUrl();
                rec.begin();
                switch (name) {
                    case "flat" -> {
                        steadyFrom = 0;
                        steadyRps = o.flatRps();
                        load = PipelineBenchCommand.load(lb, new RateShape.Constant(o.flatRps()), o.steadySec(), null);
                    }
                    case "step" -> {
                        steadyFrom = STEP_AT_SEC;
                        steadyRps = 4 * o.baseRps();
                        load = PipelineBenchCommand.load(lb, new RateShape.Step(o.baseRps(), 4 * o.baseRps(), STEP_AT_SEC),
                                STEP_AT_SEC + o.steadySec(), null);
                    }
                    default -> {
                        steadyRps = 0;
                        load = PipelineBenchCommand.load(lb, new RateShape.Constant(o.flatRps()), DRIVE_UP_SEC, null);
                        steadyFrom = rec.now();
                        Thread.sleep((long) (o.idleSec() * 1000)); // the idle phase's length, not a wait for a condition
                    }
                }
                end = rec.now();
            } finally {
                rec.stop();
            }
        }
        var spec = new SettleAnalysis.Spec(name, run, steadyFrom, end, steadyRps, rslo, slo, min);
        List<SettleAnalysis.Sample> samples = rec.samples();
        List<SettleAnalysis.Window> windows = rec.windows();
        SettleAnalysis.Result r = SettleAnalysis.analyze(spec, samples, windows, rec.plans());
        say("  the count (desired from desired:%s, ready from the registry) every %.0f s, and each change of desired with its plan's reason:",
                LocalStack.TARGET, PRINT_EVERY_SEC);
        for (String l : SettleAnalysis.timeline(r, samples, windows, PRINT_EVERY_SEC)) say("%s", l);
        say("  load: sent %d, failed %d, loadgen p95 %.1f ms%s", load.sent(), load.failed(), load.p95Ms(),
                name.equals("idle") ? " (the lift only)" : "");
        for (String l : SettleAnalysis.summaryLines(r)) say("%s", l);
        Map<String, Object> json = SettleAnalysis.toMap(r, samples, PRINT_EVERY_SEC);
        json.put("load", Map.of("sent", load.sent(), "failed", load.failed(), "p95_ms", load.p95Ms()));
        if (o.keepDirs()) {
            say("  run directory: %s", dir);
            json.put("run_dir", dir.toString());
        } else {
            ProcessSupervisor.deleteTree(dir);
        }
        return new CaseRun(r, json);
    }

    /** The per-replica rate at which one replica's p95 reaches the SLO, from a slow ramp with the planner off. */
    static double measureRslo(LocalStack stack, double slo, double from, double to, double overSec) throws Exception {
        List<LatencyMetrics> windows = new CopyOnWriteArrayList<>();
        stack.bus().subscribe(Channels.ALERTS, LatencyMetrics.class, windows::add);
        String lb = stack.lbUrl();
        Keys keys = stack.bus().keys();
        stack.bus().redis().hset(keys.targetSettings(LocalStack.TARGET), Map.of("mode", "off"));
        stack.bus().redis().hset(keys.desired(LocalStack.TARGET), Map.of("replicas", "1"));
        stack.awaitReady(1, 60);
        say("r_slo: a stack of its own, planner off, one replica, warm-up at %.0f rps for 20 s, then a ramp %.0f -> %.0f rps over %.0f s",
                from, from, to, overSec);
        PipelineBenchCommand.load(lb, new RateShape.Constant(from), 20, null);
        windows.clear();
        PipelineBenchCommand.load(lb, new RateShape.Ramp(from, to, overSec), overSec, null);
        List<LatencyMetrics> ramp = windows.stream().filter(w -> "access_log".equals(w.source()) && w.replicas() == 1).toList();
        double rslo = crossing(ramp, slo);
        say("  r_slo = %.1f rps per replica (p95 crosses %.0f ms; %d windows)", rslo, slo, ramp.size());
        return rslo;
    }

    /**
     * The rate at which p95 first crossed the SLO for two windows in a row, interpolated linearly in p95 from the window
     * before; NaN if it never did.
     */
    static double crossing(List<LatencyMetrics> ramp, double slo) {
        for (int i = 1; i + 1 < ramp.size(); i++) {
            LatencyMetrics prev = ramp.get(i - 1);
            LatencyMetrics w = ramp.get(i);
            if (w.p95Ms() > slo && ramp.get(i + 1).p95Ms() > slo && prev.p95Ms() <= slo) {
                double f = (slo - prev.p95Ms()) / (w.p95Ms() - prev.p95Ms());
                return prev.rps() + f * (w.rps() - prev.rps());
            }
        }
        return Double.NaN;
    }

    private static void say(String fmt, Object... args) {
        PipelineBenchCommand.say(fmt, args);
    }
}
