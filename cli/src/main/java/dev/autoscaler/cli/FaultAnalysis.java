package dev.autoscaler.cli;

import dev.autoscaler.cli.SettleAnalysis.Verdict;
import dev.autoscaler.cli.SettleAnalysis.Window;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pure part of {@code bench faults}: from what one fault's run recorded it computes the table's row and a verdict
 * per criterion (no fleet lowered by a fault, back to the count it had, no failed requests beyond the fault's own, no
 * stray replica; bench/README.md, "Faults"). The ready count it judges is the number of the stack's replica processes
 * that answer {@code /health} (not the registry, which a Redis restart empties while every replica still serves). Times are seconds
 * on the stack's clock (the recorder's t=0).
 */
final class FaultAnalysis {
    /** The count and p95 are back within this many windows after the fault ends. */
    static final int BACK_WITHIN_WINDOWS = 2;
    /** A service's RSS after the flood is at most this times its RSS before it. */
    static final double RSS_FACTOR = 1.5;
    /** With two planners, plans per window above this mean both act (one acting gives 1). */
    static final double ONE_PLANNER_MAX_PLANS_PER_WINDOW = 1.25;
    /** p95 is back once this many seconds in a row are under the SLO. */
    static final int P95_HOLD_SEC = 5;

    static final String PASS = "PASS";
    static final String FAIL = "FAIL";

    private FaultAnalysis() {}

    /** Replica processes of the stack that answered {@code /health} with 200 at {@code t}. */
    record Live(double t, int replicas) {}

    /** One second of the load generator's own view: its p95 and how many requests completed in it. */
    record Second(double t, double p95Ms, long completed) {
        boolean underSlo(double sloMs) { return completed > 0 && p95Ms <= sloMs; }
    }

    /**
     * A plan published for the target; {@code held}: a noop because the count was unknown; {@code targetReplicas}: the
     * count it asked for (null if none); {@code source}: who decided it (heuristic: the policy; llm; manual).
     */
    record PlanSeen(double t, boolean held, Integer targetReplicas, String source) {
        PlanSeen(double t, boolean held, Integer targetReplicas) {
            this(t, held, targetReplicas, "heuristic");
        }

        boolean byPolicy() {
            return !held && "heuristic".equals(source);
        }
    }

    /** A service that exited without the harness killing it. */
    record Exit(double t, String service, int code) {}

    /** The second planner's run: started at {@code from}, the first killed at {@code killAt}. */
    record TwoPlanners(double from, double killAt, double leaseSec, String roles) {}

    /**
     * What a fault is judged against. {@code start}: the fault injected; {@code back}: what it broke is back (Redis or
     * the service restarted, the flood over; the moment of injection for a one-off act); {@code end}: the observation's
     * end. {@code before}: the ready count at {@code start}; {@code countTarget}: the count to come back to (the scale-up's
     * target in the scale-up faults). {@code replicaKilled}: the fault kills one replica, which may lower the count by one
     * until it is replaced. {@code policyMayLower}: the fault reaches the count only through advice (the LLM faults), so
     * a scale-down the policy itself decides meanwhile (advice gone stale, the policy decides again) is its own, not the
     * fault's: the floor and the count to come back to are then the lowest count the policy asked for.
     */
    record Spec(String fault, double start, double back, double end, int before, int countTarget, double sloMs, double windowSec,
                boolean replicaKilled, boolean policyMayLower) {
        Spec(String fault, double start, double back, double end, int before, int countTarget, double sloMs, double windowSec,
             boolean replicaKilled) {
            this(fault, start, back, end, before, countTarget, sloMs, windowSec, replicaKilled, false);
        }

        /** The lowest count a plan of the policy's own asked for during the fault, where that may lower it; else null. */
        Integer policyLow(List<PlanSeen> plans) {
            if (!policyMayLower) return null;
            return plans.stream().filter(p -> p.byPolicy() && p.targetReplicas() != null && in(p.t(), start, end))
                    .map(PlanSeen::targetReplicas).min(Integer::compare).orElse(null);
        }
    }

    /**
     * What was measured. {@code allowedFailures}: the killed replica's requests in flight when it died (0 otherwise).
     * Nullable when the fault does not judge them: {@code rssBeforeMib}/{@code rssAfterMib} (the flood),
     * {@code twoPlanners}, {@code confRestored} (its {@code afterSec} null: never), {@code strayReplicas} (processes not
     * in the registry, or registry entries without a process, at the end).
     */
    record Observed(long sent, long failed, Map<String, Long> errors, long allowedFailures, List<Live> live, List<Second> seconds,
                    List<Window> windows, List<PlanSeen> plans, List<Exit> exits, Map<String, Long> rssBeforeMib,
                    Map<String, Long> rssAfterMib, TwoPlanners twoPlanners, Restore confRestored, Integer strayReplicas) {}

    /** When the watcher put the upstream file right again, seconds after it was broken; null: not within the run. */
    record Restore(Double afterSec) {}

    /** {@code lowestPlanned}: the lowest count a plan asked for during the fault (null: no plan asked for one). */
    record Result(Spec spec, Observed seen, int lowest, Integer lowestPlanned, double maxWindowP95, double maxSecondP95, Double countBackSec,
                  Double p95BackSec, int decisionsLost, int heldPlans, Double plansPerWindow, Double handoverSec, List<Verdict> verdicts) {
        boolean passed() { return verdicts.stream().allMatch(v -> !FAIL.equals(v.status())); }
    }

    static Result analyze(Spec spec, Observed seen) {
        int lowest = seen.live().stream().filter(l -> in(l.t(), spec.start(), spec.end())).mapToInt(Live::replicas).min().orElse(-1);
        double maxWindow = seen.windows().stream().filter(w -> in(w.t(), spec.start(), spec.end())).mapToDouble(Window::p95Ms).max().orElse(Double.NaN);
        double maxSecond = seen.seconds().stream().filter(s -> in(s.t(), spec.start(), spec.end())).mapToDouble(Second::p95Ms).max().orElse(Double.NaN);
        Integer policyLow = spec.policyLow(seen.plans());
        int target = policyLow == null ? spec.countTarget() : Math.min(spec.countTarget(), policyLow);
        Double countBack = countBack(seen.live(), spec.back(), spec.end(), target);
        Double p95Back = p95Back(seen.seconds(), spec.back(), spec.end(), spec.sloMs());
        int lost = decisionsLost(seen.plans(), spec.start(), spec.end(), spec.windowSec());
        int held = (int) seen.plans().stream().filter(p -> p.held() && in(p.t(), spec.start(), spec.end())).count();
        TwoPlanners two = seen.twoPlanners();
        Double perWindow = two == null ? null : plansPerWindow(seen.plans(), two.from() + spec.windowSec(), two.killAt(), spec.windowSec());
        Double handover = two == null ? null : firstPlanAfter(seen.plans(), two.killAt(), spec.end());
        // the policy's own plans are left out where it may lower the count (the LLM faults): the fault's are what is judged
        Integer planned = seen.plans().stream().filter(p -> p.targetReplicas() != null && in(p.t(), spec.start(), spec.end())
                        && !(spec.policyMayLower() && p.byPolicy()))
                .map(PlanSeen::targetReplicas).min(Integer::compare).orElse(null);
        Result r = new Result(spec, seen, lowest, planned, maxWindow, maxSecond, countBack, p95Back, lost, held, perWindow, handover, List.of());
        return new Result(spec, seen, lowest, planned, maxWindow, maxSecond, countBack, p95Back, lost, held, perWindow, handover, verdicts(r));
    }

    private static boolean in(double t, double from, double to) {
        return t >= from && t <= to;
    }

    /** The ready count at {@code t}: the last sample at or before it (the first sample if none is). */
    static int countAt(List<Live> live, double t) {
        Live at = null;
        for (Live l : live) if (l.t() <= t && (at == null || l.t() >= at.t())) at = l;
        if (at == null && !live.isEmpty()) at = live.get(0);
        return at == null ? -1 : at.replicas();
    }

    /** Seconds after {@code back} from which the count stays at or above {@code target} to the end; null if it never does. */
    static Double countBack(List<Live> live, double back, double end, int target) {
        List<Live> after = live.stream().filter(l -> l.t() >= back && l.t() <= end).sorted(Comparator.comparingDouble(Live::t)).toList();
        Double from = null;
        for (Live l : after) {
            if (l.replicas() < target) from = null;
            else if (from == null) from = l.t();
        }
        return from == null ? null : Math.max(0, from - back);
    }

    /**
     * Seconds after {@code back} from which {@value #P95_HOLD_SEC} seconds in a row had the load generator's p95 under
     * the SLO (a second in which nothing completed is not under it); null if that never happened.
     */
    static Double p95Back(List<Second> seconds, double back, double end, double sloMs) {
        List<Second> after = seconds.stream().filter(s -> s.t() > back && s.t() <= end).sorted(Comparator.comparingDouble(Second::t)).toList();
        int run = 0;
        for (int i = 0; i < after.size(); i++) {
            run = after.get(i).underSlo(sloMs) ? run + 1 : 0;
            // a second's sample covers the second before it
            if (run == P95_HOLD_SEC) return Math.max(0, after.get(i - P95_HOLD_SEC + 1).t() - 1 - back);
        }
        return null;
    }

    /**
     * Windows in [from, to] that went without a plan: each gap between plans (and the span's ends) of about k windows
     * is k - 1 lost decisions, rounded to the nearest window so that a late window is not a lost one; a span without
     * any plan lost all its windows.
     */
    static int decisionsLost(List<PlanSeen> plans, double from, double to, double windowSec) {
        List<Double> at = new ArrayList<>();
        at.add(from);
        plans.stream().map(PlanSeen::t).filter(t -> t > from && t < to).sorted().forEach(at::add);
        if (at.size() == 1) return (int) Math.round((to - from) / windowSec);
        at.add(to);
        int lost = 0;
        for (int i = 1; i < at.size(); i++) lost += Math.max(0, (int) Math.round((at.get(i) - at.get(i - 1)) / windowSec) - 1);
        return lost;
    }

    /** Plans published in [from, to] per window of that span; null when the span is shorter than a window. */
    static Double plansPerWindow(List<PlanSeen> plans, double from, double to, double windowSec) {
        if (to - from < windowSec) return null;
        long n = plans.stream().filter(p -> in(p.t(), from, to)).count();
        return n / ((to - from) / windowSec);
    }

    /** Seconds from {@code t} to the first plan after it (up to {@code end}); null if none came. */
    static Double firstPlanAfter(List<PlanSeen> plans, double t, double end) {
        return plans.stream().map(PlanSeen::t).filter(p -> p > t && p <= end).min(Double::compare).map(p -> p - t).orElse(null);
    }

    static List<Verdict> verdicts(Result r) {
        Spec s = r.spec();
        Observed o = r.seen();
        List<Verdict> out = new ArrayList<>();
        Integer policyLow = s.policyLow(o.plans());
        int floor = s.replicaKilled() ? s.before() - 1 : s.before();
        String policyNote = policyLow != null && policyLow < floor
                ? String.format(Locale.ROOT, " (the policy's own scale-down to %d meanwhile, not advice)", policyLow) : "";
        if (policyLow != null) floor = Math.min(floor, policyLow);
        out.add(new Verdict("ready", r.lowest() >= 0 && r.lowest() >= floor ? PASS : FAIL, String.format(Locale.ROOT,
                "ready before %d, lowest %d%s%s", s.before(), r.lowest(), s.replicaKilled() ? " (the killed replica may lower it by one)" : "",
                policyNote)));
        // a plan below the count is how the fleet went from 8 to 1; one the next window undoes may not show in the
        // ready count, so it is judged on its own
        out.add(new Verdict("planned", r.lowestPlanned() == null || r.lowestPlanned() >= floor ? PASS : FAIL, r.lowestPlanned() == null
                ? "no plan asked for a count" : String.format(Locale.ROOT, "the lowest count a plan asked for: %d (before %d)", r.lowestPlanned(), s.before())));
        out.add(new Verdict("failed", o.failed() <= o.allowedFailures() ? PASS : FAIL, String.format(Locale.ROOT, "%d failed of %d, %d allowed%s",
                o.failed(), o.sent(), o.allowedFailures(), o.errors().isEmpty() ? "" : " " + o.errors())));
        double within = BACK_WITHIN_WINDOWS * s.windowSec();
        boolean back = r.countBackSec() != null && r.countBackSec() <= within && r.p95BackSec() != null && r.p95BackSec() <= within;
        int target = policyLow == null ? s.countTarget() : Math.min(s.countTarget(), policyLow);
        out.add(new Verdict("back", back ? PASS : FAIL, String.format(Locale.ROOT, "count %d back after %s, p95 under %.0f ms after %s (within %.0f s)",
                target, secs(r.countBackSec()), s.sloMs(), secs(r.p95BackSec()), within)));
        out.add(new Verdict("exits", o.exits().isEmpty() ? PASS : FAIL, o.exits().isEmpty() ? "no service exited"
                : String.join(", ", o.exits().stream().map(e -> String.format(Locale.ROOT, "%s exited (code %d) at t=%.0f s", e.service(), e.code(), e.t())).toList())));
        if (o.rssBeforeMib() != null && o.rssAfterMib() != null) out.add(rssVerdict(o.rssBeforeMib(), o.rssAfterMib()));
        if (o.twoPlanners() != null) {
            TwoPlanners two = o.twoPlanners();
            boolean one = r.plansPerWindow() != null && r.plansPerWindow() <= ONE_PLANNER_MAX_PLANS_PER_WINDOW;
            out.add(new Verdict("one-acts", one ? PASS : FAIL, String.format(Locale.ROOT, "%s plans per window with two planners (at most %.2f)%s",
                    r.plansPerWindow() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.plansPerWindow()), ONE_PLANNER_MAX_PLANS_PER_WINDOW,
                    two.roles() == null ? "" : "; roles " + two.roles())));
            // a plan needs a window: the handover is seen at the first window after the lease passed
            double limit = two.leaseSec() + s.windowSec();
            boolean handed = r.handoverSec() != null && r.handoverSec() <= limit;
            out.add(new Verdict("handover", handed ? PASS : FAIL, String.format(Locale.ROOT,
                    "first plan %s after the acting planner was killed (lease %.0f s + one window)", secs(r.handoverSec()), two.leaseSec())));
        }
        if (o.confRestored() != null) {
            Double after = o.confRestored().afterSec();
            out.add(new Verdict("conf", after != null && after <= within ? PASS : FAIL,
                    after == null ? "the broken upstream file was not restored" : String.format(Locale.ROOT, "restored after %.1f s", after)));
        }
        if (o.strayReplicas() != null) {
            out.add(new Verdict("strays", o.strayReplicas() == 0 ? PASS : FAIL, o.strayReplicas() + " replica process(es) and registry entries unmatched at the end"));
        }
        return out;
    }

    private static Verdict rssVerdict(Map<String, Long> before, Map<String, Long> after) {
        List<String> over = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (var e : before.entrySet()) {
            Long a = after.get(e.getKey());
            String line = String.format(Locale.ROOT, "%s %d -> %s MiB", e.getKey(), e.getValue(), a == null ? "?" : a);
            all.add(line);
            if (a == null || e.getValue() <= 0 || a > RSS_FACTOR * e.getValue()) over.add(e.getKey());
        }
        return new Verdict("rss", over.isEmpty() ? PASS : FAIL, String.join(", ", all)
                + (over.isEmpty() ? "" : String.format(Locale.ROOT, "; over %.1fx: %s", RSS_FACTOR, over)));
    }

    private static String secs(Double s) {
        return s == null ? "never" : String.format(Locale.ROOT, "%.1f s", s);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "-";
    }

    /** The markdown table, a legend, and every failed target's detail. */
    static List<String> table(List<Result> results) {
        List<String> out = new ArrayList<>();
        out.add("| fault | failed / allowed | ready before → lowest | max window p95 ms | max 1 s p95 ms | count back s | p95 back s "
                + "| decisions lost | verdict |");
        out.add("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Result r : results) {
            List<String> failed = r.verdicts().stream().filter(v -> FAIL.equals(v.status())).map(Verdict::target).toList();
            String planned = r.lowestPlanned() != null && r.lowestPlanned() < r.spec().before() ? " (planned " + r.lowestPlanned() + ")" : "";
            out.add(String.format(Locale.ROOT, "| %s | %d / %d | %d → %d%s | %s | %s | %s | %s | %d | %s |", r.spec().fault(), r.seen().failed(),
                    r.seen().allowedFailures(), r.spec().before(), r.lowest(), planned, num(r.maxWindowP95()), num(r.maxSecondP95()),
                    r.countBackSec() == null ? "never" : String.format(Locale.ROOT, "%.0f", r.countBackSec()),
                    r.p95BackSec() == null ? "never" : String.format(Locale.ROOT, "%.0f", r.p95BackSec()), r.decisionsLost(),
                    failed.isEmpty() ? PASS : FAIL + ": " + String.join(", ", failed)));
        }
        out.add("");
        out.add(String.format(Locale.ROOT, "Targets: ready: the replicas answering /health never below the count before the fault (one fewer "
                + "while a killed replica is replaced); planned: no plan asks for fewer (the table shows the lowest it asked for when "
                + "fewer); failed: no failed request but the killed replica's own in flight; back: the count "
                + "and the load generator's p95 (%d s in a row under the SLO) back within %d windows after the fault ends; exits: no "
                + "service exits; rss (flood): every service's RSS after it at most %.1fx before; one-acts and handover (second planner): "
                + "plans per window do not double, and plans resume within one lease time (+ one window) after the acting planner is "
                + "killed; conf (nginx-conf-broken): the watcher restores the upstream file; strays (executor kills): no replica process "
                + "without a registry entry, nor the reverse. Decisions lost: windows without a plan from the fault to the end.",
                P95_HOLD_SEC, BACK_WITHIN_WINDOWS, RSS_FACTOR));
        for (Result r : results) {
            for (Verdict v : r.verdicts()) {
                if (FAIL.equals(v.status())) out.add(String.format(Locale.ROOT, "- %s, %s: %s", r.spec().fault(), v.target(), v.detail()));
            }
        }
        return out;
    }

    /** One fault's numbers for --json, with the ready count every second as [t, replicas]. */
    static Map<String, Object> toMap(Result r) {
        Spec s = r.spec();
        Observed o = r.seen();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fault", s.fault());
        m.put("start_sec", round(s.start()));
        m.put("back_sec", round(s.back()));
        m.put("end_sec", round(s.end()));
        m.put("sent", o.sent());
        m.put("failed", o.failed());
        m.put("failed_allowed", o.allowedFailures());
        m.put("errors", o.errors());
        m.put("ready_before", s.before());
        m.put("ready_lowest", r.lowest());
        m.put("lowest_planned", r.lowestPlanned());
        m.put("count_target", s.countTarget());
        m.put("max_window_p95_ms", finite(r.maxWindowP95()));
        m.put("max_second_p95_ms", finite(r.maxSecondP95()));
        m.put("count_back_sec", r.countBackSec() == null ? null : round(r.countBackSec()));
        m.put("p95_back_sec", r.p95BackSec() == null ? null : round(r.p95BackSec()));
        m.put("decisions_lost", r.decisionsLost());
        m.put("held_plans", r.heldPlans());
        if (o.rssBeforeMib() != null) m.put("rss_before_mib", o.rssBeforeMib());
        if (o.rssAfterMib() != null) m.put("rss_after_mib", o.rssAfterMib());
        if (o.twoPlanners() != null) {
            m.put("plans_per_window_two_planners", r.plansPerWindow() == null ? null : round(r.plansPerWindow()));
            m.put("handover_sec", r.handoverSec() == null ? null : round(r.handoverSec()));
            m.put("lease_sec", o.twoPlanners().leaseSec());
            m.put("planner_roles", o.twoPlanners().roles());
        }
        if (o.confRestored() != null) m.put("conf_restored_after_sec", o.confRestored().afterSec());
        if (o.strayReplicas() != null) m.put("stray_replicas", o.strayReplicas());
        m.put("exits", o.exits().stream().map(e -> Map.of("service", e.service(), "code", e.code(), "t_sec", round(e.t()))).toList());
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (Verdict v : r.verdicts()) verdicts.put(v.target(), v.status() + ": " + v.detail());
        m.put("verdicts", verdicts);
        m.put("passed", r.passed());
        m.put("ready_columns", List.of("t_sec", "replicas"));
        m.put("ready", o.live().stream().filter(l -> in(l.t(), s.start() - 10, s.end())).map(l -> List.of(round(l.t()), l.replicas())).toList());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? round(v) : null;
    }

    private static double round(double v) {
        return PipelineBenchCommand.round(v);
    }
}
