package dev.autoscaler.planner.policy;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.PolicyState.HealthySample;
import java.util.List;

/**
 * Stage 1: what counts as slow. SLO mode: the SLO. Baseline mode (the PoC's dynamic mode): max(ALPHA_UP × baseline,
 * baseline + K_SIGMA × sigma), where baseline = median and sigma = 1.4826 × MAD of recent <em>healthy</em> windows
 * only, so a long overload never becomes the baseline. Its state slice is that healthy history
 * ({@link PolicyState#healthy}); a window is judged against the threshold from the history before it.
 */
public final class Thresholds {

    /**
     * @param sloP95Ms       SLO on p95 in ms, or null for baseline mode
     * @param alphaUp        baseline mode: slow when p95 ≥ this × baseline (the PoC's ALPHA_UP, 3: idle p95 is noisy)
     * @param betaDown       baseline mode: "near the baseline" up to this × baseline plus a cushion (PoC BETA_DOWN)
     * @param kSigma         baseline mode: the threshold is never closer than this many sigma to the baseline (2.5:
     *                       a healthy window crosses it about once in 160)
     * @param histWindows    healthy windows kept for the baseline (60: three minutes at 3 s, recent enough to follow
     *                       a deploy, long enough for a stable median)
     * @param warmupWindows  healthy windows before the baseline is trusted (12: a MAD from fewer is mostly noise)
     * @param idleHintMs     an operator's guess of the idle p95, used before warm-up (0: none)
     * @param panicFactor    p95 ≥ this × threshold is an emergency that bypasses the up-cooldown (2, as KPA's panic)
     * @param lowFraction    SLO mode: a window is "low" (room to scale down) at p95 ≤ this × SLO (0.7)
     * @param minSuccessRate a window below this success rate is overloaded, whatever its latency (0.95)
     * @param roomFraction   p95 at most this × the threshold leaves room on the latency curve, which the capacity probe,
     *                       the proven rate and the tolerance on a demand within the plan rely on (0.5: the toy app sits
     *                       near 25 % of the SLO up to 150 rps a replica; an M/M/4 replica's p95 never falls below 60 %,
     *                       and probing above half the SLO there broke it on 31 of the bench suite's 36 loads)
     */
    public record Settings(Double sloP95Ms, double alphaUp, double betaDown, double kSigma, int histWindows, int warmupWindows,
                           double idleHintMs, double panicFactor, double lowFraction, double minSuccessRate, double roomFraction) {
        static Settings from(Env env) {
            var slo = env.optionalNumber(new String[] {"SLO_P95_MS", "TARGET_P95_MS"}, 1, 3_600_000);
            return new Settings(
                    slo.isPresent() ? slo.getAsDouble() : null,
                    env.number("ALPHA_UP", 3.0, 1.01, 1000),
                    env.number("BETA_DOWN", 1.10, 1.0, 100),
                    env.number("K_SIGMA", 2.5, 0, 100),
                    env.integer("HIST_WINDOWS", 60, 3, 100_000),
                    env.integer("WARMUP_WINDOWS", 12, 1, 100_000),
                    env.number("IDLE_HINT_MS", 0, 0, 3_600_000),
                    env.number("PANIC_FACTOR", 2.0, 1.0, 100),
                    env.number("LOW_P95_FRACTION", 0.7, 0.01, 1.0),
                    env.number("MIN_SUCCESS_RATE", 0.95, 0, 1),
                    env.number("ROOM_P95_FRACTION", 0.5, 0, 1));
        }

        Settings withSlo(Double slo) {
            return new Settings(slo, alphaUp, betaDown, kSigma, histWindows, warmupWindows, idleHintMs, panicFactor, lowFraction,
                    minSuccessRate, roomFraction);
        }
    }

    /**
     * The threshold a window is judged against.
     *
     * @param valueMs    the threshold, or null while warming up in baseline mode
     * @param source     slo, baseline, idle_hint or warming
     * @param baselineMs median of the healthy history, or null while it is empty
     * @param sigmaMs    1.4826 × its MAD, or null
     * @param history    healthy windows behind it
     * @param warmup     healthy windows baseline mode waits for
     */
    public record Threshold(Double valueMs, String source, Double baselineMs, Double sigmaMs, int history, int warmup) {}

    /**
     * How a window went against the threshold.
     *
     * @param noData no requests were measured
     * @param errors the success rate was below MIN_SUCCESS_RATE
     * @param slow   p95 was over the threshold
     * @param panic  overloaded by PANIC_FACTOR × the threshold or by errors
     */
    public record Verdict(boolean noData, boolean errors, boolean slow, boolean panic) {
        public boolean overloaded() {
            return slow || errors;
        }

        public boolean healthy() {
            return !noData && !overloaded();
        }
    }

    private final Settings s;

    public Thresholds(Settings s) {
        this.s = s;
    }

    public Threshold of(List<HealthySample> healthy) {
        double[] hist = healthy.stream().mapToDouble(HealthySample::p95Ms).toArray();
        Double baseline = null;
        Double sigma = null;
        if (hist.length > 0) {
            baseline = RobustStats.median(hist);
            sigma = RobustStats.sigma(hist, baseline);
        }
        int n = hist.length;
        int warm = s.warmupWindows();
        if (s.sloP95Ms() != null) return new Threshold(s.sloP95Ms(), "slo", baseline, sigma, n, warm);
        if (n >= warm) return new Threshold(Math.max(baseline * s.alphaUp(), baseline + s.kSigma() * sigma), "baseline", baseline, sigma, n, warm);
        if (s.idleHintMs() > 0) return new Threshold(s.idleHintMs() * s.alphaUp(), "idle_hint", baseline, sigma, n, warm);
        return new Threshold(null, "warming", baseline, sigma, n, warm);
    }

    public Verdict judge(Window w, Threshold t) {
        boolean noData = w.requests() == 0;
        boolean errors = !noData && w.successRate() < s.minSuccessRate();
        boolean slow = t.valueMs() != null && !noData && w.p95Ms() > t.valueMs();
        boolean panic = (slow || errors) && (errors || w.p95Ms() >= t.valueMs() * s.panicFactor());
        return new Verdict(noData, errors, slow, panic);
    }

    /** The healthy history after this window: a healthy window joins it, with its per-replica rate. */
    public List<HealthySample> remember(List<HealthySample> healthy, Window w, Verdict v) {
        if (!v.healthy()) return healthy;
        double perReplica = w.readyReplicas() > 0 ? w.rps() / w.readyReplicas() : 0;
        return PolicyState.appendCapped(healthy, new HealthySample(w.ts(), w.p95Ms(), perReplica), s.histWindows());
    }

    /**
     * Latency low enough to allow a scale-down. SLO mode: at most LOW_P95_FRACTION of the SLO, or at or below the usual
     * healthy p95 (the baseline); an app whose idle p95 is already close to the SLO would otherwise never scale down.
     * Baseline mode: near the baseline, as in the PoC.
     */
    /** A healthy window with room on the latency curve: p95 at most ROOM_P95_FRACTION of the threshold. */
    public boolean hasRoom(Window w, Verdict v, Threshold t) {
        return v.healthy() && t.valueMs() != null && w.p95Ms() <= s.roomFraction() * t.valueMs();
    }

    public boolean isLow(double p95, Threshold t) {
        if (t.valueMs() == null) return false;
        double b = t.baselineMs() != null ? t.baselineMs() : s.idleHintMs();
        double sd = t.sigmaMs() != null ? t.sigmaMs() : 0;
        boolean nearBaseline = b > 0 && p95 <= b * s.betaDown() + Math.max(5.0, 0.25 * sd);
        if (s.sloP95Ms() != null) return p95 <= s.sloP95Ms() * s.lowFraction() || (nearBaseline && p95 < s.sloP95Ms());
        return nearBaseline;
    }
}
