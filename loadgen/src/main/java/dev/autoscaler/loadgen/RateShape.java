package dev.autoscaler.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Requests per second as a function of seconds since the start. */
public sealed interface RateShape {
    double rps(double t);

    record Constant(double rate) implements RateShape {
        public double rps(double t) { return rate; }
    }

    record Step(double from, double to, double atSec) implements RateShape {
        public double rps(double t) { return t < atSec ? from : to; }
    }

    /** Linear from {@code from} to {@code to} over {@code overSec}, then holds {@code to}. */
    record Ramp(double from, double to, double overSec) implements RateShape {
        public double rps(double t) { return t >= overSec ? to : from + (to - from) * t / overSec; }
    }

    record Spike(double base, double peak, double atSec, double lengthSec) implements RateShape {
        public double rps(double t) { return t >= atSec && t < atSec + lengthSec ? peak : base; }
    }

    record Sine(double base, double amplitude, double periodSec) implements RateShape {
        public double rps(double t) { return Math.max(0, base + amplitude * Math.sin(2 * Math.PI * t / periodSec)); }
    }

    /**
     * A {@code t_seconds,rps} trace, each row holding until the next. {@code timeScale} 0.1 plays a 10-minute
     * trace in one minute; {@code rateScale} multiplies every rate.
     */
    record Trace(double[] times, double[] rates, double timeScale, double rateScale) implements RateShape {
        public double rps(double t) {
            double traceT = t / timeScale;
            int lo = 0;
            int hi = times.length - 1;
            if (traceT < times[0]) return rates[0] * rateScale;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (times[mid] <= traceT) lo = mid;
                else hi = mid - 1;
            }
            return rates[lo] * rateScale;
        }

        public double durationSec() {
            double step = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : 1;
            return (times[times.length - 1] + step) * timeScale;
        }

        public static Trace read(Path file, double timeScale, double rateScale) throws IOException {
            List<double[]> rows = new ArrayList<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(file)) {
                lineNo++;
                String l = line.trim();
                if (l.isEmpty() || l.startsWith("#") || (lineNo == 1 && l.startsWith("t_seconds"))) continue;
                String[] p = l.split(",");
                try {
                    if (p.length != 2) throw new NumberFormatException();
                    double t = Double.parseDouble(p[0].trim());
                    double r = Double.parseDouble(p[1].trim());
                    if (!Double.isFinite(t) || !Double.isFinite(r) || r < 0 || t < 0) throw new NumberFormatException();
                    if (!rows.isEmpty() && t <= rows.get(rows.size() - 1)[0]) {
                        throw new IOException(file + " line " + lineNo + ": t_seconds must increase");
                    }
                    rows.add(new double[] {t, r});
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + lineNo + ": expected 't_seconds,rps' with numbers >= 0, got '" + l + "'");
                }
            }
            if (rows.isEmpty()) throw new IOException(file + ": no rows");
            double[] ts = rows.stream().mapToDouble(r -> r[0]).toArray();
            double[] rs = rows.stream().mapToDouble(r -> r[1]).toArray();
            return new Trace(ts, rs, timeScale, rateScale);
        }
    }
}
