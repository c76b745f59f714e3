package dev.autoscaler.bench.policy;

import dev.autoscaler.bench.sim.BenchPolicy;
import dev.autoscaler.bench.sim.SimView;
import dev.autoscaler.planner.policy.RobustStats;
import java.util.ArrayList;
import java.util.List;

/**
 * A faithful port of the proof of concept's heuristic (../shared/peers/POC.md §4, no LLM), bugs included: the
 * baseline is the median of <em>all</em> recent windows, ±1 replica per COOLDOWN_SEC, scale-up when p95 ≥ 8×
 * baseline or z ≥ 6, scale-down after 3 "near baseline" windows. Its monitor sends 40 serial probes and then
 * sleeps 3 s, so a window lasts 3 s + 40 × the mean latency (each probe capped at TIMEOUT_S 2.5 s); the replica
 * count it sees includes replicas still starting (it counts running containers).
 */
public final class PocPolicy implements BenchPolicy {
    static final int HIST_WINDOWS = 60;
    static final int WARMUP_WINDOWS = 12;
    static final int LOW_NEED_N = 3;
    static final double ALPHA_UP = 8.0;
    static final double BETA_DOWN = 1.10;
    static final double COOLDOWN_SEC = 20;

    private final List<Double> history = new ArrayList<>();
    private final List<Boolean> low = new ArrayList<>();
    private double nextWindowEnd = -1;
    private double windowStart;
    private double lastAction = Double.NEGATIVE_INFINITY;

    public String name() { return "poc"; }

    public int tickSec() { return 1; }

    public int decide(SimView v) {
        int now = v.now();
        int replicas = v.ready() + v.starting();
        if (nextWindowEnd < 0) {
            windowStart = now - 1;
            nextWindowEnd = now;
        }
        if (now < nextWindowEnd) return replicas;
        // the window's probes saw the p95 of the seconds it spanned
        double p95 = 0;
        int from = (int) Math.max(0, Math.floor(windowStart));
        List<Double> samples = new ArrayList<>();
        for (int s = from; s < now; s++) samples.add(Math.min(v.p95Ms(s), 2500));
        if (!samples.isEmpty()) p95 = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double meanLatencySec = samples.stream().mapToDouble(Double::doubleValue).average().orElse(0) / 1000 / 2;
        windowStart = now;
        nextWindowEnd = now + 3 + 40 * Math.min(meanLatencySec, 2.5);

        history.add(p95);
        if (history.size() > HIST_WINDOWS) history.remove(0);
        double[] h = history.stream().mapToDouble(Double::doubleValue).toArray();
        double baseline = RobustStats.median(h);
        double sigma = RobustStats.sigma(h, baseline);
        boolean warm = history.size() >= WARMUP_WINDOWS;
        boolean near = warm && baseline > 0 && p95 <= baseline * BETA_DOWN + Math.max(5.0, 0.25 * sigma);
        low.add(near);
        if (low.size() > LOW_NEED_N) low.remove(0);
        if (!warm) return replicas;
        double ratio = baseline > 0 ? p95 / baseline : 0;
        double z = (p95 - baseline) / (sigma > 0 ? sigma : 1);
        int want = replicas;
        if ((ratio >= ALPHA_UP || z >= 6.0) && replicas < v.config().maxReplicas()) want = replicas + 1;
        else if (low.stream().allMatch(b -> b) && replicas > v.config().minReplicas()) want = replicas - 1;
        if (want != replicas) {
            if (now - lastAction < COOLDOWN_SEC) return replicas;
            lastAction = now;
        }
        return want;
    }
}
