package dev.autoscaler.bench.sim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Replays per-second arrivals against replicas that take {@code startupSec} to become ready. Each second: replicas
 * due become ready; the second's p95 comes from the {@link QueueModel} plus the wait behind any backlog (a fluid
 * queue that grows while arrivals exceed capacity and is cut at {@code maxWaitSec}, as clients time out); then, on
 * the policy's tick, the policy decides and the simulator starts or removes replicas (starting ones first, then the
 * newest ready). Replica-seconds count starting replicas too: they cost money before they serve.
 *
 * <p>A replica that has just become ready serves at its {@link Warmup} speed (capacity, and response times stretched),
 * so the fleet's p95 is that of a mix of speeds while any replica is young; and the p95 the policy sees (not the one
 * scored) carries the {@link WindowNoise} of the seconds after the ready count changed. A cold start begins with
 * MIN_REPLICAS young replicas instead of what the first second needs, and its load begins at second 0, with the
 * start's own window noise.
 */
public final class Simulator {
    private static final double MAX_P95_MS = 60_000;
    /** Salts of the two kinds of window noise, so their draws for the same second differ. */
    private static final long READY_CHANGE = 1;
    private static final long LOAD_START = 2;

    private final SimConfig cfg;
    private final QueueModel model;

    public Simulator(SimConfig cfg) {
        this.cfg = cfg;
        this.model = cfg.model();
    }

    public SimResult run(String traceName, double[] arrivals, BenchPolicy policy) {
        return run(traceName, arrivals, policy, cfg.coldStart());
    }

    public SimResult run(String traceName, double[] arrivals, BenchPolicy policy, boolean coldStart) {
        int n = arrivals.length;
        double cap = model.capacityRps();
        Warmup warmup = cfg.warmup();
        Warmup startWarmup = coldStart ? cfg.startWarmup() : Warmup.off();
        WindowNoise noise = cfg.noise();
        // only a cold start has a load that begins: a warm start is a slice of a service that has served it for long
        WindowNoise startNoise = coldStart ? cfg.startNoise() : WindowNoise.off();
        double[] served = new double[n];
        double[] refused = new double[n];
        double[] p95 = new double[n];
        // what the policy sees: the scored p95 itself unless there is noise to add
        double[] seen = noise.on() || startNoise.on() ? new double[n] : p95;
        double[] util = new double[n];
        int[] replicas = new int[n];
        int[] readySeries = new int[n];
        Deque<Integer> startingReadyAt = new ArrayDeque<>();
        // every policy starts with what the first second needs at the target utilisation, so no run begins in a hole;
        // a cold start begins where a new deployment does, at MIN_REPLICAS replicas that have only just become ready
        int ready = coldStart ? Math.max(cfg.minReplicas(), 1) : Math.max(Math.max(cfg.minReplicas(), 1),
                (int) Math.ceil(arrivals.length == 0 ? 0 : arrivals[0] / (cap * cfg.targetUtilisation())));
        // when each ready replica became ready and how it warms up, oldest first (those of a warm start long ago)
        Deque<Ready> readySince = new ArrayDeque<>();
        for (int k = 0; k < ready; k++) readySince.addLast(coldStart ? new Ready(0, startWarmup) : new Ready(Integer.MIN_VALUE / 2, warmup));
        double[] speeds = new double[Math.max(cfg.maxReplicas(), ready) + 1];
        int changedAt = Integer.MIN_VALUE / 2;
        int desired = ready;
        double backlog = 0;
        double replicaSeconds = 0;
        int actions = 0;
        int violations = 0;
        double worst = 0;
        View view = new View(arrivals, served, refused, seen, util, readySeries);
        for (int t = 0; t < n; t++) {
            while (!startingReadyAt.isEmpty() && startingReadyAt.peekFirst() <= t) {
                readySince.addLast(new Ready(startingReadyAt.pollFirst(), warmup));
                ready++;
            }
            if (t > 0 && ready != readySeries[t - 1]) changedAt = t;
            // with every replica warm the speeds sum to the ready count exactly, and the p95 is the warm model's
            double speedSum = ready;
            boolean young = false;
            if (warmup.on() || startWarmup.on()) {
                speedSum = 0;
                int i = 0;
                for (Ready r : readySince) {
                    double f = r.warmup().speed(t - r.since());
                    speeds[i++] = f;
                    speedSum += f;
                    young |= f < 1;
                }
            }
            double lambda = arrivals[t];
            double capacity = speedSum * cap;
            double before = backlog;
            backlog = Math.max(0, backlog + lambda - capacity);
            // past the app's queue bound the excess is refused at once rather than queued
            if (cfg.queueBound() > 0 && ready > 0 && backlog > cfg.queueBound() * (double) ready) {
                refused[t] = backlog - cfg.queueBound() * (double) ready;
                backlog -= refused[t];
            }
            if (ready > 0) backlog = Math.min(backlog, cfg.maxWaitSec() * capacity);
            else backlog = Math.min(backlog, cfg.maxWaitSec() * cap);
            served[t] = ready == 0 ? 0 : Math.min(lambda + before, capacity);
            util[t] = ready == 0 ? 1 : served[t] / capacity;
            double latency;
            if (ready == 0) {
                latency = MAX_P95_MS;
            } else if (!young) {
                double perReplica = Math.min(lambda / ready, 0.98 * cap);
                latency = model.p95Ms(perReplica) + 1000 * backlog / capacity;
            } else {
                double perWarm = Math.min(lambda / speedSum, 0.98 * cap);
                latency = model.p95Ms(perWarm, speeds, ready) + 1000 * backlog / capacity;
            }
            p95[t] = Math.min(MAX_P95_MS, latency);
            if (seen != p95) {
                double stall = noise.stallMs(cfg.seed(), READY_CHANGE, changedAt, t) + startNoise.stallMs(cfg.seed(), LOAD_START, 0, t);
                seen[t] = Math.min(MAX_P95_MS, p95[t] + stall);
            }
            if (p95[t] > cfg.sloMs()) violations++;
            worst = Math.max(worst, p95[t]);
            readySeries[t] = ready;
            replicas[t] = ready + startingReadyAt.size();
            replicaSeconds += replicas[t];

            if ((t + 1) % policy.tickSec() == 0) {
                view.now = t + 1;
                view.ready = ready;
                view.starting = startingReadyAt.size();
                view.desired = desired;
                int want = Math.max(cfg.minReplicas(), Math.min(cfg.maxReplicas(), policy.decide(view)));
                if (want != desired) actions++;
                desired = want;
                int total = ready + startingReadyAt.size();
                for (int k = total; k < want; k++) startingReadyAt.addLast(t + 1 + (int) Math.round(cfg.startupSec()));
                for (int k = total; k > want; k--) {
                    if (!startingReadyAt.isEmpty()) {
                        startingReadyAt.pollLast();
                    } else {
                        ready--;
                        readySince.pollLast();
                    }
                }
            }
        }
        return new SimResult(traceName, policy.name(), arrivals, replicas, readySeries, p95, 100.0 * violations / n, replicaSeconds,
                actions, worst);
    }

    /** A ready replica: the second it became ready, and how it warms up from then. */
    private record Ready(int since, Warmup warmup) {}

    private final class View implements SimView {
        final double[] arrivals;
        final double[] served;
        final double[] refused;
        final double[] p95;
        final double[] util;
        final int[] readySeries;
        int now;
        int ready;
        int starting;
        int desired;

        View(double[] arrivals, double[] served, double[] refused, double[] p95, double[] util, int[] readySeries) {
            this.arrivals = arrivals;
            this.served = served;
            this.refused = refused;
            this.p95 = p95;
            this.util = util;
            this.readySeries = readySeries;
        }

        private int past(int s) {
            if (s < 0 || s >= now) throw new IllegalArgumentException("second " + s + " is not in the past of " + now);
            return s;
        }

        public int now() { return now; }
        public int ready() { return ready; }
        public int starting() { return starting; }
        public int desired() { return desired; }
        public double arrivals(int s) { return arrivals[past(s)]; }
        public double served(int s) { return served[past(s)]; }
        public double refused(int s) { return refused[past(s)]; }
        public double p95Ms(int s) { return p95[past(s)]; }
        public double utilisation(int s) { return util[past(s)]; }
        public int readyAt(int s) { return readySeries[past(s)]; }
        public SimConfig config() { return cfg; }
        public double capacityRps() { return model.capacityRps(); }
        public double futureArrivals(int s) { return s >= 0 && s < arrivals.length ? arrivals[s] : 0; }
    }
}
