package dev.autoscaler.planner.policy;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
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
 * it. A period's forecasts are scored as they come due, and used only while they beat chance (SEASONAL_MIN_LIFT):
 * most loads have no such rhythm.
 *
 * <p>This is the "same time yesterday" forecast of predictive autoscalers, applied to the rise rather than the level:
 * a ratio carries across a slow change of level (an hourly job on a busier afternoon still doubles the rate). Each bin
 * also keeps the peak rate the rise reached, because a timer job adds its own rate whatever the base is: from a quiet
 * base the ratio it rose by from a busier one under-states it, and the fleet meets it a start-up late. Sizing takes
 * the larger of the two forecasts ({@link #predictPeak}).
 *
 * @param periods one ring per period, oldest cycle overwritten first
 */
public record SeasonalProfile(List<Ring> periods) {
    /** Width of a phase bin for long periods. Periods are whole multiples of it. */
    public static final int BIN_SEC = 30;
    /**
     * Width of a phase bin for periods whose cycle fits in MAX_FINE_BINS of them. A forecast is on for its bin and the
     * jitter bins either side, so narrower bins hold the replicas for a recurring burst for less time before and after
     * it; a day's ring stays at BIN_SEC, so the stored state does not double.
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
     * The seasonal forecast's settings.
     *
     * @param periodsSec       periods at which rises are expected to recur (SEASONAL_PERIODS; empty turns it off):
     *                         the schedules timer jobs run on (10, 15, 20, 30 minutes) besides an hour and a day, since a
     *                         ring needs two cycles before it forecasts and an hour's would learn a 15-minute job only
     *                         after three hours
     * @param minForecasts     decayed forecast weight scored before a period is trusted (10: fewer is anecdote)
     * @param minPrecision     share of its forecasts that must have been followed by a rise (0.25)
     * @param minLift          how much likelier a rise must be after a forecast than after any window (1.2: on a load
     *                         whose rises come at random a phase rises in both previous cycles by chance, and such a
     *                         "forecast" has a lift of 1)
     * @param beforeZ          a forecast rise multiplies the rate before it: the mean of the recent bases within this
     *                         many standard errors of counting noise of the lowest (3: the lowest alone is biased low)
     * @param unrealisedOnly   only the part of a forecast rise still to come counts (once the rate has risen, the same
     *                         factor on the risen rate would count the rise twice)
     * @param recurringPeak    the load is at least the rate a recurring rise reached in the previous cycles (a timer job
     *                         adds its own rate whatever the base, so the ratio it rose by under-states it from a quiet one)
     * @param peakMinPeriodSec only rings of at least this period keep and forecast peaks (3600: timers fire at a minute of
     *                         the hour; over minutes the level drifts and the last cycles' peaks follow it a cycle late)
     * @param firmPeak         a climb towards a recurring peak that every previous cycle stopped at is not extrapolated
     *                         past it (by the ramp or the trend)
     * @param peakAgreement    how closely the previous cycles' peaks must agree to be firm (0.05: a few times a window's
     *                         counting noise at a few hundred rps)
     */
    public record Settings(List<Integer> periodsSec, double minForecasts, double minPrecision, double minLift, double beforeZ,
                           boolean unrealisedOnly, boolean recurringPeak, int peakMinPeriodSec, boolean firmPeak,
                           double peakAgreement) {
        public Settings {
            periodsSec = periodsSec == null ? List.of() : List.copyOf(periodsSec);
        }

        static Settings from(dev.autoscaler.common.config.Env env) {
            return new Settings(periods(env),
                    env.number("SEASONAL_MIN_FORECASTS", 10, 1, 1e6),
                    env.number("SEASONAL_MIN_PRECISION", 0.25, 0, 1),
                    env.number("SEASONAL_MIN_LIFT", 1.2, 0, 100),
                    env.number("SEASONAL_BEFORE_Z", 3, 0, 100),
                    env.bool("SEASONAL_UNREALISED_ONLY", true),
                    env.bool("RECURRING_PEAK", true),
                    env.integer("PEAK_MIN_PERIOD_SEC", 3600, 0, 7 * 86_400),
                    env.bool("FIRM_PEAK", true),
                    env.number("PEAK_AGREEMENT", 0.05, 0, 10));
        }

        /** SEASONAL_PERIODS: comma-separated periods in seconds, each a multiple of BIN_SEC from 600 to 7 days, or "off". */
        static List<Integer> periods(dev.autoscaler.common.config.Env env) {
            String raw = env.string("SEASONAL_PERIODS", "600,900,1200,1800,3600,86400");
            if (raw.equalsIgnoreCase("off") || raw.equalsIgnoreCase("none")) return List.of();
            List<Integer> out = new ArrayList<>();
            for (String part : raw.split(",", -1)) {
                try {
                    int p = Integer.parseInt(part.trim());
                    if (p < 600 || p > 7 * 86_400 || p % BIN_SEC != 0 || out.contains(p)) throw new NumberFormatException();
                    out.add(p);
                } catch (NumberFormatException e) {
                    throw dev.autoscaler.common.config.Env.bad("SEASONAL_PERIODS", raw, "\"off\" or distinct periods in seconds, each a multiple of "
                            + BIN_SEC + " from 600 to 604800, comma-separated");
                }
            }
            return List.copyOf(out);
        }
    }

    /**
     * @param periodSec the period, a multiple of {@link #BIN_SEC}
     * @param rises     CYCLES + 1 cycles of bins, the highest rise recorded in each bin (1 = within noise, 0 = not
     *                  seen), rounded to hundredths: the state is stored as JSON after every decision
     * @param peaks     the same bins' highest rate reached within the horizon by a rise beyond noise (rps, rounded to
     *                  tenths; 0 = none), in rings of at least PEAK_MIN_PERIOD_SEC only
     * @param cycles    the absolute cycle (seconds / period) each third of {@code rises} holds, or -1
     * @param forecasts decayed count of the rises this period forecast (whether trusted yet or not)
     * @param hits      how many of them came: a rise beyond noise followed
     * @param samples   decayed count of all rises recorded
     * @param risen     how many of them were beyond noise (the base rate a forecast must beat)
     */
    public record Ring(int periodSec, @JsonSerialize(using = CompactFloatsSerializer.class) float[] rises,
                       @JsonSerialize(using = CompactFloatsSerializer.class) float[] peaks, long[] cycles, double forecasts,
                       double hits, double samples, double risen) {
        public Ring {
            int slots = (CYCLES + 1) * (periodSec / binSec(periodSec));
            if (rises == null || cycles == null || rises.length != slots || cycles.length != CYCLES + 1) {
                rises = new float[slots];
                peaks = new float[slots];
                cycles = new long[CYCLES + 1];
                Arrays.fill(cycles, -1);
            }
            if (peaks == null || peaks.length != slots) peaks = new float[slots];
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
            return valueAt(rises, b);
        }

        /** What {@code values} (rises or peaks) holds for absolute bin {@code b}, or NaN when that bin was not seen. */
        private double valueAt(float[] values, long b) {
            if (b < 0) return Double.NaN;
            long cycle = b / binsPerCycle();
            if (cycles[third(cycle)] != cycle) return Double.NaN;
            float v = values[slot(b)];
            return v == 0 ? Double.NaN : v;
        }

        /** Which of the kept cycles' places absolute cycle {@code cycle} takes. */
        private int third(long cycle) {
            return (int) (cycle % cycles.length);
        }

        /** The array index of absolute bin {@code b}: its phase within its cycle's place. */
        private int slot(long b) {
            return third(b / binsPerCycle()) * binsPerCycle() + (int) (b % binsPerCycle());
        }

        /**
         * The smaller of the previous CYCLES cycles' {@code values} at this phase, each the highest within the jitter, so
         * a one-off burst never becomes a forecast; NaN when a cycle did not see the phase.
         */
        private double consensus(float[] values, long b) {
            double consensus = Double.POSITIVE_INFINITY;
            for (int c = 1; c <= CYCLES; c++) {
                double best = highestNear(values, b, c);
                if (Double.isNaN(best)) return Double.NaN;
                consensus = Math.min(consensus, best);
            }
            return consensus;
        }

        /** The highest of {@code values} within the jitter of this phase, {@code c} cycles back; NaN when none was seen. */
        private double highestNear(float[] values, long b, int c) {
            double best = Double.NaN;
            for (int j = -JITTER_BINS; j <= JITTER_BINS; j++) {
                double v = valueAt(values, b - (long) c * binsPerCycle() + j);
                if (!Double.isNaN(v)) best = Double.isNaN(best) ? v : Math.max(best, v);
            }
            return best;
        }

        /** The previous cycles' rise at this phase ({@link #consensus}), or 1. */
        double raw(long b) {
            double c = consensus(rises, b);
            return Double.isNaN(c) ? 1 : Math.max(1, c);
        }

        /**
         * Where the phase rose in each previous cycle ({@link #raw} above 1), the rate those rises reached
         * ({@link #consensus}); else 0. Only a rising phase: this is not a forecast of the level at the same time
         * yesterday, which a load that shrinks from day to day would turn into a fleet too large.
         */
        double rawPeak(long b) {
            if (raw(b) <= 1) return 0;
            double c = consensus(peaks, b);
            return Double.isNaN(c) ? 0 : c;
        }

        double predictPeak(long b, Settings ss) {
            return trusted(ss) ? rawPeak(b) : 0;
        }

        /**
         * Whether every previous cycle's peak near this phase is within PEAK_AGREEMENT of {@code peak}, the consensus
         * ({@link #predictPeak}): the cycles agree on where the rise stops.
         */
        boolean agreesOn(long b, double peak, double agreement) {
            for (int c = 1; c <= CYCLES; c++) {
                if (highestNear(peaks, b, c) > peak * (1 + agreement)) return false;
            }
            return true;
        }

        /**
         * Records the rise that began in bin {@code b} (1 when it was within noise) and the rate it reached, and scores
         * the forecast this period made for that bin.
         */
        Ring with(long b, double rise, double peak, double keep, int peakMinPeriodSec) {
            double f = forecasts * keep;
            double h = hits * keep;
            double n = samples * keep + 1;
            double rn = risen * keep + (rise > 1 ? 1 : 0);
            if (raw(b) > 1) {
                f += 1;
                h += rise > 1 ? 1 : 0;
            }
            long cycle = b / binsPerCycle();
            int third = third(cycle);
            int slot = slot(b);
            float v = (float) (Math.round(rise * 100) / 100.0);
            // a peak only where the rate rose beyond noise (elsewhere it is just the level, and a day of levels would
            // double the stored state for nothing the forecast reads), and only in a ring that forecasts peaks
            float pk = rise > 1 && periodSec >= peakMinPeriodSec ? (float) (Math.round(peak * 10) / 10.0) : 0f;
            // most windows leave their bin as it is: share the arrays then, and copy only the one that changes (a day's
            // ring is 8640 floats each, and this runs on every decision)
            boolean newCycle = cycles[third] != cycle;
            boolean riseUp = newCycle || rises[slot] < v;
            boolean peakUp = newCycle || peaks[slot] < pk;
            if (!riseUp && !peakUp) return new Ring(periodSec, rises, peaks, cycles, f, h, n, rn);
            float[] r = riseUp ? rises.clone() : rises;
            float[] pp = peakUp ? peaks.clone() : peaks;
            long[] c = cycles;
            if (newCycle) {
                // the oldest cycle makes room for this one
                Arrays.fill(r, third * binsPerCycle(), (third + 1) * binsPerCycle(), 0f);
                Arrays.fill(pp, third * binsPerCycle(), (third + 1) * binsPerCycle(), 0f);
                c = cycles.clone();
                c[third] = cycle;
            }
            if (riseUp) r[slot] = Math.max(r[slot], v);
            if (peakUp) pp[slot] = Math.max(pp[slot], pk);
            return new Ring(periodSec, r, pp, c, f, h, n, rn);
        }

        /** Whether enough of this period's forecasts came true for it to be used. */
        boolean trusted(Settings ss) {
            return forecasts >= ss.minForecasts() && hits >= ss.minPrecision() * forecasts && hits / forecasts >= ss.minLift() * risen / samples;
        }

        double predict(long b, Settings ss) {
            return trusted(ss) ? raw(b) : 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ring r && periodSec == r.periodSec && Arrays.equals(rises, r.rises) && Arrays.equals(peaks, r.peaks) && Arrays.equals(cycles, r.cycles)
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
        return new SeasonalProfile(periodsSec.stream().map(p -> new Ring(p, null, null, null, 0, 0, 0, 0)).toList());
    }

    /** The same profile, with rings for exactly these periods (kept where they already exist). */
    public SeasonalProfile forPeriods(List<Integer> periodsSec) {
        if (periods.stream().map(Ring::periodSec).toList().equals(periodsSec)) return this;
        List<Ring> out = new ArrayList<>();
        for (int p : periodsSec) {
            out.add(periods.stream().filter(r -> r.periodSec() == p).findFirst().orElse(new Ring(p, null, null, null, 0, 0, 0, 0)));
        }
        return new SeasonalProfile(out);
    }

    /** Records that the rate rose by {@code rise}, to {@code peak} rps, within one horizon from time {@code ts} (seconds). */
    public SeasonalProfile record(double ts, double rise, double peak, double keep, Settings ss) {
        if (periods.isEmpty() || ts < 0) return this;
        return new SeasonalProfile(periods.stream().map(r -> r.with(r.binOf(ts), rise, peak, keep, ss.peakMinPeriodSec())).toList());
    }

    /**
     * The rate a rise recurring at this phase is expected to reach within one horizon from time {@code ts}: the highest
     * that any trusted period of at least PEAK_MIN_PERIOD_SEC forecasts, 0 without one (or with RECURRING_PEAK off).
     */
    public double predictPeak(double ts, Settings ss) {
        if (ts < 0 || !ss.recurringPeak()) return 0;
        double p = 0;
        for (Ring r : periods) if (r.periodSec() >= ss.peakMinPeriodSec()) p = Math.max(p, r.predictPeak(r.binOf(ts), ss));
        return p;
    }

    /**
     * {@link #predictPeak} where the ring that forecasts it had the same peak, within PEAK_AGREEMENT, in each of its
     * previous cycles: a rate the recurring rise is expected to stop at, not only to reach. 0 otherwise.
     */
    public double firmPeak(double ts, Settings ss) {
        if (ts < 0 || !ss.firmPeak() || !ss.recurringPeak()) return 0;
        double peak = 0;
        boolean firm = false;
        for (Ring r : periods) {
            if (r.periodSec() < ss.peakMinPeriodSec()) continue;
            long b = r.binOf(ts);
            double p = r.predictPeak(b, ss);
            if (p <= 0 || p < peak) continue;
            // the highest forecast decides; where two rings forecast the same rate, either one's agreement will do
            firm = (p == peak && firm) || r.agreesOn(b, p, ss.peakAgreement());
            peak = p;
        }
        return firm ? peak : 0;
    }

    /** The rise expected within one horizon from time {@code ts}: the highest any period forecasts, at least 1. */
    public double predict(double ts, Settings ss) {
        if (ts < 0) return 1;
        double p = 1;
        for (Ring r : periods) p = Math.max(p, r.predict(r.binOf(ts), ss));
        return p;
    }
}
