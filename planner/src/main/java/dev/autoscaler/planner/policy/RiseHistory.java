package dev.autoscaler.planner.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.List;

/**
 * How far the request rate rose within one start-up horizon, recently: decayed histograms of
 * g = (highest window rps in the next K windows) / (rps now), K windows being the time a replica asked for now
 * takes to serve. Their high quantile is the headroom the fleet needs so that a rise as steep as most seen lately is
 * met by replicas already running: a bursty load earns a wide margin, a smooth one almost none.
 *
 * <p>Rises depend on where the rate stands: from a trough a bursty load often doubles, from a peak it rarely does.
 * The samples are therefore kept per level class, the base rate relative to its long-run mean ({@code level}, an
 * EWMA over the memory), and the quantile comes from the current class (or all classes while it has few samples).
 * Without this, the wide margin a trough needs would also be held at every peak, where it costs the most.
 *
 * <p>Some rises recur at the same phase of an hour or a day; {@link SeasonalProfile} learns those from the same
 * samples and forecasts a rise s for the coming horizon. Windows with such a forecast keep their own histograms of
 * the residual g / s (what the forecast did not explain), so the load sized for is base × s × quantile(g / s) there
 * and base × quantile(g) elsewhere, and a forecast rise is not covered twice.
 *
 * <p>Bins are logarithmic ({@value #BIN_LOG} apart in ln r, from 1/4 to about 4×, r below 1 being a forecast rise
 * that did not come); each sample first multiplies every weight by the decay, so the histograms cover about the last
 * RISE_MEMORY_SEC.
 *
 * @param weights      decayed sample weight per histogram and bin (histogram c, bin i at c × BINS + i; histograms
 *                     0..CLASSES-1 are the level classes without a seasonal forecast, the next CLASSES those with
 *                     one; bin i holds r in [e^(i·BIN − LOW), e^((i+1)·BIN − LOW)))
 * @param lastRps      the last windows' rps, oldest first: at least K + BASE_WINDOWS (the first BASE_WINDOWS of the
 *                     last K + BASE_WINDOWS set the base of the next sample), and as many as the caller keeps for
 *                     its own use
 * @param level        long-run mean rps (EWMA over the memory), or 0 before the first window
 * @param lastSeasonal the seasonal rise forecast at each of those windows (1 = none), to score the sample it starts
 * @param seasons      the seasonal profile
 */
public record RiseHistory(double[] weights, List<Double> lastRps, double level, List<Double> lastSeasonal,
                          SeasonalProfile seasons) {
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
    /**
     * A rise is a seasonal event only beyond this many standard deviations of one window's Poisson rate estimate
     * (sqrt(rate / window) relative): the highest of K noisy windows is itself a "rise", and recurring noise is not a
     * pattern.
     */
    static final double NOISE_Z = 4;
    /** Windows averaged into the base, so one noisy window moves the planned load less. */
    static final int BASE_WINDOWS = 2;

    public RiseHistory {
        weights = weights == null || weights.length != 2 * CLASSES * BINS ? new double[2 * CLASSES * BINS] : weights.clone();
        lastRps = lastRps == null ? List.of() : List.copyOf(lastRps);
        lastSeasonal = lastSeasonal == null || lastSeasonal.size() != lastRps.size()
                ? java.util.Collections.nCopies(lastRps.size(), 1.0) : List.copyOf(lastSeasonal);
        seasons = seasons == null ? new SeasonalProfile(List.of()) : seasons;
    }

    public static RiseHistory empty() {
        return new RiseHistory(null, List.of(), 0, List.of(), null);
    }

    /**
     * Adds this window's rps. Once K + BASE_WINDOWS windows are known, the oldest BASE_WINDOWS of the last
     * K + BASE_WINDOWS are the base of a sample: the highest rps of the K windows after them, relative to their mean.
     * At least {@code keepWindows} rates are kept for {@link #recent}.
     */
    public RiseHistory observe(double rps, double now, PolicyConfig cfg, int keepWindows) {
        int k = Math.max(1, cfg.horizonWindows());
        int span = k + BASE_WINDOWS;
        double memoryWindows = cfg.riseMemorySec() / cfg.windowSec();
        double keep = memoryWindows <= 1 ? 0 : 1 - 1 / memoryWindows;
        double lvl = lastRps.isEmpty() ? rps : keep * level + (1 - keep) * rps;
        int cap = Math.max(span, keepWindows);
        SeasonalProfile sp = seasons.forPeriods(cfg.seasonalPeriodsSec());
        List<Double> last = PolicyState.appendCapped(lastRps, rps, cap);
        List<Double> predicted = PolicyState.appendCapped(lastSeasonal, sp.predict(now), cap);
        double[] w = weights;
        if (last.size() >= span) {
            int from = last.size() - span;
            double base = mean(last.subList(from, from + BASE_WINDOWS));
            if (base > 0) {
                double peak = 0;
                for (int i = from + BASE_WINDOWS; i < last.size(); i++) peak = Math.max(peak, last.get(i));
                double g = Math.max(1, peak / base);
                // the seasonal profile learns the rise itself; the histogram learns what the seasonal forecast made at
                // the time did not explain (1 where it forecast nothing)
                double noise = NOISE_Z * Math.sqrt(1 / (base * cfg.windowSec()));
                sp = sp.record(now - k * cfg.windowSec(), g - 1 > noise ? g : 1, keep);
                double s = predicted.get(from + BASE_WINDOWS - 1);
                w = new double[weights.length];
                for (int i = 0; i < w.length; i++) w[i] = weights[i] * keep;
                w[histogram(base, lvl, s) * BINS + bin(g / s)] += 1;
            }
        }
        return new RiseHistory(w, last, lvl, predicted, sp);
    }

    private static int bin(double r) {
        return Math.max(0, Math.min(BINS - 1, (int) Math.floor((Math.log(r) + LOW_LOG) / BIN_LOG + 1e-9)));
    }

    /** The rise the seasonal profile forecasts from now (1 without one). */
    public double seasonal() {
        return lastSeasonal.isEmpty() ? 1 : lastSeasonal.get(lastSeasonal.size() - 1);
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
     * upper edge); 1 while too little is known.
     */
    public double quantile(double q) {
        boolean forecast = seasonal() > 1;
        int c = histogram(base(), level, seasonal());
        double[] h = new double[BINS];
        System.arraycopy(weights, c * BINS, h, 0, BINS);
        if (sum(h) < MIN_WEIGHT) {
            Arrays.fill(h, 0);
            int first = forecast ? CLASSES * BINS : 0;
            for (int i = first; i < first + CLASSES * BINS; i++) h[i % BINS] += weights[i];
        }
        double total = sum(h);
        if (total < MIN_WEIGHT) return 1;
        double acc = 0;
        for (int i = 0; i < BINS; i++) {
            acc += h[i];
            if (acc >= q * total) return i == ONE_BIN ? 1 : Math.exp((i + 1) * BIN_LOG - LOW_LOG);
        }
        return Math.exp(BINS * BIN_LOG - LOW_LOG);
    }

    @JsonIgnore
    public double totalWeight() {
        return sum(weights);
    }

    /** Histograms 0..CLASSES-1 hold rises with no seasonal forecast, the next CLASSES the residuals of forecast ones. */
    private static int histogram(double base, double level, double seasonal) {
        return classOf(base, level) + (seasonal > 1 ? CLASSES : 0);
    }

    private static int classOf(double base, double level) {
        if (level <= 0) return CLASSES / 2;
        double r = base / level;
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
        return o instanceof RiseHistory r && Arrays.equals(weights, r.weights) && lastRps.equals(r.lastRps) && level == r.level
                && lastSeasonal.equals(r.lastSeasonal) && seasons.equals(r.seasons);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(Arrays.hashCode(weights), lastRps, level, lastSeasonal, seasons);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "RiseHistory[level=%.1f, base=%.1f, weight=%.1f]", level, base(), totalWeight());
    }
}
