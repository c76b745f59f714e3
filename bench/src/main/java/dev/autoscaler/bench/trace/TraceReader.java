package dev.autoscaler.bench.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code t_seconds,rps} CSV files (the format of ../shared/traces/), naming the file and line of any bad row. */
public final class TraceReader {
    private TraceReader() {}

    public static Trace read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String name = file.getFileName().toString();
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (rows.isEmpty() && l.toLowerCase().startsWith("t_seconds")) continue;
            String[] p = l.split(",");
            double t;
            double r;
            try {
                if (p.length != 2) throw new NumberFormatException();
                t = Double.parseDouble(p[0].trim());
                r = Double.parseDouble(p[1].trim());
            } catch (NumberFormatException e) {
                throw new IOException(name + " line " + (i + 1) + ": expected 't_seconds,rps' with two numbers, got '" + l + "'");
            }
            if (!Double.isFinite(t) || !Double.isFinite(r) || t < 0 || r < 0) {
                throw new IOException(name + " line " + (i + 1) + ": t_seconds and rps must be finite and >= 0, got '" + l + "'");
            }
            if (!rows.isEmpty() && t <= rows.get(rows.size() - 1)[0]) {
                throw new IOException(name + " line " + (i + 1) + ": t_seconds must increase (" + t + " after " + rows.get(rows.size() - 1)[0] + ")");
            }
            rows.add(new double[] {t, r});
        }
        if (rows.isEmpty()) throw new IOException(name + ": no data rows");
        return new Trace(name, rows.stream().mapToDouble(x -> x[0]).toArray(), rows.stream().mapToDouble(x -> x[1]).toArray());
    }
}
