package dev.autoscaler.bench.suite;

import dev.autoscaler.bench.trace.Trace;
import dev.autoscaler.bench.trace.TraceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

/**
 * The bench's trace suite, generated in code and the same on every call: every {@code *.csv} in the traces folder
 * (sorted by name), copies derived from each of them by rules on their data (never on their names, since the bench
 * also runs on traces nobody has seen), and synthetic loads. Families, in table order:
 * <ul>
 *   <li>{@code <name>}: each file as it is (the first week of a longer one);
 *   <li>{@code rev_<name>}: each file time-reversed: its falls become climbs, and what a policy learnt from the
 *       order of a day no longer fits;
 *   <li>{@code <name>_fast}: twice as fast, for files of 12 h to 2 days (bursts and climbs twice as steep);
 *       {@code <name>_slow}: half as fast, for files of 3 h or less (room for a long trend before its burst);
 *   <li>{@code cut_<name>}: two hours (half the file, if shorter) around the file's steepest ten-minute climb,
 *       starting a quarter of the cut before it: the policy meets the worst climb with little history;
 *   <li>{@code syn_*}: synthetic loads, each for one mechanism or failure mode (bursts at random times, timer jobs,
 *       a slow ramp, steps, a flat load, a week of diurnal sine with noise, a sawtooth);
 *   <li>the real pipeline's settle cases ({@code syn_flat_cold}, {@code syn_step_hold}, {@code syn_idle_probes},
 *       {@code syn_flat_<m>x_rslo}): rates in multiples of one replica's r_slo, not scaled, from one cold replica, so the
 *       count they settle at can be compared with ceil(rate ÷ r_slo) and with the demo's.
 * </ul>
 * No trace is longer than a week. The only random numbers are from {@link Random}s with fixed seeds, and the
 * arithmetic uses {@link StrictMath}, so every generation gives the same traces on every machine.
 */
public final class TraceSuite {
    public static final int WEEK_SEC = 7 * 86_400;
    /** A cut lasts this long (or half its source, if that is shorter). */
    static final double CUT_SEC = 2 * 3600;
    /** The climb a cut is placed around: the largest rise of the smoothed rate over this long. */
    static final double CLIMB_SEC = 600;
    /** Moving-average width for finding the climb (so one noisy bin is not a climb). */
    static final double SMOOTH_SEC = 300;

    private TraceSuite() {}

    /** The suite: its traces in table order and notes on what was skipped or shortened. */
    public record Suite(List<Trace> traces, List<String> notes) {
        public List<String> names() {
            return traces.stream().map(Trace::name).toList();
        }
    }

    /** Every family; {@code tracesDir} may be null or missing (then only the synthetic loads, with a note). */
    public static Suite build(Path tracesDir) {
        List<String> notes = new ArrayList<>();
        List<Trace> files = readAll(tracesDir, notes);
        List<Trace> all = new ArrayList<>(files);
        all.addAll(derived(files));
        all.addAll(synthetic());
        return new Suite(List.copyOf(all), List.copyOf(notes));
    }

    /** Every {@code *.csv} in the folder, sorted by name, named without {@code .csv}; unreadable files skipped with a note. */
    static List<Trace> readAll(Path dir, List<String> notes) {
        if (dir == null || !Files.isDirectory(dir)) {
            notes.add("no traces folder " + dir + ": the suite has only its synthetic loads");
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".csv") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            notes.add("cannot list " + dir + " (" + e.getMessage() + "): the suite has only its synthetic loads");
            return List.of();
        }
        if (files.isEmpty()) notes.add("no *.csv in " + dir + ": the suite has only its synthetic loads");
        List<Trace> out = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString().replaceAll("\\.csv$", "");
            Trace t;
            try {
                t = TraceReader.read(f);
            } catch (IOException | RuntimeException e) {
                notes.add("skipped " + f + ": " + e.getMessage());
                continue;
            }
            if (t.t().length < 2) {
                notes.add("skipped " + f + ": fewer than two rows");
                continue;
            }
            if (t.durationSec() > WEEK_SEC) {
                notes.add(name + ": " + t.durationSec() + " s, cut to its first week");
                t = cut(t, 0, WEEK_SEC, name);
            }
            out.add(rename(t, name));
        }
        return out;
    }

    /** The copies derived from the files: reversed, time-scaled, cut around the steepest climb (in that order). */
    static List<Trace> derived(List<Trace> files) {
        List<Trace> out = new ArrayList<>();
        for (Trace t : files) out.add(reversed(t, "rev_" + t.name()));
        for (Trace t : files) {
            int d = t.durationSec();
            if (d >= 12 * 3600 && d < 2 * 86_400) out.add(timeScaled(t, 2, t.name() + "_fast"));
            else if (d <= 3 * 3600) out.add(timeScaled(t, 0.5, t.name() + "_slow"));
        }
        for (Trace t : files) {
            double len = Math.min(CUT_SEC, t.durationSec() / 2.0);
            double start = Math.max(0, Math.min(steepestClimbSec(t) - len / 4, t.durationSec() - len));
            out.add(cut(t, start, start + len, "cut_" + t.name()));
        }
        return out;
    }

    static Trace rename(Trace t, String name) {
        return t.withName(name);
    }

    /** Each bin's width (the last one: the step before it). */
    static double[] widths(Trace t) {
        int n = t.t().length;
        double[] w = new double[n];
        for (int i = 0; i + 1 < n; i++) w[i] = t.t()[i + 1] - t.t()[i];
        w[n - 1] = t.step();
        return w;
    }

    /** The trace played backwards, from 0: the last bin first, each bin keeping its width. */
    public static Trace reversed(Trace t, String name) {
        int n = t.t().length;
        double[] w = widths(t);
        double[] ts = new double[n];
        double[] rps = new double[n];
        for (int j = 0; j < n; j++) {
            rps[j] = t.rps()[n - 1 - j];
            if (j > 0) ts[j] = ts[j - 1] + w[n - j];
        }
        return new Trace(name, ts, rps);
    }

    /** The same rates, {@code speed} times as fast (2: in half the time), from 0. */
    public static Trace timeScaled(Trace t, double speed, String name) {
        double[] ts = Arrays.stream(t.t()).map(x -> (x - t.t()[0]) / speed).toArray();
        return new Trace(name, ts, t.rps().clone());
    }

    /** The bins that start in [from, to) seconds after the trace's start, rebased to 0. */
    public static Trace cut(Trace t, double from, double to, String name) {
        double t0 = t.t()[0];
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < t.t().length; i++) {
            double s = t.t()[i] - t0;
            if (s >= from && s < to) rows.add(new double[] {t.t()[i], t.rps()[i]});
        }
        if (rows.isEmpty()) throw new IllegalArgumentException(t.name() + ": no rows in [" + from + ", " + to + ")");
        double base = rows.get(0)[0];
        return new Trace(name, rows.stream().mapToDouble(r -> r[0] - base).toArray(), rows.stream().mapToDouble(r -> r[1]).toArray());
    }

    /**
     * Seconds from the start to where the largest rise of the rate over {@link #CLIMB_SEC} begins, the rate first
     * smoothed by a centred moving average over {@link #SMOOTH_SEC}; the first such place on ties.
     */
    public static double steepestClimbSec(Trace t) {
        int n = t.t().length;
        double step = t.step();
        int half = (int) Math.max(0, Math.round(SMOOTH_SEC / step / 2));
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + t.rps()[i];
        double[] smooth = new double[n];
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - half);
            int hi = Math.min(n, i + half + 1);
            smooth[i] = (prefix[hi] - prefix[lo]) / (hi - lo);
        }
        int lag = (int) Math.max(1, Math.round(CLIMB_SEC / step));
        int best = 0;
        double bestRise = Double.NEGATIVE_INFINITY;
        for (int i = 0; i + lag < n; i++) {
            double rise = smooth[i + lag] - smooth[i];
            if (rise > bestRise) {
                bestRise = rise;
                best = i;
            }
        }
        return t.t()[best] - t.t()[0];
    }

    // ---- synthetic loads ------------------------------------------------------------------------------------

    /** The base rate of the synthetic loads (absolute levels do not matter: the bench scales each trace to its peak). */
    static final double BASE = 100;

    /** The synthetic loads, in table order. */
    public static List<Trace> synthetic() {
        List<Trace> out = new ArrayList<>();
        out.add(randomBursts());
        out.add(timer("syn_timer_5m", 300, 6 * 3600, BASE, 5 * BASE, 60));
        out.add(timer("syn_timer_15m", 900, 6 * 3600, BASE, 5 * BASE, 60));
        out.add(timer("syn_timer_20m", 1200, 6 * 3600, BASE, 5 * BASE, 60));
        out.add(timer("syn_timer_30m_trickle", 1800, 8 * 3600, 8, 120, 120));
        out.add(sampled("syn_ramp_4x", 10, 3 * 3600, s -> {
            // 30 min flat, an hour's climb to 4x, an hour back, 30 min flat
            if (s < 1800 || s >= 9000) return BASE;
            double f = s < 5400 ? (s - 1800) / 3600 : (9000 - s) / 3600;
            return BASE * (1 + 3 * f);
        }));
        out.add(sampled("syn_step_3x", 10, 3 * 3600, s -> s < 3600 ? BASE : 3 * BASE));
        out.add(sampled("syn_step_4x_once", 10, 3 * 3600, s -> s >= 3600 && s < 3600 + 1200 ? 4 * BASE : BASE));
        out.add(sampled("syn_flat", 10, 2 * 3600, s -> BASE));
        out.add(diurnalWeek());
        out.add(sampled("syn_sawtooth", 10, 6 * 3600, s -> BASE * (1 + 2 * ((s % 1200) / 1200))));
        out.addAll(settleCases());
        return out;
    }

    /** The monitor's probe traffic (10 probes per 2 s window) as a multiple of r_slo: 5 rps on the demo's 203-rps replica. */
    static final double PROBES_RSLO = 5.0 / 203;
    /** The flat loads' levels, in multiples of r_slo: a fleet of one, of two, of three to four and of six to seven. */
    static final double[] FLAT_RSLO = {0.5, 1.5, 3, 6};

    /**
     * The real pipeline's settle scenario as synthetic cases, in r_slo units from one cold replica (bench pipeline
     * --scenario settle runs the same on the demo): a flat 1.5 × r_slo held 30 minutes (the demo's 300 rps on its 203-rps
     * replica), 0.4 × for a minute then 1.6 × held 30 minutes (its 80 → 320 rps step), an hour of probe traffic alone, and
     * an hour flat at each of {@link #FLAT_RSLO}. Each needs ceil(rate ÷ r_slo) once the start-up is over, so a count above
     * that is margin, and the oracle's is that.
     */
    static List<Trace> settleCases() {
        List<Trace> out = new ArrayList<>();
        out.add(cold(sampled("syn_flat_cold", 10, 1800, s -> 1.5)));
        // 1 s bins: the step is a step, not a ten-second ramp between bin midpoints
        out.add(cold(sampled("syn_step_hold", 1, 60 + 1800, s -> s < 60 ? 0.4 : 1.6)));
        out.add(cold(sampled("syn_idle_probes", 10, 3600, s -> PROBES_RSLO)));
        for (double m : FLAT_RSLO) {
            String level = m == Math.rint(m) ? String.valueOf((int) m) : String.valueOf(m);
            out.add(cold(sampled("syn_flat_" + level + "x_rslo", 10, 3600, s -> m)));
        }
        return out;
    }

    /** The trace in r_slo units, from a cold start. */
    static Trace cold(Trace t) {
        return new Trace(t.name(), t.t(), t.rps(), true, true);
    }

    /** Rows every {@code step} seconds over {@code duration}, each the rate at the bin's start. */
    static Trace sampled(String name, double step, double duration, DoubleUnaryOperator rate) {
        int n = (int) Math.round(duration / step);
        double[] ts = new double[n];
        double[] rps = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i * step;
            rps[i] = Math.max(0, rate.applyAsDouble(ts[i]));
        }
        return new Trace(name, ts, rps);
    }

    /** A timer job: {@code peak} for {@code jobSec} every {@code period}, first at a third of a period, over {@code base}. */
    static Trace timer(String name, double period, double duration, double base, double peak, double jobSec) {
        double offset = Math.floor(period / 3 / 10) * 10;
        return sampled(name, 10, duration, s -> {
            double phase = ((s - offset) % period + period) % period;
            return s >= offset && phase < jobSec ? peak : base;
        });
    }

    /** One-minute 5x bursts at the times of a Poisson process (one per 20 minutes on average, seed 20250101), over 6 h. */
    static Trace randomBursts() {
        Random rnd = new Random(20250101L);
        double duration = 6 * 3600;
        List<Double> starts = new ArrayList<>();
        double s = 0;
        while (true) {
            s += -StrictMath.log(1 - rnd.nextDouble()) * 1200;
            double start = Math.round(s / 10) * 10.0;
            if (start + 60 > duration) break;
            // bursts do not overlap: a start within two minutes of the previous one moves after it
            if (!starts.isEmpty() && start < starts.get(starts.size() - 1) + 120) start = starts.get(starts.size() - 1) + 120;
            if (start + 60 > duration) break;
            starts.add(start);
            s = start;
        }
        return sampled("syn_random_bursts", 10, duration, t -> {
            for (double b : starts) if (t >= b && t < b + 60) return 5 * BASE;
            return BASE;
        });
    }

    /**
     * A week of one-minute bins: a daily sine (trough at 04:00, peak 2.5x the trough at 16:00), weekends at 70 %, and
     * 5 % noise per minute that follows itself (AR(1), seed 7), as a web service's day looks from its front door.
     */
    static Trace diurnalWeek() {
        Random rnd = new Random(7);
        int n = WEEK_SEC / 60;
        double[] ts = new double[n];
        double[] rps = new double[n];
        double noise = 0;
        for (int i = 0; i < n; i++) {
            double s = i * 60.0;
            double day = s / 86_400;
            double daily = 1 + 0.43 * StrictMath.sin(2 * StrictMath.PI * (day - 10.0 / 24));
            double weekend = ((int) day % 7) >= 5 ? 0.7 : 1;
            noise = 0.8 * noise + 0.6 * 0.05 * rnd.nextGaussian();
            ts[i] = s;
            rps[i] = Math.max(0, BASE * daily * weekend * (1 + noise));
        }
        return new Trace("syn_diurnal_week", ts, rps);
    }

    /** Tests compare generations with this: names, times and rates all equal. */
    static boolean same(Trace a, Trace b) {
        return a.name().equals(b.name()) && Arrays.equals(a.t(), b.t()) && Arrays.equals(a.rps(), b.rps()) && a.rsloUnits() == b.rsloUnits()
                && a.coldStart() == b.coldStart();
    }
}
