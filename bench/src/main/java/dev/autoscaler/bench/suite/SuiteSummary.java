package dev.autoscaler.bench.suite;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.autoscaler.bench.suite.SuiteRunner.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The suite's numbers over seeds: per trace and policy the mean of violation %, of oracle_ratio and of the scaling
 * actions, and their spread (max − min over seeds); per policy a total: the sum of the per-trace means, and the spread
 * of the per-seed sums.
 */
public final class SuiteSummary {
    private SuiteSummary() {}

    /** A mean over seeds and its spread (max − min). */
    public record Stat(@JsonProperty("mean") double mean, @JsonProperty("spread") double spread) {
        static Stat of(List<Double> values) {
            if (values.isEmpty()) return new Stat(Double.NaN, Double.NaN);
            double sum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            return new Stat(sum / values.size(), max - min);
        }
    }

    /** One trace (or "total") and policy. */
    public record Line(@JsonProperty("trace") String trace, @JsonProperty("policy") String policy,
                       @JsonProperty("violation_pct") Stat violation, @JsonProperty("oracle_ratio") Stat ratio,
                       @JsonProperty("actions") Stat actions) {}

    /** Per trace and policy, in the rows' order of first appearance. */
    public static List<Line> lines(List<Row> rows) {
        List<Line> out = new ArrayList<>();
        for (String trace : distinct(rows, Row::trace)) {
            for (String policy : distinct(rows, Row::policy)) {
                List<Row> these = rows.stream().filter(r -> r.trace().equals(trace) && r.policy().equals(policy)).toList();
                if (these.isEmpty()) continue;
                out.add(new Line(trace, policy, Stat.of(values(these, Row::violationPct)), Stat.of(values(these, Row::oracleRatio)),
                        Stat.of(values(these, Row::actions))));
            }
        }
        return out;
    }

    /** Per policy: the sum of the per-trace means, and the spread of the per-seed sums over the traces. */
    public static List<Line> totals(List<Row> rows) {
        List<Line> lines = lines(rows);
        List<Line> out = new ArrayList<>();
        for (String policy : distinct(rows, Row::policy)) {
            double v = 0;
            double o = 0;
            double a = 0;
            for (Line l : lines) {
                if (!l.policy().equals(policy)) continue;
                v += l.violation().mean();
                o += l.ratio().mean();
                a += l.actions().mean();
            }
            List<Row> these = rows.stream().filter(r -> r.policy().equals(policy)).toList();
            Map<Long, double[]> perSeed = new LinkedHashMap<>();
            for (Row r : these) {
                double[] s = perSeed.computeIfAbsent(r.seed(), k -> new double[3]);
                s[0] += r.violationPct();
                s[1] += r.oracleRatio();
                s[2] += r.actions();
            }
            out.add(new Line("total", policy, new Stat(v, spread(perSeed.values(), 0)), new Stat(o, spread(perSeed.values(), 1)),
                    new Stat(a, spread(perSeed.values(), 2))));
        }
        return out;
    }

    private static double spread(java.util.Collection<double[]> sums, int i) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] s : sums) {
            min = Math.min(min, s[i]);
            max = Math.max(max, s[i]);
        }
        return sums.isEmpty() ? Double.NaN : max - min;
    }

    static <T> List<String> distinct(List<T> rows, java.util.function.Function<T, String> key) {
        LinkedHashSet<String> s = new LinkedHashSet<>();
        for (T r : rows) s.add(key.apply(r));
        return List.copyOf(s);
    }

    private static List<Double> values(List<Row> rows, ToDoubleFunction<Row> f) {
        return rows.stream().map(r -> f.applyAsDouble(r)).toList();
    }

    /** "mean (spread)", violation % and ratios to three decimals. */
    static String cell(Stat s) {
        return String.format(Locale.ROOT, "%.3f (%.3f)", s.mean(), s.spread());
    }

    /**
     * One markdown table: a row per trace (its length in hours, then per policy violation % and × oracle as
     * "mean (spread)"), then the total row.
     */
    public static String markdown(List<Row> rows, Map<String, Integer> durationSec) {
        List<String> policies = distinct(rows, Row::policy);
        StringBuilder sb = new StringBuilder("| trace | hours |");
        for (String p : policies) sb.append(' ').append(p).append(" violation % | ").append(p).append(" × oracle |");
        sb.append("\n|---|---:|").append("---:|---:|".repeat(policies.size())).append('\n');
        List<Line> lines = lines(rows);
        for (String trace : distinct(rows, Row::trace)) {
            Integer d = durationSec.get(trace);
            sb.append("| ").append(trace).append(" | ").append(d == null ? "" : String.format(Locale.ROOT, "%.1f", d / 3600.0)).append(" |");
            for (String p : policies) {
                Line l = lines.stream().filter(x -> x.trace().equals(trace) && x.policy().equals(p)).findFirst().orElse(null);
                sb.append(l == null ? " | |" : " " + cell(l.violation()) + " | " + cell(l.ratio()) + " |");
            }
            sb.append('\n');
        }
        double hours = durationSec.entrySet().stream().filter(e -> lines.stream().anyMatch(l -> l.trace().equals(e.getKey())))
                .mapToInt(Map.Entry::getValue).sum() / 3600.0;
        sb.append(String.format(Locale.ROOT, "| **total** | %.1f |", hours));
        for (Line t : totals(rows)) sb.append(" **").append(cell(t.violation())).append("** | **").append(cell(t.ratio())).append("** |");
        sb.append('\n');
        return sb.toString();
    }
}
