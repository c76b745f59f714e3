package dev.autoscaler.bench.sim;

import dev.autoscaler.bench.policy.BenchPolicy;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Replays per-second arrivals against replicas that take {@code startupSec} to become ready. Each second: replicas
 * due become ready; the second's p95 comes from the {@link QueueModel} plus the wait behind any backlog (a fluid
 * queue that grows while arrivals exceed capacity and is cut at {@code maxWaitSec}, as clients time out); then, on
 * the policy's tick, the policy decides and the simulator starts or removes replicas (starting ones first, then the
 * newest ready). Replica-seconds count starting replicas too: they cost money before they serve.
 */
public final class Simulator {
    private static final double MAX_P95_MS = 60_000;

    private final SimConfig cfg;
    private final QueueModel model;

    public Simulator(SimConfig cfg) {
        this.cfg = cfg;
        this.model = cfg.model();
    }

    public SimResult run(String traceName, double[] arrivals, BenchPolicy policy) {
        int n = arrivals.length;
        double cap = model.capacityRps();
        double[] served = new double[n];
        double[] p95 = new double[n];
        double[] util = new double[n];
        int[] replicas = new int[n];
        int[] readySeries = new int[n];
        Deque<Integer> startingReadyAt = new ArrayDeque<>();
        // every policy starts with what the first second needs at the target utilisation, so no run begins in a hole
        int ready = Math.max(Math.max(cfg.minReplicas(), 1),
                (int) Math.ceil(arrivals.length == 0 ? 0 : arrivals[0] / (cap * cfg.targetUtilisation())));
        int desired = ready;
        double backlog = 0;
        double replicaSeconds = 0;
        int actions = 0;
        int violations = 0;
        double worst = 0;
        View view = new View(arrivals, served, p95, util, readySeries);
        for (int t = 0; t < n; t++) {
            while (!startingReadyAt.isEmpty() && startingReadyAt.peekFirst() <= t) {
                startingReadyAt.pollFirst();
                ready++;
            }
            double lambda = arrivals[t];
            double capacity = ready * cap;
            double before = backlog;
            backlog = Math.max(0, backlog + lambda - capacity);
            if (ready > 0) backlog = Math.min(backlog, cfg.maxWaitSec() * capacity);
            else backlog = Math.min(backlog, cfg.maxWaitSec() * cap);
            served[t] = ready == 0 ? 0 : Math.min(lambda + before, capacity);
            util[t] = ready == 0 ? 1 : served[t] / capacity;
            double latency;
            if (ready == 0) {
                latency = MAX_P95_MS;
            } else {
                double perReplica = Math.min(lambda / ready, 0.98 * cap);
                latency = model.p95Ms(perReplica) + 1000 * backlog / capacity;
            }
            p95[t] = Math.min(MAX_P95_MS, latency);
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
                    if (!startingReadyAt.isEmpty()) startingReadyAt.pollLast();
                    else ready--;
                }
            }
        }
        return new SimResult(traceName, policy.name(), arrivals, replicas, readySeries, p95, 100.0 * violations / n, replicaSeconds,
                actions, worst);
    }

    private final class View implements SimView {
        final double[] arrivals;
        final double[] served;
        final double[] p95;
        final double[] util;
        final int[] readySeries;
        int now;
        int ready;
        int starting;
        int desired;

        View(double[] arrivals, double[] served, double[] p95, double[] util, int[] readySeries) {
            this.arrivals = arrivals;
            this.served = served;
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
        public double p95Ms(int s) { return p95[past(s)]; }
        public double utilisation(int s) { return util[past(s)]; }
        public int readyAt(int s) { return readySeries[past(s)]; }
        public SimConfig config() { return cfg; }
        public double capacityRps() { return model.capacityRps(); }
        public double futureArrivals(int s) { return s >= 0 && s < arrivals.length ? arrivals[s] : 0; }
    }
}
