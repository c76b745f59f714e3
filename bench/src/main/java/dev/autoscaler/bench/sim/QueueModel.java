package dev.autoscaler.bench.sim;

/**
 * Each replica is an M/M/W queue: W workers (the toy app's bounded pool), exponential service with mean S.
 * Load balancing splits arrivals evenly, so each ready replica sees λ/n. The p95 of the response time
 * T = wait + service uses Erlang C: with probability 1 − C(W, a) there is no wait; otherwise the wait is
 * exponential with rate Wμ − λ. P(T > t) is solved for 0.05 by bisection.
 */
public final class QueueModel {
    private final int workers;
    private final double mu;

    public QueueModel(int workers, double serviceMs) {
        this.workers = workers;
        this.mu = 1000.0 / serviceMs;
    }

    public int workers() { return workers; }

    /** Requests per second one replica completes when saturated. */
    public double capacityRps() { return workers * mu; }

    /** Erlang C: probability that an arrival waits, for c servers and offered load a = λ/μ (< c). */
    public static double erlangC(int c, double a) {
        if (a >= c) return 1.0;
        double sum = 0;
        double term = 1;
        for (int k = 0; k < c; k++) {
            if (k > 0) term *= a / k;
            sum += term;
        }
        double pc = term * a / c / (1 - a / c);
        return pc / (sum + pc);
    }

    /** p95 response time in ms for one replica receiving {@code lambda} requests per second; infinite when unstable. */
    public double p95Ms(double lambda) {
        if (lambda <= 0) return 1000 * Math.log(20) / mu;
        double a = lambda / mu;
        if (a >= workers) return Double.POSITIVE_INFINITY;
        double pw = erlangC(workers, a);
        double theta = workers * mu - lambda;
        double lo = 0;
        double hi = 1 / mu;
        while (tail(hi, pw, theta) > 0.05) hi *= 2;
        for (int i = 0; i < 50; i++) {
            double m = (lo + hi) / 2;
            if (tail(m, pw, theta) > 0.05) lo = m;
            else hi = m;
        }
        return hi * 1000;
    }

    /**
     * p95 response time in ms of a fleet whose ready replicas serve at {@code speeds[0..n)} of a warm replica's rate (1:
     * warm; see {@link Warmup}), {@code perWarm} requests per second per unit of speed. nginx's least_conn gives a slower
     * replica fewer requests, about in proportion to its speed, so every replica runs at the same utilisation and replica
     * i is the warm queue with every time stretched by 1/f_i: P(T &gt; t) = Σ (f_i / Σf) · P_warm(T &gt; f_i t), solved for 0.05
     * by bisection. With every speed 1 it is {@link #p95Ms(double)}.
     */
    public double p95Ms(double perWarm, double[] speeds, int n) {
        double a = perWarm / mu;
        if (a >= workers) return Double.POSITIVE_INFINITY;
        double pw = perWarm <= 0 ? 0 : erlangC(workers, a);
        double theta = workers * mu - perWarm;
        double sum = 0;
        double slowest = 1;
        for (int i = 0; i < n; i++) {
            sum += speeds[i];
            slowest = Math.min(slowest, speeds[i]);
        }
        double lo = 0;
        double hi = 1 / mu / slowest;
        while (mixedTail(hi, speeds, n, sum, pw, theta) > 0.05) hi *= 2;
        for (int i = 0; i < 50; i++) {
            double m = (lo + hi) / 2;
            if (mixedTail(m, speeds, n, sum, pw, theta) > 0.05) lo = m;
            else hi = m;
        }
        return hi * 1000;
    }

    private double mixedTail(double t, double[] speeds, int n, double sum, double pw, double theta) {
        double p = 0;
        for (int i = 0; i < n; i++) p += speeds[i] / sum * tail(speeds[i] * t, pw, theta);
        return p;
    }

    private double tail(double t, double pw, double theta) {
        double waitThenServe = Math.abs(theta - mu) < 1e-9
                ? (1 + mu * t) * Math.exp(-mu * t)
                : (theta * Math.exp(-mu * t) - mu * Math.exp(-theta * t)) / (theta - mu);
        return (1 - pw) * Math.exp(-mu * t) + pw * waitThenServe;
    }

    /**
     * The mean service time at which a replica of {@code workers} workers has r_slo {@code rsloRps} under {@code sloMs}: a
     * real app's measured r_slo given to the model. Every time of an M/M/W queue scales with its service time, so its
     * r_slo falls as the service time grows, and bisection finds it.
     */
    public static double serviceMsFor(int workers, double rsloRps, double sloMs) {
        if (!(rsloRps > 0) || !(sloMs > 0) || workers < 1) throw new IllegalArgumentException("r_slo, SLO and workers must be positive");
        double lo = 0;
        // at this service time the bare service's p95 is the SLO itself, so r_slo is 0
        double hi = sloMs / Math.log(20);
        for (int i = 0; i < 60; i++) {
            double m = (lo + hi) / 2;
            if (new QueueModel(workers, m).maxRpsWithin(sloMs) > rsloRps) lo = m;
            else hi = m;
        }
        return (lo + hi) / 2;
    }

    /** The highest per-replica arrival rate whose p95 meets {@code sloMs}. */
    public double maxRpsWithin(double sloMs) {
        double lo = 0;
        double hi = capacityRps();
        if (p95Ms(0) > sloMs) return 0;
        for (int i = 0; i < 60; i++) {
            double m = (lo + hi) / 2;
            if (p95Ms(m) <= sloMs) lo = m;
            else hi = m;
        }
        return lo;
    }
}
