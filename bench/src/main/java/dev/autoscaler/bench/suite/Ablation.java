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
 * mechanism switched off (variant named as the mechanism). Per trace and summed: the change of the mean violation %
 * and of the mean oracle_ratio against the defaults, and a verdict ({@link #verdict}).
 */
public final class Ablation {
    public static final String DEFAULT = "default";
    public static final String KEEPS = "keeps its place";
    public static final String NOISE = "within noise";
    /** Differences below this are rounding in the sums, not a change. */
    private static final double EPS = 1e-9;

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
     * "keeps its place" when switching the mechanism off moves the violation % or the oracle_ratio by more than the
     * defaults' seed-to-seed spread of that number; otherwise "within noise".
     */
    public static String verdict(double dViolation, double dRatio, double spreadViolation, double spreadRatio) {
        return Math.abs(dViolation) > spreadViolation + EPS || Math.abs(dRatio) > spreadRatio + EPS ? KEEPS : NOISE;
    }

    /** One trace (or "total") and mechanism: the defaults, the change with the mechanism off, the verdict. */
    public record Effect(@JsonProperty("trace") String trace, @JsonProperty("mechanism") String mechanism,
                         @JsonProperty("default_violation_pct") Stat defaultViolation, @JsonProperty("default_oracle_ratio") Stat defaultRatio,
                         @JsonProperty("delta_violation_pct") double dViolation, @JsonProperty("delta_oracle_ratio") double dRatio,
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
                out.add(new Effect(d.trace(), m.name(), d.violation(), d.ratio(), dv, dr,
                        verdict(dv, dr, d.violation().spread(), d.ratio().spread())));
            }
        }
        return out;
    }

    /** Rounded to the printed three decimals, without a negative zero ("-0.000" for a change that prints as none). */
    private static double printed(double v) {
        return Math.round(v * 1000) / 1000.0 + 0.0;
    }

    private static List<Row> only(List<Row> rows, String variant) {
        return rows.stream().filter(r -> r.variant().equals(variant)).toList();
    }

    /**
     * One markdown table: per trace the defaults' violation % and × oracle as "mean (spread)", then per mechanism the
     * change of each with it off and the verdict; the last row sums over the traces (the verdict that counts).
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
