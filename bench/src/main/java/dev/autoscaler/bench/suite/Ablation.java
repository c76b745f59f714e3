package dev.autoscaler.bench.suite;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.autoscaler.bench.suite.Mechanisms.Mechanism;
import dev.autoscaler.bench.suite.SuiteRunner.Row;
import dev.autoscaler.bench.suite.SuiteSummary.Line;
import dev.autoscaler.bench.suite.SuiteSummary.Stat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each mechanism is worth: {@code ours} over the suite with the defaults (variant {@value #DEFAULT}) and once per
 * mechanism switched off (variant named as the mechanism). Per trace and summed: the change of the mean violation %,
 * of the mean oracle_ratio and of the mean number of scaling actions against the defaults, and a verdict
 * ({@link #verdict}). Actions count because churn is a cost of its own (each start or stop is work and a risk), and
 * some mechanisms exist to make fewer of them.
 */
public final class Ablation {
    public static final String DEFAULT = "default";
    public static final String KEEPS = "keeps its place";
    public static final String NOISE = "within noise";
    /** Differences below this are rounding in the sums, not a change. */
    private static final double EPS = 1e-9;
    /** The three measures as a verdict names them, in this order. */
    public static final List<String> MEASURES = List.of("violation", "× oracle", "actions");

    private Ablation() {}

    /** The variants to run: the defaults (plus {@code base}, the --set settings), then each mechanism off on top of them. */
    public static List<SuiteRunner.Variant> variants(Map<String, String> base, List<Mechanism> mechanisms) {
        List<SuiteRunner.Variant> out = new ArrayList<>();
        out.add(new SuiteRunner.Variant(DEFAULT, Map.copyOf(base)));
        for (Mechanism m : mechanisms) {
            Map<String, String> env = new java.util.HashMap<>(base);
            env.putAll(m.off());
            out.add(new SuiteRunner.Variant(m.name(), Map.copyOf(env)));
        }
        return out;
    }

    /**
     * "keeps its place (…)" when switching the mechanism off moves any of the violation %, the oracle_ratio or the
     * number of actions by more than the defaults' seed-to-seed spread of that same number, naming the measures that
     * moved ({@link #MEASURES}, e.g. "keeps its place (violation, actions)"); otherwise "within noise".
     */
    public static String verdict(double dViolation, double dRatio, double dActions, double spreadViolation, double spreadRatio,
                                 double spreadActions) {
        double[] d = {dViolation, dRatio, dActions};
        double[] spread = {spreadViolation, spreadRatio, spreadActions};
        List<String> moved = new ArrayList<>();
        for (int i = 0; i < d.length; i++) if (Math.abs(d[i]) > spread[i] + EPS) moved.add(MEASURES.get(i));
        return moved.isEmpty() ? NOISE : KEEPS + " (" + String.join(", ", moved) + ")";
    }

    /**
     * One trace (or "total") and mechanism: the defaults, the change with the mechanism off (Δ = off − defaults, of the
     * means over seeds; the change of actions also as a percentage of the defaults' mean, null when that is zero), the
     * verdict.
     */
    public record Effect(@JsonProperty("trace") String trace, @JsonProperty("mechanism") String mechanism,
                         @JsonProperty("default_violation_pct") Stat defaultViolation, @JsonProperty("default_oracle_ratio") Stat defaultRatio,
                         @JsonProperty("default_actions") Stat defaultActions,
                         @JsonProperty("delta_violation_pct") double dViolation, @JsonProperty("delta_oracle_ratio") double dRatio,
                         @JsonProperty("delta_actions") double dActions, @JsonProperty("delta_actions_pct") Double dActionsPct,
                         @JsonProperty("verdict") String verdict) {}

    /** Per trace, then "total", for each mechanism; from the rows of {@code ours} only. */
    public static List<Effect> effects(List<Row> rows, List<Mechanism> mechanisms) {
        List<Row> ours = rows.stream().filter(r -> r.policy().equals("ours")).toList();
        List<Row> def = only(ours, DEFAULT);
        List<Line> defLines = new ArrayList<>(SuiteSummary.lines(def));
        defLines.addAll(SuiteSummary.totals(def));
        List<Effect> out = new ArrayList<>();
        for (Mechanism m : mechanisms) {
            List<Row> off = only(ours, m.name());
            List<Line> offLines = new ArrayList<>(SuiteSummary.lines(off));
            offLines.addAll(SuiteSummary.totals(off));
            for (Line d : defLines) {
                Line o = offLines.stream().filter(x -> x.trace().equals(d.trace())).findFirst().orElse(null);
                if (o == null) continue;
                double dv = o.violation().mean() - d.violation().mean();
                double dr = o.ratio().mean() - d.ratio().mean();
                double da = o.actions().mean() - d.actions().mean();
                Double daPct = d.actions().mean() == 0 ? null : 100 * da / d.actions().mean();
                out.add(new Effect(d.trace(), m.name(), d.violation(), d.ratio(), d.actions(), dv, dr, da, daPct,
                        verdict(dv, dr, da, d.violation().spread(), d.ratio().spread(), d.actions().spread())));
            }
        }
        return out;
    }

    /** Rounded to the printed three decimals, without a negative zero ("-0.000" for a change that prints as none). */
    private static double printed(double v) {
        return Math.round(v * 1000) / 1000.0 + 0.0;
    }

    /** Rounded to the printed one decimal, without a negative zero. */
    private static double printed1(double v) {
        return Math.round(v * 10) / 10.0 + 0.0;
    }

    /** A change of actions: "+12.3 (+4.5 %)", the percentage of the defaults' mean left out when that mean is zero. */
    static String actionsCell(double d, Double pct) {
        String s = String.format(Locale.ROOT, "%+.1f", printed1(d));
        return pct == null ? s : s + String.format(Locale.ROOT, " (%+.1f %%)", printed1(pct));
    }

    /**
     * The compact table: a line with the defaults' summed violation %, × oracle and actions ("mean (spread)", the
     * spread of the per-seed sums), then one row per mechanism with the change of each summed number when it is
     * switched off and the verdict on the sums (the "total" effects).
     */
    public static String compact(List<Row> rows, List<Mechanism> mechanisms) {
        List<Row> def = only(rows.stream().filter(r -> r.policy().equals("ours")).toList(), DEFAULT);
        StringBuilder sb = new StringBuilder();
        List<Line> totals = SuiteSummary.totals(def);
        if (!totals.isEmpty()) {
            Line t = totals.get(0);
            int traces = SuiteSummary.distinct(def, Row::trace).size();
            sb.append(String.format(Locale.ROOT, "Defaults summed over %d trace%s (mean over seeds, in brackets the spread of the per-seed sums): "
                    + "violation %% %s, × oracle %s, actions %.1f (%.1f).\n\n", traces, traces == 1 ? "" : "s", SuiteSummary.cell(t.violation()),
                    SuiteSummary.cell(t.ratio()), t.actions().mean(), t.actions().spread()));
        }
        sb.append("| mechanism | what it does | Δ violation % | Δ × oracle | Δ actions | verdict |\n|---|---|---:|---:|---:|---|\n");
        List<Effect> effects = effects(rows, mechanisms);
        for (Mechanism m : mechanisms) {
            Effect e = effects.stream().filter(x -> x.trace().equals("total") && x.mechanism().equals(m.name())).findFirst().orElse(null);
            sb.append("| `").append(m.name()).append("` | ").append(m.description().replace("|", "\\|")).append(" |");
            if (e == null) {
                sb.append(" | | | |\n");
                continue;
            }
            sb.append(String.format(Locale.ROOT, " %+.3f | %+.3f | %s | %s |\n", printed(e.dViolation()), printed(e.dRatio()),
                    actionsCell(e.dActions(), e.dActionsPct()), e.verdict()));
        }
        return sb.toString();
    }

    private static List<Row> only(List<Row> rows, String variant) {
        return rows.stream().filter(r -> r.variant().equals(variant)).toList();
    }

    /**
     * One markdown table: per trace the defaults' violation % and × oracle as "mean (spread)", then per mechanism the
     * change of each with it off and the verdict (on all three measures: the change of actions is in {@link #compact}
     * for the sums and in the effects for each trace, not in this already wide table); the last row sums over the
     * traces (the verdict that counts).
     */
    public static String markdown(List<Row> rows, List<Mechanism> mechanisms) {
        List<Effect> effects = effects(rows, mechanisms);
        StringBuilder sb = new StringBuilder("| trace | default violation % | default × oracle |");
        for (Mechanism m : mechanisms) sb.append(" −").append(m.name()).append(" Δ violation % | Δ × oracle | verdict |");
        sb.append("\n|---|---:|---:|").append("---:|---:|---|".repeat(mechanisms.size())).append('\n');
        List<String> traces = SuiteSummary.distinct(effects, Effect::trace);
        for (String trace : traces) {
            boolean total = trace.equals("total");
            String b = total ? "**" : "";
            List<Effect> these = effects.stream().filter(e -> e.trace().equals(trace)).toList();
            if (these.isEmpty()) continue;
            Effect first = these.get(0);
            sb.append("| ").append(b).append(trace).append(b).append(" | ").append(b).append(SuiteSummary.cell(first.defaultViolation())).append(b)
                    .append(" | ").append(b).append(SuiteSummary.cell(first.defaultRatio())).append(b).append(" |");
            for (Mechanism m : mechanisms) {
                Effect e = these.stream().filter(x -> x.mechanism().equals(m.name())).findFirst().orElse(null);
                if (e == null) {
                    sb.append(" | | |");
                    continue;
                }
                sb.append(String.format(Locale.ROOT, " %s%+.3f%s | %s%+.3f%s | %s%s%s |", b, printed(e.dViolation()), b, b, printed(e.dRatio()), b, b,
                        e.verdict(), b));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
