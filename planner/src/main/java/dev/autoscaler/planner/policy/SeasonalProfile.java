package dev.autoscaler.planner.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rises that recur at the same phase of a period: timer-triggered jobs fire at the same minute every hour, a
 * news site's traffic climbs at the same time every morning. For each period (ten minutes to a day) it remembers, per
 * phase bin ({@value #FINE_BIN_SEC} s, or {@value #BIN_SEC} s for periods over half a day), the highest rise within
 * one start-up horizon that began in that bin (the samples {@link RiseHistory} takes). It predicts a rise only when
 * the same phase rose in <em>each</em> of the last {@value #CYCLES} cycles: the smaller of those rises, so a one-off
 * burst never becomes a forecast, and a phase that rises every cycle is met by replicas asked for one horizon before
 * it. A period's forecasts are scored as they come due, and used only while they beat chance (see {@link #MIN_LIFT}):
 * most loads have no such rhythm.
 *
 * <p>This is the "same time yesterday" forecast of predictive autoscalers, applied to the rise rather than the level:
 * a ratio carries across a slow change of level (an hourly job on a busier afternoon still doubles the rate).
 *
 * @param periods one ring per period, oldest cycle overwritten first
 */
public record SeasonalProfile(List<Ring> periods) {
    /** Width of a phase bin for long periods. Periods are whole multiples of it. */
    public static final int BIN_SEC = 30;
    /**
     * Width of a phase bin for periods whose cycle fits in MAX_FINE_BINS of them. A forecast is on for its bin and the
     * jitter bins either side, so narrower bins hold the replicas for a recurring burst for less time before and after
     * it; a day's ring stays at BIN_SEC, so the stored state does not double. (Measured over the shared traces and
     * their time-reversed copies, three seeds: an hourly ring at 15 s instead of 30 s gave 3 % fewer violation seconds
     * at the same replica-seconds, and 9 % fewer replica-seconds on a synthetic trace of one-minute bursts every 15
     * minutes; 10 s bins did no better than 15 s.)
     */
    static final int FINE_BIN_SEC = 15;
    /** Half a day of fine bins: as many bins per cycle as a day's ring has at BIN_SEC. */
    static final int MAX_FINE_BINS = 2880;

    /** The phase bin width of a period: FINE_BIN_SEC where the cycle fits in MAX_FINE_BINS bins, else BIN_SEC. */
    static int binSec(int periodSec) {
        return periodSec / FINE_BIN_SEC <= MAX_FINE_BINS ? FINE_BIN_SEC : BIN_SEC;
    }
    /** Previous cycles that must all have risen at a phase before it is forecast. */
    static final int CYCLES = 2;
    /** Bins on each side of the phase that still count (the same job does not fire at the very same second). */
    static final int JITTER_BINS = 1;
    /**
     * A period's forecasts are used only once they have earned it: at least this much (decayed) forecast weight
     * scored, ...
     */
    static final double MIN_FORECASTS = 10;
    /** ... at least this fraction of them followed by a rise beyond noise, ... */
    static final double MIN_PRECISION = 0.25;
    /**
     * ... and a rise this many times likelier after a forecast than after any window. On a load whose rises come at
     * random, a phase rises in both previous cycles by chance, and such a "forecast" is right only as often as rises
     * are common: its lift is 1, and using it only adds cost (measured: +3.5 % replica-seconds on the NASA week).
     */
    static final double MIN_LIFT = 1.2;

    /**
     * @param periodSec the period, a multiple of {@link #BIN_SEC}
     * @param rises     CYCLES + 1 cycles of bins, the highest rise recorded in each bin (1 = within noise, 0 = not
     *                  seen), rounded to hundredths: the state is stored as JSON after every decision
     * @param cycles    the absolute cycle (seconds / period) each third of {@code rises} holds, or -1
     * @param forecasts decayed count of the rises this period forecast (whether trusted yet or not)
     * @param hits      how many of them came: a rise beyond noise followed
     * @param samples   decayed count of all rises recorded
     * @param risen     how many of them were beyond noise (the base rate a forecast must beat)
     */
    public record Ring(int periodSec, float[] rises, long[] cycles, double forecasts, double hits, double samples, double risen) {
        public Ring {
            int slots = (CYCLES + 1) * (periodSec / binSec(periodSec));
            if (rises == null || cycles == null || rises.length != slots || cycles.length != CYCLES + 1) {
                rises = new float[slots];
                cycles = new long[CYCLES + 1];
                Arrays.fill(cycles, -1);
            }
        }

        int binsPerCycle() {
            return periodSec / binSec(periodSec);
        }

        /** The absolute bin of time {@code ts}. */
        long binOf(double ts) {
            return (long) Math.floor(ts / binSec(periodSec));
        }

        /** The rise recorded for absolute bin {@code b}, or NaN when that bin was not seen. */
        double at(long b) {
            if (b < 0) return Double.NaN;
            long cycle = b / binsPerCycle();
            int third = (int) (cycle % cycles.length);
            if (cycles[third] != cycle) return Double.NaN;
            float v = rises[third * binsPerCycle() + (int) (b % binsPerCycle())];
            return v == 0 ? Double.NaN : v;
        }

        /**
         * Records the rise that began in bin {@code b} (1 when it was within noise), and scores the forecast this
         * period made for that bin.
         */
        Ring with(long b, double rise, double keep) {
            double f = forecasts * keep;
            double h = hits * keep;
            double n = samples * keep + 1;
            double rn = risen * keep + (rise > 1 ? 1 : 0);
            if (raw(b) > 1) {
                f += 1;
                h += rise > 1 ? 1 : 0;
            }
            long cycle = b / binsPerCycle();
            int third = (int) (cycle % cycles.length);
            int slot = third * binsPerCycle() + (int) (b % binsPerCycle());
            float v = (float) (Math.round(rise * 100) / 100.0);
            // most windows leave their bin as it is: share the arrays then (a day's ring is 8640 floats, and this
            // runs on every decision)
            if (cycles[third] == cycle && rises[slot] >= v) return new Ring(periodSec, rises, cycles, f, h, n, rn);
            float[] r = rises.clone();
            long[] c = cycles;
            if (c[third] != cycle) {
                // the oldest cycle makes room for this one
                Arrays.fill(r, third * binsPerCycle(), (third + 1) * binsPerCycle(), 0f);
                c = cycles.clone();
                c[third] = cycle;
            }
            r[slot] = Math.max(r[slot], v);
            return new Ring(periodSec, r, c, f, h, n, rn);
        }

        /** Whether enough of this period's forecasts came true for it to be used. */
        boolean trusted() {
            return forecasts >= MIN_FORECASTS && hits >= MIN_PRECISION * forecasts && hits / forecasts >= MIN_LIFT * risen / samples;
        }

        double predict(long b) {
            return trusted() ? raw(b) : 1;
        }

        /** The smaller of the previous cycles' rises at this phase (each the highest within the jitter), or 1. */
        double raw(long b) {
            double consensus = Double.POSITIVE_INFINITY;
            for (int c = 1; c <= CYCLES; c++) {
                double best = Double.NaN;
                for (int j = -JITTER_BINS; j <= JITTER_BINS; j++) {
                    double v = at(b - (long) c * binsPerCycle() + j);
                    if (!Double.isNaN(v)) best = Double.isNaN(best) ? v : Math.max(best, v);
                }
                if (Double.isNaN(best)) return 1;
                consensus = Math.min(consensus, best);
            }
            return Math.max(1, consensus);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ring r && periodSec == r.periodSec && Arrays.equals(rises, r.rises) && Arrays.equals(cycles, r.cycles)
                    && forecasts == r.forecasts && hits == r.hits && samples == r.samples && risen == r.risen;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(periodSec, Arrays.hashCode(rises), Arrays.hashCode(cycles), forecasts, hits, samples, risen);
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "Ring[%d s, %.0f of %.0f forecasts came, %.0f of %.0f rose]", periodSec, hits, forecasts, risen, samples);
        }
    }

    public SeasonalProfile {
        periods = periods == null ? List.of() : List.copyOf(periods);
    }

    public static SeasonalProfile of(List<Integer> periodsSec) {
        return new SeasonalProfile(periodsSec.stream().map(p -> new Ring(p, null, null, 0, 0, 0, 0)).toList());
    }

    /** The same profile, with rings for exactly these periods (kept where they already exist). */
    public SeasonalProfile forPeriods(List<Integer> periodsSec) {
        if (periods.stream().map(Ring::periodSec).toList().equals(periodsSec)) return this;
        List<Ring> out = new ArrayList<>();
        for (int p : periodsSec) {
            out.add(periods.stream().filter(r -> r.periodSec() == p).findFirst().orElse(new Ring(p, null, null, 0, 0, 0, 0)));
        }
        return new SeasonalProfile(out);
    }

    /** Records that the rate rose by {@code rise} within one horizon from time {@code ts} (seconds). */
    public SeasonalProfile record(double ts, double rise, double keep) {
        if (periods.isEmpty() || ts < 0) return this;
        return new SeasonalProfile(periods.stream().map(r -> r.with(r.binOf(ts), rise, keep)).toList());
    }

    /** The rise expected within one horizon from time {@code ts}: the highest any period forecasts, at least 1. */
    public double predict(double ts) {
        if (ts < 0) return 1;
        double p = 1;
        for (Ring r : periods) p = Math.max(p, r.predict(r.binOf(ts)));
        return p;
    }
}
