package dev.autoscaler.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The pure part of {@code bench pipeline --scenario settle}: from what one case recorded (the desired and ready counts
 * sampled every second, the monitor's windows, the planner's plans) it finds when the count settled, replica-seconds
 * against need × seconds, the SLO-violating windows, the scale-ups while the load was steady, and the verdicts against
 * the targets. Times are seconds from the case's start (the load's first second).
 */
final class SettleAnalysis {
    /** The count is at most need + 1 within this many seconds of the load becoming steady, and does not change after. */
    static final double SETTLE_WITHIN_SEC = 180;
    /** Scale-ups while the load is steady and p95 is under the SLO count from this many seconds after the step. */
    static final double STEADY_GRACE_SEC = 30;
    /** A window's rate within this fraction of the steady rate is steady. */
    static final double STEADY_TOLERANCE = 0.10;
    /** Idle: MIN_REPLICAS within this many seconds. */
    static final double IDLE_MIN_WITHIN_SEC = 120;

    private SettleAnalysis() {}

    /** The count at one moment: desired from desired:{target} (-1 while unset), ready from the registry. */
    record Sample(double t, int desired, int ready) {
        int desiredOrReady() { return desired >= 0 ? desired : ready; }
    }

    /** One monitor window; {@code t} is when it was published (its end). */
    record Window(double t, double windowSec, double rps, double p95Ms, int replicas, String source) {
        double start() { return t - windowSec; }
    }

    /**
     * One enforced plan from {@code actions}: {@code current} is the count it planned from (the desired count then),
     * {@code p95Ms} and {@code rps} those of the window it decided on; the per-replica rate and capacity it planned with.
     */
    record PlanEvent(double t, String action, Integer targetReplicas, Integer current, String reason, Double p95Ms, Double rps,
                     Double perReplicaRps, Double capacityRps) {}

    /** A change of the desired count, with the plan that made it. */
    record Change(double t, int from, int to, String action, String reason, Double p95Ms, Double rps) {
        boolean up() { return to > from; }
    }

    /**
     * What a case is judged against. {@code steadyFrom}: when the load became steady (the flat load's start, the step,
     * the idle phase's start); {@code end}: when it stopped; {@code steadyRps}: the steady rate, 0 for idle (where the
     * need is MIN_REPLICAS).
     */
    record Spec(String name, int run, double steadyFrom, double end, double steadyRps, double rslo, double sloMs, int minReplicas) {
        boolean idle() { return steadyRps <= 0; }

        double heldSec() { return end - steadyFrom; }

        /** ceil(rps ÷ r_slo), at least MIN_REPLICAS; -1 when r_slo is unknown. */
        int need() {
            if (idle()) return minReplicas;
            if (!Double.isFinite(rslo) || rslo <= 0) return -1;
            return Math.max(minReplicas, (int) Math.ceil(steadyRps / rslo - 1e-9));
        }
    }

    /** A target met ({@code PASS}), missed ({@code FAIL}) or not judged by this run ({@code n/a}). */
    record Verdict(String target, String status, String detail) {}

    /**
     * One case's numbers. {@code settledAtSec} is from the load becoming steady; {@code settledMoment} (from the case's
     * start) is the last change of desired (or the steady start, without one) once ready caught up with it: windows that
     * began at or after it are "after settling". Replica-seconds are over the steady part, of ready and of desired.
     */
    record Result(Spec spec, int need, List<Change> changes, Sample atStart, int startCount, int peakCount, double settledAtSec, int settledCount,
                  double settledMoment, double replicaSecReady, double replicaSecDesired, double needSec, int windows,
                  List<Window> violating, int violatingSteady, List<Window> violatingAfterSettle, List<Change> steadyUps,
                  List<Change> steadyUpsInGrace, Double secondsToMin, Double readySecondsToMin, Double perReplicaRps,
                  Double capacityRps, List<Verdict> verdicts) {
        Result withVerdicts(List<Verdict> v) {
            return new Result(spec, need, changes, atStart, startCount, peakCount, settledAtSec, settledCount, settledMoment, replicaSecReady,
                    replicaSecDesired, needSec, windows, violating, violatingSteady, violatingAfterSettle, steadyUps, steadyUpsInGrace,
                    secondsToMin, readySecondsToMin, perReplicaRps, capacityRps, List.copyOf(v));
        }
    }

    /** The desired count's changes, from the enforced plans in order (a noop only sets a count not yet set). */
    static List<Change> changes(List<PlanEvent> plans) {
        List<Change> out = new ArrayList<>();
        Integer desired = null;
        for (PlanEvent p : plans.stream().sorted(Comparator.comparingDouble(PlanEvent::t)).toList()) {
            if (p.targetReplicas() == null) continue;
            boolean writes = !"noop".equals(p.action()) || desired == null;
            if (!writes) continue;
            int from = p.current() != null ? p.current() : desired != null ? desired : p.targetReplicas();
            if (p.targetReplicas() != from) out.add(new Change(p.t(), from, p.targetReplicas(), p.action(), p.reason(), p.p95Ms(), p.rps()));
            desired = p.targetReplicas();
        }
        return out;
    }

    /** The integral of {@code f} over [from, to]; each sample holds until the next (the first also back to {@code from}). */
    static double integral(List<Sample> samples, double from, double to, ToIntFunction<Sample> f) {
        double sum = 0;
        for (int i = 0; i < samples.size(); i++) {
            double a = i == 0 ? from : Math.max(from, samples.get(i).t());
            double b = Math.min(to, i + 1 < samples.size() ? samples.get(i + 1).t() : to);
            if (b > a) sum += f.applyAsInt(samples.get(i)) * (b - a);
        }
        return sum;
    }

    static Result analyze(Spec spec, List<Sample> samples, List<Window> windows, List<PlanEvent> plans) {
        List<Change> changes = changes(plans).stream().filter(c -> c.t() <= spec.end()).toList();
        List<Sample> inCase = samples.stream().filter(s -> s.t() <= spec.end()).toList();
        int need = spec.need();
        double from = spec.steadyFrom();

        int startCount = countAt(inCase, changes, from);
        int settledCount = countAt(inCase, changes, spec.end());
        int peakCount = Math.max(startCount, inCase.stream().filter(s -> s.t() >= from).mapToInt(Sample::desiredOrReady).max().orElse(startCount));
        for (Change c : changes) if (c.t() >= from) peakCount = Math.max(peakCount, c.to());
        Change last = null;
        for (Change c : changes) if (c.t() >= from) last = c;
        double settledAtSec = last == null ? 0 : last.t() - from;
        double base = last == null ? from : last.t();
        double settledMoment = base;
        for (Sample s : inCase) {
            if (s.t() >= base && s.desired() >= 0 && s.ready() >= s.desired()) {
                settledMoment = s.t();
                break;
            }
        }

        double ready = integral(inCase, from, spec.end(), Sample::ready);
        double desired = integral(inCase, from, spec.end(), Sample::desiredOrReady);
        double needSec = need < 0 ? Double.NaN : need * spec.heldSec();

        List<Window> caseWindows = windows.stream().filter(w -> w.t() > 0 && w.start() < spec.end())
                .sorted(Comparator.comparingDouble(Window::t)).toList();
        List<Window> violating = caseWindows.stream().filter(w -> w.p95Ms() > spec.sloMs()).toList();
        int violatingSteady = (int) violating.stream().filter(w -> w.t() > from).count();
        final double settled = settledMoment;
        List<Window> after = violating.stream().filter(w -> w.start() >= settled).toList();

        List<Change> ups = new ArrayList<>();
        List<Change> early = new ArrayList<>();
        for (Change c : changes) {
            if (!c.up() || c.t() < from) continue;
            boolean steady = spec.idle() || c.rps() != null && Math.abs(c.rps() - spec.steadyRps()) <= STEADY_TOLERANCE * spec.steadyRps();
            boolean under = c.p95Ms() != null && c.p95Ms() <= spec.sloMs();
            if (steady && under) (c.t() >= from + STEADY_GRACE_SEC ? ups : early).add(c);
        }

        Double toMin = null;
        Double readyToMin = null;
        if (spec.idle()) {
            if (startCount <= spec.minReplicas()) toMin = 0.0;
            else for (Change c : changes) if (c.t() >= from && c.to() <= spec.minReplicas()) { toMin = c.t() - from; break; }
            for (Sample s : inCase) if (s.t() >= from && s.ready() <= spec.minReplicas()) { readyToMin = s.t() - from; break; }
        }

        PlanEvent lastPlan = null;
        for (PlanEvent p : plans) if (p.t() <= spec.end() && p.perReplicaRps() != null && (lastPlan == null || p.t() >= lastPlan.t())) lastPlan = p;
        PlanEvent lastCapacity = null;
        for (PlanEvent p : plans) if (p.t() <= spec.end() && p.capacityRps() != null && (lastCapacity == null || p.t() >= lastCapacity.t())) lastCapacity = p;

        Sample atStart = null;
        for (Sample s : inCase) if (atStart == null || s.t() <= 0) atStart = s;
        Result r = new Result(spec, need, changes, atStart, startCount, peakCount, settledAtSec, settledCount, settledMoment, ready, desired,
                needSec, caseWindows.size(), violating, violatingSteady, after, ups, early, toMin, readyToMin,
                lastPlan == null ? null : lastPlan.perReplicaRps(), lastCapacity == null ? null : lastCapacity.capacityRps(), List.of());
        return r.withVerdicts(verdicts(r));
    }

    /** The desired count at {@code t}: the last sample's at or before it, else the last change's, else the first sample's. */
    private static int countAt(List<Sample> samples, List<Change> changes, double t) {
        Sample at = null;
        for (Sample s : samples) if (s.t() <= t && s.desiredOrReady() >= 0) at = s;
        if (at != null) return at.desiredOrReady();
        Change c = null;
        for (Change x : changes) if (x.t() <= t) c = x;
        if (c != null) return c.to();
        return samples.isEmpty() ? -1 : samples.get(0).desiredOrReady();
    }

    static List<Verdict> verdicts(Result r) {
        Spec s = r.spec();
        List<Verdict> out = new ArrayList<>();
        if (s.idle()) {
            String detail = r.startCount() <= s.minReplicas()
                    ? String.format(Locale.ROOT, "idle began at %d = MIN_REPLICAS already: nothing to show", r.startCount())
                    : r.secondsToMin() == null
                    ? String.format(Locale.ROOT, "from %d, still %d after %.0f s", r.startCount(), r.settledCount(), s.heldSec())
                    : String.format(Locale.ROOT, "from %d to %d in %.0f s%s", r.startCount(), s.minReplicas(), r.secondsToMin(),
                            r.settledCount() > s.minReplicas() ? String.format(Locale.ROOT, ", then back up to %d", r.settledCount()) : "");
            boolean reached = r.secondsToMin() != null && r.secondsToMin() <= IDLE_MIN_WITHIN_SEC && r.settledCount() <= s.minReplicas()
                    && r.settledAtSec() <= IDLE_MIN_WITHIN_SEC;
            String status = reached ? "PASS" : s.heldSec() < IDLE_MIN_WITHIN_SEC && r.secondsToMin() == null ? "n/a" : "FAIL";
            out.add(new Verdict(String.format(Locale.ROOT, "MIN_REPLICAS (%d) within %.0f s of idle", s.minReplicas(), IDLE_MIN_WITHIN_SEC),
                    status, detail));
        } else {
            String target = String.format(Locale.ROOT, "count <= need + 1 within %.0f s of steady, unchanged after", SETTLE_WITHIN_SEC);
            String detail = String.format(Locale.ROOT, "settled %.0f s after steady at %d, need %d", r.settledAtSec(), r.settledCount(), r.need());
            if (r.need() < 0) {
                out.add(new Verdict(target, "n/a", "no r_slo, so no need"));
            } else if (s.heldSec() < SETTLE_WITHIN_SEC) {
                out.add(new Verdict(target, "n/a", detail + String.format(Locale.ROOT, " (held %.0f s < %.0f s)", s.heldSec(), SETTLE_WITHIN_SEC)));
            } else {
                boolean ok = r.settledAtSec() <= SETTLE_WITHIN_SEC && r.settledCount() <= r.need() + 1;
                out.add(new Verdict(target, ok ? "PASS" : "FAIL", detail));
            }
            String upsTarget = String.format(Locale.ROOT, "no scale-up while steady (±%.0f %%) and p95 <= SLO, from %.0f s after the step",
                    100 * STEADY_TOLERANCE, STEADY_GRACE_SEC);
            if (s.heldSec() <= STEADY_GRACE_SEC) {
                out.add(new Verdict(upsTarget, "n/a", String.format(Locale.ROOT, "held %.0f s", s.heldSec())));
            } else {
                out.add(new Verdict(upsTarget, r.steadyUps().isEmpty() ? "PASS" : "FAIL", r.steadyUps().size() + " such scale-up(s)"
                        + (r.steadyUpsInGrace().isEmpty() ? "" : ", " + r.steadyUpsInGrace().size() + " more in the first "
                        + (int) STEADY_GRACE_SEC + " s (not counted)")));
            }
        }
        out.add(new Verdict("no SLO-violating window after the count settles", r.violatingAfterSettle().isEmpty() ? "PASS" : "FAIL",
                String.format(Locale.ROOT, "%d after settling, %d in the steady part, %d in all", r.violatingAfterSettle().size(),
                        r.violatingSteady(), r.violating().size())));
        return out;
    }

    /**
     * The count over time: a row every {@code every} seconds (the first sample at or after each multiple, from 0 to the
     * end) with the latest window's rate and p95, and each change of desired with its plan's reason, in time order.
     */
    static List<String> timeline(Result r, List<Sample> samples, List<Window> windows, double every) {
        record Row(double t, String text) {}
        List<Row> rows = new ArrayList<>();
        List<Window> sorted = windows.stream().sorted(Comparator.comparingDouble(Window::t)).toList();
        double next = 0;
        for (Sample s : samples) {
            if (s.t() < next || s.t() > r.spec().end()) continue;
            Window w = null;
            for (Window x : sorted) if (x.t() <= s.t()) w = x;
            rows.add(new Row(s.t(), String.format(Locale.ROOT, "  t=%5.0f s  desired %2d  ready %2d  window: %s", s.t(), s.desired(), s.ready(),
                    w == null ? "-" : String.format(Locale.ROOT, "%6.1f rps  p95 %7.1f ms%s", w.rps(), w.p95Ms(),
                            w.p95Ms() > r.spec().sloMs() ? "  > SLO" : ""))));
            next = Math.floor(s.t() / every) * every + every;
        }
        for (Change c : r.changes()) {
            if (c.t() < 0) continue;
            rows.add(new Row(c.t(), String.format(Locale.ROOT, "  t=%5.1f s  desired %d -> %d  %s: %s  (window %s rps, p95 %s ms)", c.t(), c.from(),
                    c.to(), c.action(), c.reason(), fmt(c.rps()), fmt(c.p95Ms()))));
        }
        return rows.stream().sorted(Comparator.comparingDouble(Row::t)).map(Row::text).toList();
    }

    /** The per-case summary lines after the timeline, ending with one verdict line per target. */
    static List<String> summaryLines(Result r) {
        Spec s = r.spec();
        List<String> out = new ArrayList<>();
        if (s.idle()) {
            out.add(String.format(Locale.ROOT, "  need: MIN_REPLICAS = %d (probe traffic only); idle began at %d desired, peak %d", r.need(),
                    r.startCount(), r.peakCount()));
            out.add(String.format(Locale.ROOT, "  desired reached MIN_REPLICAS: %s after idle began; ready: %s",
                    r.secondsToMin() == null ? "never" : String.format(Locale.ROOT, "%.0f s", r.secondsToMin()),
                    r.readySecondsToMin() == null ? "never" : String.format(Locale.ROOT, "%.0f s", r.readySecondsToMin())));
        } else {
            out.add(String.format(Locale.ROOT, "  r_slo %.1f rps per replica; need = ceil(%.0f / %.1f) = %d", s.rslo(), s.steadyRps(), s.rslo(), r.need()));
        }
        if (r.atStart() != null) {
            out.add(String.format(Locale.ROOT, "  at t=0: desired %d, ready %d%s", r.atStart().desired(), r.atStart().ready(),
                    s.steadyFrom() > 0 ? String.format(Locale.ROOT, "; when %s (t=%.0f s): desired %d",
                            s.idle() ? "idle began" : "the load became steady", s.steadyFrom(), r.startCount()) : ""));
        }
        out.add(String.format(Locale.ROOT, "  settled %.0f s after %s, at %d (need %d%s); peak %d", r.settledAtSec(),
                s.idle() ? "idle began" : "the load became steady",
                r.settledCount(), r.need(), r.need() < 0 ? "" : r.settledCount() <= r.need() + 1 ? ", <= need + 1" : ", > need + 1",
                r.peakCount()));
        out.add(String.format(Locale.ROOT, "  replica-seconds over the %.0f s steady part: ready %.0f, desired %.0f, need x seconds %.0f (ready %s x need)",
                s.heldSec(), r.replicaSecReady(), r.replicaSecDesired(), r.needSec(),
                Double.isFinite(r.needSec()) && r.needSec() > 0 ? String.format(Locale.ROOT, "%.2f", r.replicaSecReady() / r.needSec()) : "-"));
        if (!s.idle()) {
            out.add(String.format(Locale.ROOT, "  planner at the end: plans %s rps per replica (%s vs r_slo), learned capacity %s rps (%s vs r_slo)",
                    fmt(r.perReplicaRps()), pct(r.perReplicaRps(), s.rslo()), fmt(r.capacityRps()), pct(r.capacityRps(), s.rslo())));
        }
        out.add(String.format(Locale.ROOT, "  SLO-violating windows (p95 > %.0f ms): %d in all, %d in the steady part, %d after settling (windows from t=%.0f s), of %d",
                s.sloMs(), r.violating().size(), r.violatingSteady(), r.violatingAfterSettle().size(), r.settledMoment(), r.windows()));
        for (Window w : r.violating()) {
            out.add(String.format(Locale.ROOT, "    t=%5.1f s  p95 %7.1f ms  %6.1f rps  %d ready%s", w.t(), w.p95Ms(), w.rps(), w.replicas(),
                    w.start() >= r.settledMoment() ? "  (after settling)" : ""));
        }
        String which = s.idle() ? "while idle" : String.format(Locale.ROOT, "while steady (±%.0f %%)", 100 * STEADY_TOLERANCE);
        out.add(String.format(Locale.ROOT, "  scale-ups %s with p95 <= SLO, from %.0f s after %s: %d", which, STEADY_GRACE_SEC,
                s.idle() ? "idle began" : "the step", r.steadyUps().size()));
        for (Change c : r.steadyUps()) out.add(String.format(Locale.ROOT, "    t=%5.1f s  %d -> %d  (%s rps, p95 %s ms): %s", c.t(), c.from(), c.to(),
                fmt(c.rps()), fmt(c.p95Ms()), c.reason()));
        for (Change c : r.steadyUpsInGrace()) out.add(String.format(Locale.ROOT, "    t=%5.1f s  %d -> %d  (%s rps, p95 %s ms): %s  [first %.0f s: not counted]",
                c.t(), c.from(), c.to(), fmt(c.rps()), fmt(c.p95Ms()), c.reason(), STEADY_GRACE_SEC));
        for (Verdict v : r.verdicts()) out.add(String.format(Locale.ROOT, "  %-4s %s: %s", v.status(), v.target(), v.detail()));
        return out;
    }

    /** The case's numbers for --json; the samples every {@code every} seconds as [t, desired, ready]. */
    static Map<String, Object> toMap(Result r, List<Sample> samples, double every) {
        Spec s = r.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("case", s.name());
        m.put("run", s.run());
        m.put("r_slo_rps", round(s.rslo()));
        m.put("steady_rps", s.steadyRps());
        m.put("steady_from_sec", round(s.steadyFrom()));
        m.put("steady_held_sec", round(s.heldSec()));
        m.put("need", r.need());
        m.put("t0_desired", r.atStart() == null ? null : r.atStart().desired());
        m.put("t0_ready", r.atStart() == null ? null : r.atStart().ready());
        m.put("start_count", r.startCount());
        m.put("peak_count", r.peakCount());
        m.put("settled_at_sec", round(r.settledAtSec()));
        m.put("settled_count", r.settledCount());
        m.put("settled_within_need_plus_one", r.need() < 0 ? null : r.settledCount() <= r.need() + 1);
        m.put("replica_sec_ready", round(r.replicaSecReady()));
        m.put("replica_sec_desired", round(r.replicaSecDesired()));
        m.put("need_sec", Double.isFinite(r.needSec()) ? round(r.needSec()) : null);
        m.put("learned_rps_per_replica", r.perReplicaRps());
        m.put("learned_vs_r_slo_pct", r.perReplicaRps() == null ? null : round(100 * (r.perReplicaRps() - s.rslo()) / s.rslo()));
        m.put("learned_capacity_rps", r.capacityRps());
        m.put("capacity_vs_r_slo_pct", r.capacityRps() == null ? null : round(100 * (r.capacityRps() - s.rslo()) / s.rslo()));
        m.put("windows", r.windows());
        m.put("violating_windows", r.violating().size());
        m.put("violating_windows_steady", r.violatingSteady());
        m.put("violating_windows_after_settle", r.violatingAfterSettle().size());
        m.put("settled_moment_sec", round(r.settledMoment()));
        m.put("violating", r.violating().stream().map(w -> List.of(round(w.t()), round(w.p95Ms()), round(w.rps()), w.replicas())).toList());
        m.put("steady_scale_ups", r.steadyUps().stream().map(SettleAnalysis::changeMap).toList());
        m.put("steady_scale_ups_in_grace", r.steadyUpsInGrace().stream().map(SettleAnalysis::changeMap).toList());
        if (s.idle()) {
            m.put("seconds_to_min", r.secondsToMin());
            m.put("ready_seconds_to_min", r.readySecondsToMin());
        }
        m.put("changes", r.changes().stream().map(SettleAnalysis::changeMap).toList());
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (Verdict v : r.verdicts()) verdicts.put(v.target(), v.status() + ": " + v.detail());
        m.put("verdicts", verdicts);
        m.put("samples_columns", List.of("t_sec", "desired", "ready"));
        List<List<Object>> rows = new ArrayList<>();
        double next = 0;
        for (Sample x : samples) {
            if (x.t() < next || x.t() > s.end()) continue;
            rows.add(List.of(round(x.t()), x.desired(), x.ready()));
            next = Math.floor(x.t() / every) * every + every;
        }
        m.put("samples", rows);
        return m;
    }

    private static Map<String, Object> changeMap(Change c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t_sec", round(c.t()));
        m.put("from", c.from());
        m.put("to", c.to());
        m.put("action", c.action());
        m.put("reason", c.reason());
        m.put("window_rps", c.rps());
        m.put("window_p95_ms", c.p95Ms());
        return m;
    }

    /** One line per run and case, for the end of the output. */
    static List<String> table(List<Result> results) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-5s %3s %6s %4s %5s %8s %5s %6s %9s %9s %6s  %s", "case", "run", "r_slo", "need", "from",
                "settled", "count", "ready/", "violating", "viol.", "steady", "verdicts"));
        out.add(String.format(Locale.ROOT, "%-5s %3s %6s %4s %5s %8s %5s %6s %9s %9s %6s", "", "", "", "", "", "at (s)", "", "need",
                "(all)", "settled", "ups", ""));
        for (Result r : results) {
            Spec s = r.spec();
            out.add(String.format(Locale.ROOT, "%-5s %3d %6.1f %4d %5d %8.0f %5d %6s %9d %9d %6s  %s", s.name(), s.run(), s.rslo(), r.need(),
                    r.startCount(), r.settledAtSec(), r.settledCount(),
                    Double.isFinite(r.needSec()) && r.needSec() > 0 ? String.format(Locale.ROOT, "%.2f", r.replicaSecReady() / r.needSec()) : "-",
                    r.violating().size(), r.violatingAfterSettle().size(), s.idle() ? "-" : String.valueOf(r.steadyUps().size()),
                    String.join(" ", r.verdicts().stream().map(Verdict::status).toList())
                            + (s.idle() ? String.format(Locale.ROOT, "  (MIN at %s)", r.secondsToMin() == null ? "never"
                            : String.format(Locale.ROOT, "%.0f s", r.secondsToMin())) : "")));
        }
        out.add(String.format(Locale.ROOT, "verdicts, in order: flat and step: count <= need + 1 within %.0f s and unchanged after; no scale-up "
                + "while steady and p95 <= SLO from %.0f s after the step; no SLO-violating window after settling. idle: MIN_REPLICAS "
                + "within %.0f s; no SLO-violating window after settling. ready/need: ready replica-seconds over need x seconds "
                + "(steady part).", SETTLE_WITHIN_SEC, STEADY_GRACE_SEC, IDLE_MIN_WITHIN_SEC));
        return out;
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f", d);
    }

    private static String pct(Double v, double of) {
        return v == null || !Double.isFinite(of) ? "-" : String.format(Locale.ROOT, "%+.0f %%", 100 * (v - of) / of);
    }

    static double round(double v) {
        return PipelineBenchCommand.round(v);
    }
}
