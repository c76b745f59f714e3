package dev.autoscaler.bench.report;

import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.common.msg.Json;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes results.json, results.md and one PNG chart per trace (XChart). */
public final class Report {
    private static final int POINTS = 1500;

    private Report() {}

    public static void writeJson(Path out, Map<String, Object> config, List<Summary> rows) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", config);
        root.put("results", rows);
        Files.writeString(out.resolve("results.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    public static String markdown(List<Summary> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| trace | policy | violation % | replica-seconds | × oracle | actions | worst p95 ms |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Summary s : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.0f | %.3f | %d | %.0f |%n", s.trace(), s.policy(), s.violationPct(),
                    s.replicaSeconds(), s.oracleRatio(), s.actions(), s.worstP95Ms()));
        }
        return sb.toString();
    }

    public static void writeMarkdown(Path out, Map<String, Object> config, List<Summary> rows) throws IOException {
        writeMarkdown(out, "Bench results", List.of(), config, rows);
    }

    /** results.md under {@code title}, opening with {@code lines} as a list (a replay's assumptions). */
    public static void writeMarkdown(Path out, String title, List<String> lines, Map<String, Object> config, List<Summary> rows)
            throws IOException {
        StringBuilder head = new StringBuilder("# " + title + "\n\n");
        for (String l : lines) head.append("- ").append(l).append('\n');
        if (!lines.isEmpty()) head.append('\n');
        String md = head + "Configuration: `" + Json.write(config) + "`\n\n" + markdown(rows);
        String versus = versus(rows);
        if (!versus.isEmpty()) md += "\n## ours against each policy\n\n" + versus;
        Files.writeString(out.resolve("results.md"), md);
    }

    /**
     * One row per trace: ours, and how it stands against each other policy except the oracle ({@link #relation}); empty
     * when ours did not run.
     */
    public static String versus(List<Summary> rows) {
        List<String> peers = rows.stream().map(Summary::policy).filter(p -> !p.equals("ours") && !p.equals("oracle")).distinct().toList();
        List<Summary> ours = rows.stream().filter(r -> r.policy().equals("ours")).toList();
        if (ours.isEmpty() || peers.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("| trace | ours violation % | ours × oracle |");
        for (String p : peers) sb.append(" against ").append(p).append(" |");
        sb.append("\n|---|---:|---:|").append("---|".repeat(peers.size())).append("\n");
        for (Summary o : ours) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f |", o.trace(), o.violationPct(), o.oracleRatio()));
            for (String p : peers) {
                String cell = rows.stream().filter(r -> r.trace().equals(o.trace()) && r.policy().equals(p)).findFirst()
                        .map(r -> relation(o, r)).orElse("");
                sb.append(' ').append(cell).append(" |");
            }
            sb.append("\n");
        }
        return sb.toString();
    }

    /**
     * How {@code a} stands against {@code b} on violation % and replica-seconds (as printed: violation to three decimals,
     * replica-seconds to whole seconds): "dominates" (no worse on either, better on one), "dominated", a trade, or "equal".
     */
    public static String relation(Summary a, Summary b) {
        int v = Long.compare(Math.round(a.violationPct() * 1000), Math.round(b.violationPct() * 1000));
        int c = Long.compare(Math.round(a.replicaSeconds()), Math.round(b.replicaSeconds()));
        if (v == 0 && c == 0) return "equal";
        if (v <= 0 && c <= 0) return "dominates";
        if (v >= 0 && c >= 0) return "dominated";
        return v < 0 ? "fewer violations, more replica-seconds" : "more violations, fewer replica-seconds";
    }

    /** rps, replicas per policy and p95 per policy against the SLO, each down-sampled to about 1500 points. */
    public static void chart(Path file, String trace, List<SimResult> results, double sloMs) throws IOException {
        if (results.isEmpty()) return;
        double[] arrivals = results.get(0).arrivals();
        int n = arrivals.length;
        int bucket = Math.max(1, n / POINTS);
        double[] x = new double[(n + bucket - 1) / bucket];
        for (int i = 0; i < x.length; i++) x[i] = i * bucket / 3600.0;

        XYChart rps = chartOf(trace + ": requests per second", "rps");
        add(rps, "arrivals", x, downsample(arrivals, bucket, false));
        XYChart replicas = chartOf("replicas (starting + ready)", "replicas");
        XYChart p95 = chartOf("p95 (max per bucket), SLO " + (int) sloMs + " ms", "p95 ms");
        p95.getStyler().setYAxisLogarithmic(true);
        for (SimResult r : results) {
            double[] reps = new double[n];
            for (int i = 0; i < n; i++) reps[i] = r.replicas()[i];
            add(replicas, r.policy(), x, downsample(reps, bucket, true));
            add(p95, r.policy(), x, downsample(r.p95Ms(), bucket, true));
        }
        double[] slo = new double[x.length];
        java.util.Arrays.fill(slo, sloMs);
        XYSeries s = p95.addSeries("SLO", x, slo);
        s.setLineColor(Color.RED);
        s.setMarker(SeriesMarkers.NONE);
        BitmapEncoder.saveBitmap(List.of(rps, replicas, p95), 3, 1, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chartOf(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(1400).height(380).title(title).xAxisTitle("hours").yAxisTitle(yTitle).build();
        c.getStyler().setMarkerSize(0);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        return c;
    }

    private static void add(XYChart c, String name, double[] x, double[] y) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
    }

    static double[] downsample(double[] v, int bucket, boolean max) {
        double[] out = new double[(v.length + bucket - 1) / bucket];
        for (int i = 0; i < out.length; i++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int count = 0;
            for (int j = i * bucket; j < Math.min(v.length, (i + 1) * bucket); j++) {
                acc = max ? Math.max(acc, v[j]) : acc + v[j];
                count++;
            }
            out[i] = max ? Math.max(acc, 1e-3) : acc / count;
        }
        return out;
    }

    public static List<Summary> summaries(List<SimResult> results, double oracleReplicaSeconds) {
        List<Summary> rows = new ArrayList<>();
        for (SimResult r : results) {
            rows.add(new Summary(r.trace(), r.policy(), round(r.violationPct(), 4), Math.round(r.replicaSeconds()),
                    round(r.replicaSeconds() / oracleReplicaSeconds, 4), r.actions(), round(r.worstP95Ms(), 1)));
        }
        return rows;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
