package dev.autoscaler.planner.policy;

import java.util.Arrays;
import java.util.List;

/**
 * How far the request rate rose within one start-up horizon, recently: decayed histograms of
 * g = (highest window rps in the next K windows) / (rps now), K windows being the time a replica asked for now
 * takes to serve. Their high quantile is the headroom the fleet needs so that a rise as steep as most seen lately is
 * met by replicas already running: a bursty load earns a wide margin, a smooth one almost none.
 *
 * <p>Rises depend on where the rate stands: from a trough a bursty load often doubles, from a peak it rarely does.
 * The samples are therefore kept per level class, the base rate relative to its long-run mean ({@code longRunMean},
 * an EWMA over the memory), and the quantile comes from the current class (or all classes while it has few samples).
 * Without this, the wide margin a trough needs would also be held at every peak, where it costs the most.
 *
 * <p>Some rises recur at the same phase of an hour or a day; {@link SeasonalProfile} learns those from the same
 * samples and forecasts a rise s for the coming horizon. Windows with such a forecast keep their own histograms of
 * the residual g / s (what the forecast did not explain), so the load sized for is base × s × quantile(g / s) there
 * and base × quantile(g) elsewhere, and a forecast rise is not covered twice.
 *
 * <p>A ramp is forecast the same way: when the least-squares slope of the last RAMP_WINDOWS rates is beyond counting
 * noise, it is extrapolated over the horizon ({@link #rampRise}), and windows with a ramp keep a third group of residual
 * histograms. A load whose ramps run on (a rate interpolated over minutes) learns residuals near 1 and meets its ramps
 * one horizon early; a load whose ramps are ten-second wiggles learns residuals below 1 and stops paying for them.
 * Where both forecast a rise, the larger one is used (see {@link #forecastRise}), and the residual is g over it.
 *
 * <p>Bins are logarithmic ({@value #BIN_LOG} apart in ln r, from 1/4 to about 4×, r below 1 being a forecast rise
 * that did not come); each sample first multiplies every weight by the decay, so the histograms cover about the last
 * RISE_MEMORY_SEC.
 *
 * <p>One rise is one observation. A step seen once lies in every horizon that contains it, so it adds K samples,
 * enough to set the quantile for many minutes; but a margin is a bet that rises <em>recur</em>. So the samples of each
 * rise (consecutive samples beyond RISE_NOISE_Z standard deviations of counting noise) are one {@link RiseEvent}, and
 * the quantile leaves out the largest event's samples while no other rise within memory came near it (at least half
 * its size in ln): the margin is what the rises stayed within without a rise seen once, and a rise as large needs to
 * come a second time before it is paid for.
 *
 * @param weights      decayed sample weight per histogram and bin (histogram c, bin i at c × BINS + i; histograms
 *                     0..CLASSES-1 are the level classes without a forecast, the next CLASSES those with a seasonal
 *                     forecast only, the last CLASSES those with a ramp; bin i holds r in [e^(i·BIN − LOW),
 *                     e^((i+1)·BIN − LOW)))
 * @param lastRps      the last windows' rps, oldest first: K + BASE_WINDOWS (the first BASE_WINDOWS of the last
 *                     K + BASE_WINDOWS set the base of the next sample) and RAMP_WINDOWS more, so the ramp forecast
 *                     made when the sample's base was the latest can be computed again
 * @param longRunMean  long-run mean rps (EWMA over the memory), or 0 before the first window
 * @param lastSeasonal the seasonal rise forecast at each of the last windows (1 = none), to score the sample it starts:
 *                     unlike the ramp's, it depends on what the profile knew then
 * @param seasons      the seasonal profile
 * @param samples      samples recorded so far (a sample's weight is keep^(samples after it))
 * @param current      the rise in progress (the last sample was one), or null
 * @param largest      the largest rise within RISE_MEMORY_SEC, whose samples the quantile leaves out, or null
 * @param rises        each rise within RISE_MEMORY_SEC, oldest first: when it began and how high it went (the
 *                     evidence a reason names, and whether the largest has recurred)
 * @param lastSlow     whether each of {@code lastRps}' windows was overloaded: a sample whose base was is not recorded,
 *                     since the arrival rate an overload measures is the clients' backlog and retries coming and going
 *                     (on the demo's pipeline 98 to 508 rps a window under a flat 300), not the demand
 */
public record RiseHistory(double[] weights, List<Double> lastRps, double longRunMean, List<Double> lastSeasonal,
                          SeasonalProfile seasons, long samples, RiseEvent current, RiseEvent largest, List<Rise> rises,
                          List<Boolean> lastSlow) {

    /** A rise remembered: when it began and the highest rise of its samples. */
    public record Rise(double ts, double g) {}

    /**
     * One rise: consecutive samples beyond counting noise.
     *
     * @param ts    when it began
     * @param g     the highest rise of its samples
     * @param cells the histogram cell (histogram × BINS + bin) of each of its samples
     * @param at    the sample number of each
     */
    public record RiseEvent(double ts, double g, List<Integer> cells, List<Long> at) {
        public RiseEvent {
            cells = List.copyOf(cells);
            at = List.copyOf(at);
        }

        RiseEvent plus(double g2, int cell, long sample) {
            List<Integer> c = new java.util.ArrayList<>(cells);
            List<Long> a = new java.util.ArrayList<>(at);
            c.add(cell);
            a.add(sample);
            return new RiseEvent(ts, Math.max(g, g2), c, a);
        }
    }

    public RiseHistory(double[] weights, List<Double> lastRps, double longRunMean, List<Double> lastSeasonal, SeasonalProfile seasons) {
        this(weights, lastRps, longRunMean, lastSeasonal, seasons, 0, null, null, null, null);
    }
    static final double BIN_LOG = 0.02;
    /** Bins cover ln r from -{@value #LOW_LOG} (a forecast rise that did not come) to +LOW_LOG (about 4×). */
    static final double LOW_LOG = 1.4;
    static final int BINS = 140;
    /** The bin whose lower edge is a ratio of exactly 1. */
    static final int ONE_BIN = 70;
    /** Upper edges of the level classes (base / level); the last class is open. */
    static final double[] CLASS_EDGES = {0.5, 0.8, 1.25, 2};
    static final int CLASSES = CLASS_EDGES.length + 1;
    /** Below this much sample weight a histogram says nothing (the class falls back to all classes, all to 1). */
    static final double MIN_WEIGHT = 20;
    /** Windows averaged into the base, so one noisy window moves the planned load less. */
    static final int BASE_WINDOWS = 2;
    /** Histogram groups: no forecast, a seasonal forecast only, a ramp (with or without a seasonal forecast). */
    static final int GROUPS = 3;
    static final int SEASONAL = 1;
    static final int RAMP = 2;

    public RiseHistory {
        weights = resized(weights);
        lastRps = lastRps == null ? List.of() : List.copyOf(lastRps);
        lastSeasonal = ones(lastSeasonal, lastRps.size());
        seasons = seasons == null ? new SeasonalProfile(List.of()) : seasons;
        rises = rises == null ? List.of() : List.copyOf(rises);
        lastSlow = lastSlow == null || lastSlow.size() != lastRps.size()
                ? java.util.Collections.nCopies(lastRps.size(), false) : List.copyOf(lastSlow);
    }

    public static RiseHistory empty() {
        return new RiseHistory(null, List.of(), 0, List.of(), null);
    }

    /**
     * The weights with room for every group: as they are when they have it (the state is immutable, so the array is
     * shared, never written), else a copy, so a state from a version with fewer groups keeps what it learned.
     */
    private static double[] resized(double[] weights) {
        if (weights != null && weights.length == GROUPS * CLASSES * BINS) return weights;
        double[] w = new double[GROUPS * CLASSES * BINS];
        if (weights != null && weights.length <= w.length && weights.length % (CLASSES * BINS) == 0) {
            System.arraycopy(weights, 0, w, 0, weights.length);
        }
        return w;
    }

    /** The forecasts of the latest of {@code size} windows (at most that many): 1 (no forecast) where they are missing. */
    private static List<Double> ones(List<Double> l, int size) {
        return l == null || l.size() > size ? java.util.Collections.nCopies(size, 1.0) : List.copyOf(l);
    }

    /**
     * Adds this window's rps. Once K + BASE_WINDOWS windows are known, the oldest BASE_WINDOWS of the last
     * K + BASE_WINDOWS are the base of a sample: the highest rps of the K windows after them, relative to their mean.
     */
    public RiseHistory observe(double rps, double now, PolicyConfig cfg) {
        return observe(rps, now, false, cfg);
    }

    /** The same, {@code slow}: this window was overloaded. */
    public RiseHistory observe(double rps, double now, boolean slow, PolicyConfig cfg) {
        LoadEstimation.Settings ls = cfg.load();
        int k = Math.max(1, cfg.horizonWindows());
        int span = k + BASE_WINDOWS;
        double keep = keep(cfg);
        double mean = lastRps.isEmpty() ? rps : keep * longRunMean + (1 - keep) * rps;
        int cap = Math.max(span, ls.rampWindows());
        SeasonalProfile sp = seasons.forPeriods(ls.seasonal().periodsSec());
        List<Double> last = PolicyState.appendCapped(lastRps, rps, cap + ls.rampWindows());
        List<Boolean> slowFlags = PolicyState.appendCapped(lastSlow, slow, cap + ls.rampWindows());
        List<Double> recent = last.subList(Math.max(0, last.size() - cap), last.size());
        double unrealised = ls.seasonal().unrealisedOnly() ? unrealised(sp.predict(now, ls.seasonal()), recent, cfg.windowSec(), ls.seasonal().beforeZ())
                : sp.predict(now, ls.seasonal());
        List<Double> predicted = PolicyState.appendCapped(lastSeasonal, unrealised, cap);
        double[] w = weights;
        long samples = this.samples;
        RiseEvent current = this.current;
        RiseEvent largest = this.largest != null && now - this.largest.ts() <= ls.riseMemorySec() ? this.largest : null;
        List<Rise> remembered = new java.util.ArrayList<>(rises.stream().filter(r -> now - r.ts() <= ls.riseMemorySec()).toList());
        if (recent.size() >= span) {
            int from = last.size() - span;
            double base = mean(last.subList(from, from + BASE_WINDOWS));
            if (base > 0 && !(ls.skipOverloadedBase() && slowFlags.subList(from, from + BASE_WINDOWS).contains(true))) {
                double peak = 0;
                for (int i = from + BASE_WINDOWS; i < last.size(); i++) peak = Math.max(peak, last.get(i));
                double g = Math.max(1, peak / base);
                // the seasonal profile learns the rise itself; the histogram learns what the seasonal forecast made at
                // the time did not explain (1 where it forecast nothing)
                double noise = ls.riseNoiseZ() * Math.sqrt(1 / (base * cfg.windowSec()));
                sp = sp.record(now - k * cfg.windowSec(), g - 1 > noise ? g : 1, peak, keep, ls.seasonal());
                double s = predicted.get(predicted.size() - span + BASE_WINDOWS - 1);
                double tr = rampRise(last.subList(0, from + BASE_WINDOWS), k, cfg.windowSec(), ls);
                w = new double[weights.length];
                for (int i = 0; i < w.length; i++) w[i] = weights[i] * keep;
                int cell = histogram(base, mean, s, tr, ls) * BINS + bin(g / Math.max(s, tr));
                w[cell] += 1;
                samples++;
                current = null;
                if (g - 1 > noise) {
                    current = this.current == null ? new RiseEvent(now - k * cfg.windowSec(), g, List.of(cell), List.of(samples))
                            : this.current.plus(g, cell, samples);
                    // a rise that goes on replaces its own entry with its new height
                    if (!remembered.isEmpty() && remembered.get(remembered.size() - 1).ts() == current.ts()) remembered.remove(remembered.size() - 1);
                    remembered.add(new Rise(current.ts(), current.g()));
                    if (largest == null || current.g() >= largest.g() || largest.ts() == current.ts()) largest = current;
                }
            }
        }
        return new RiseHistory(w, last, mean, predicted, sp, samples, current, largest, remembered, slowFlags);
    }

    /**
     * The rise a ramp in the last RAMP_WINDOWS rates forecasts for the next {@code k} windows, relative to the base;
     * 1 without a ramp. A ramp is a least-squares slope above RAMP_Z standard errors of the slope that Poisson counting
     * noise alone would give (sqrt(rate / window) per window). It is extrapolated from the fitted latest rate over the
     * whole horizon, to at most RAMP_CAP: how far ramps really go in this load is what the ramp histograms learn.
     * RAMP_FORECAST off makes it 1 for the burst margin only (this is also the trend's detector: {@link #trendRise}).
     */
    static double rampRise(List<Double> last, int k, double windowSec, LoadEstimation.Settings ls) {
        return ls.rampForecast() ? ramp(last, k, windowSec, ls) : 1;
    }

    private static double ramp(List<Double> last, int k, double windowSec, LoadEstimation.Settings ls) {
        int n = ls.rampWindows();
        if (last.size() < Math.max(n, BASE_WINDOWS)) return 1;
        LineFit line = LineFit.of(last.subList(last.size() - n, last.size()));
        double se = Math.sqrt(Math.max(line.mean(), 1 / windowSec) / windowSec / line.sxx());
        double base = mean(last.subList(last.size() - BASE_WINDOWS, last.size()));
        if (line.slope() <= ls.rampZ() * se || base <= 0) return 1;
        return Math.max(1, Math.min(ls.rampCap(), line.after(n, k) / base));
    }

    /**
     * The part of a seasonal rise {@code s} still to come. A forecast is a rise from the rate before it, and it is on
     * for a bin or two either side of where the rise usually is; once the rate has risen, the same s applied to the
     * risen base would count the rise twice. The rate before it is taken from the kept windows' bases (means of
     * BASE_WINDOWS): the mean of those within {@code beforeZ} standard errors of counting noise of the lowest (the lowest
     * alone is biased low at small rates), so the rise still to come is s × that ÷ the base now, and at least 1.
     */
    static double unrealised(double s, List<Double> last, double windowSec, double beforeZ) {
        if (s <= 1 || last.size() < BASE_WINDOWS) return s;
        // bases[i] is the mean of windows i .. i + BASE_WINDOWS - 1; the last one is the base now
        double[] bases = new double[last.size() - BASE_WINDOWS + 1];
        for (int i = 0; i < bases.length; i++) bases[i] = mean(last.subList(i, i + BASE_WINDOWS));
        double base = bases[bases.length - 1];
        if (base <= 0) return s;
        double lowest = Arrays.stream(bases).min().getAsDouble();
        // the standard error of the difference of two bases, each a mean of BASE_WINDOWS windows' Poisson counts
        double bar = lowest + beforeZ * Math.sqrt(2 * Math.max(lowest, 1 / windowSec) / (BASE_WINDOWS * windowSec));
        // the lowest itself is within the bar, so the average is never empty
        double before = Arrays.stream(bases).filter(b -> b <= bar).average().getAsDouble();
        return Math.max(1, s * before / base);
    }

    private static int bin(double r) {
        return Math.max(0, Math.min(BINS - 1, (int) Math.floor((Math.log(r) + LOW_LOG) / BIN_LOG + 1e-9)));
    }

    /** The rise the seasonal profile forecasts from now (1 without one). */
    public double seasonal() {
        return lastSeasonal.isEmpty() ? 1 : lastSeasonal.get(lastSeasonal.size() - 1);
    }

    /**
     * The rate that a rise recurring at this phase reached within one horizon in each of the previous cycles (the
     * smaller of them; see {@link SeasonalProfile#predictPeak}), 0 without one.
     */
    public double recurringPeak(double now, SeasonalProfile.Settings ss) {
        return seasons.predictPeak(now, ss);
    }

    /**
     * The recurring peak where the previous cycles agree it is where the rise stops (see
     * {@link SeasonalProfile#firmPeak}), 0 without one.
     */
    public double firmPeak(double now, SeasonalProfile.Settings ss) {
        return seasons.firmPeak(now, ss);
    }

    /** The rise a ramp in the latest windows forecasts for the coming horizon, for the burst margin (1 without one). */
    public double rampRise(PolicyConfig cfg) {
        return rampRise(lastRps, Math.max(1, cfg.horizonWindows()), cfg.windowSec(), cfg.load());
    }

    /** The same ramp's rise for the trend forecast, whether or not the burst margin uses ramps (RAMP_FORECAST). */
    public double trendRise(PolicyConfig cfg) {
        return ramp(lastRps, Math.max(1, cfg.horizonWindows()), cfg.windowSec(), cfg.load());
    }

    /**
     * The rise the quantile's residual multiplies: the larger of the two forecasts, not their product. Both forecast
     * the rise over the same horizon from the same base, and a recurring burst is also a ramp while it climbs, so the
     * product would count it twice.
     */
    public double forecastRise(PolicyConfig cfg) {
        return Math.max(seasonal(), rampRise(cfg));
    }

    /** The last {@code n} windows' rps, oldest first (fewer while fewer are known). */
    public List<Double> recent(int n) {
        return lastRps.subList(Math.max(0, lastRps.size() - n), lastRps.size());
    }

    /** The rate the headroom multiplies: the mean of the last BASE_WINDOWS windows. */
    public double base() {
        return lastRps.isEmpty() ? 0 : mean(recent(BASE_WINDOWS));
    }

    /**
     * The rise that a fraction {@code q} of the recent horizons starting near the current base stayed within (a bin's
     * upper edge); 1 while too little is known. A level class with too few samples borrows its neighbours' first, and
     * only then every class of its group: at a level the load has rarely reached (a new high), the rises from its
     * troughs say least about what comes next.
     */
    public double quantile(PolicyConfig cfg) {
        double q = cfg.load().riseQuantile();
        int c = histogram(base(), longRunMean, seasonal(), rampRise(cfg), cfg.load());
        int group = c / CLASSES * CLASSES;
        double keep = keep(cfg);
        RiseEvent out = cfg.load().riseEvents() && !recurred() ? largest : null;
        double[] h = pooled(c, c, keep, out);
        if (sum(h) < MIN_WEIGHT) h = pooled(Math.max(group, c - 1), Math.min(group + CLASSES - 1, c + 1), keep, out);
        if (sum(h) < MIN_WEIGHT) h = pooled(group, group + CLASSES - 1, keep, out);
        double total = sum(h);
        if (total < MIN_WEIGHT) return 1;
        double acc = 0;
        for (int i = 0; i < BINS; i++) {
            acc += h[i];
            if (acc >= q * total) return i == ONE_BIN ? 1 : Math.exp((i + 1) * BIN_LOG - LOW_LOG);
        }
        return Math.exp(BINS * BIN_LOG - LOW_LOG);
    }

    /** The bin weights of histograms {@code from..to} (inclusive) added up, without the samples of {@code out} (may be null). */
    private double[] pooled(int from, int to, double keep, RiseEvent out) {
        double[] h = new double[BINS];
        for (int c = from; c <= to; c++) {
            for (int i = 0; i < BINS; i++) h[i] += weights[c * BINS + i];
        }
        if (out != null) {
            for (int j = 0; j < out.cells().size(); j++) {
                int cell = out.cells().get(j);
                if (cell / BINS < from || cell / BINS > to) continue;
                int i = cell % BINS;
                h[i] = Math.max(0, h[i] - Math.pow(keep, samples - out.at().get(j)));
            }
        }
        return h;
    }

    /** Another rise remembered came at least half as high (in ln) as the largest: the largest is a pattern, not a one-off. */
    private boolean recurred() {
        if (largest == null) return true;
        double half = Math.log(largest.g()) / 2;
        return rises.stream().anyMatch(r -> r.ts() != largest.ts() && Math.log(r.g()) >= half);
    }

    /** The factor each sample multiplies every weight by (the decay over RISE_MEMORY_SEC). */
    private static double keep(PolicyConfig cfg) {
        double memoryWindows = cfg.load().riseMemorySec() / cfg.windowSec();
        return memoryWindows <= 1 ? 0 : 1 - 1 / memoryWindows;
    }

    /** Rises within RISE_MEMORY_SEC of {@code now}, and the time of the last one: the evidence behind a margin. */
    public String evidence(double now) {
        if (rises.isEmpty()) return "no rise beyond noise remembered";
        return String.format(java.util.Locale.ROOT, "%d rise%s remembered, the last %.0f s ago", rises.size(),
                rises.size() == 1 ? "" : "s", now - rises.get(rises.size() - 1).ts());
    }

    /**
     * Histograms 0..CLASSES-1 hold rises with no forecast, the next CLASSES the residuals of seasonal forecasts, the last
     * CLASSES the residuals of ramps (a ramp's own record tells how far ramps go here, whether or not a season adds).
     */
    private static int histogram(double base, double mean, double seasonal, double ramp, LoadEstimation.Settings ls) {
        int group = ramp > 1 ? RAMP : seasonal > 1 ? SEASONAL : 0;
        return group * CLASSES + (ls.levelClasses() ? classOf(base, mean) : CLASSES / 2);
    }

    private static int classOf(double base, double mean) {
        if (mean <= 0) return CLASSES / 2;
        double r = base / mean;
        int c = 0;
        while (c < CLASS_EDGES.length && r >= CLASS_EDGES[c]) c++;
        return c;
    }

    private static double mean(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static double sum(double[] a) {
        double t = 0;
        for (double x : a) t += x;
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RiseHistory r && Arrays.equals(weights, r.weights) && lastRps.equals(r.lastRps)
                && longRunMean == r.longRunMean && lastSeasonal.equals(r.lastSeasonal) && seasons.equals(r.seasons)
                && samples == r.samples && java.util.Objects.equals(current, r.current) && java.util.Objects.equals(largest, r.largest)
                && rises.equals(r.rises) && lastSlow.equals(r.lastSlow);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(Arrays.hashCode(weights), lastRps, longRunMean, lastSeasonal, seasons, samples, current, largest, rises,
                lastSlow);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "RiseHistory[mean=%.1f, base=%.1f, weight=%.1f]", longRunMean, base(), sum(weights));
    }
}
