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
 * <p>Bins are logarithmic ({@value #BIN_LOG} apart in ln g, up to about 4×); each sample first multiplies every
 * weight by the decay, so the histograms cover about the last {@code memoryWindows} windows.
 *
 * @param weights decayed sample weight per class and bin (class c, bin i at c × BINS + i; bin i holds g in
 *                [e^(i·BIN), e^((i+1)·BIN)))
 * @param lastRps the last windows' rps, oldest first: at least K + BASE_WINDOWS (the first BASE_WINDOWS of the last
 *                K + BASE_WINDOWS set the base of the next sample), and as many as the caller keeps for its own use
 * @param level   long-run mean rps (EWMA over the memory), or 0 before the first window
 */
public record RiseHistory(double[] weights, List<Double> lastRps, double level) {
    static final double BIN_LOG = 0.02;
    static final int BINS = 70;
    /** Upper edges of the level classes (base / level); the last class is open. */
    static final double[] CLASS_EDGES = {0.5, 0.8, 1.25, 2};
    static final int CLASSES = CLASS_EDGES.length + 1;
    /** Below this much sample weight a histogram says nothing (the class falls back to all classes, all to 1). */
    static final double MIN_WEIGHT = 20;
    /** Windows averaged into the base, so one noisy window moves the planned load less. */
    static final int BASE_WINDOWS = 2;

    public RiseHistory {
        weights = weights == null || weights.length != CLASSES * BINS ? new double[CLASSES * BINS] : weights.clone();
        lastRps = lastRps == null ? List.of() : List.copyOf(lastRps);
    }

    public static RiseHistory empty() {
        return new RiseHistory(null, List.of(), 0);
    }

    /**
     * Adds this window's rps. Once K + BASE_WINDOWS windows are known, the oldest BASE_WINDOWS of the last
     * K + BASE_WINDOWS are the base of a sample: the highest rps of the K windows after them, relative to their mean.
     * At least {@code keepWindows} rates are kept for {@link #recent}.
     */
    public RiseHistory observe(double rps, int horizonWindows, double memoryWindows, int keepWindows) {
        int k = Math.max(1, horizonWindows);
        int span = k + BASE_WINDOWS;
        double keep = memoryWindows <= 1 ? 0 : 1 - 1 / memoryWindows;
        double lvl = lastRps.isEmpty() ? rps : keep * level + (1 - keep) * rps;
        List<Double> last = PolicyState.appendCapped(lastRps, rps, Math.max(span, keepWindows));
        double[] w = weights;
        if (last.size() >= span) {
            List<Double> sample = last.subList(last.size() - span, last.size());
            double base = mean(sample.subList(0, BASE_WINDOWS));
            if (base > 0) {
                double peak = 0;
                for (int i = BASE_WINDOWS; i < span; i++) peak = Math.max(peak, sample.get(i));
                double g = Math.max(1, peak / base);
                w = new double[weights.length];
                for (int i = 0; i < w.length; i++) w[i] = weights[i] * keep;
                w[classOf(base, lvl) * BINS + Math.min(BINS - 1, (int) (Math.log(g) / BIN_LOG))] += 1;
            }
        }
        return new RiseHistory(w, last, lvl);
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
        int c = classOf(base(), level);
        double[] h = new double[BINS];
        System.arraycopy(weights, c * BINS, h, 0, BINS);
        if (sum(h) < MIN_WEIGHT) {
            Arrays.fill(h, 0);
            for (int i = 0; i < weights.length; i++) h[i % BINS] += weights[i];
        }
        double total = sum(h);
        if (total < MIN_WEIGHT) return 1;
        double acc = 0;
        for (int i = 0; i < BINS; i++) {
            acc += h[i];
            if (acc >= q * total) return i == 0 ? 1 : Math.exp((i + 1) * BIN_LOG);
        }
        return Math.exp(BINS * BIN_LOG);
    }

    @JsonIgnore
    public double totalWeight() {
        return sum(weights);
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
        return o instanceof RiseHistory r && Arrays.equals(weights, r.weights) && lastRps.equals(r.lastRps) && level == r.level;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(weights) + lastRps.hashCode()) + Double.hashCode(level);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "RiseHistory[level=%.1f, base=%.1f, weight=%.1f]", level, base(), totalWeight());
    }
}
