package dev.autoscaler.bench.sim;

/**
 * A replica that just became ready serves less than a warm one: its JVM still interprets and compiles the request path,
 * on CPUs it shares with the replicas already serving. Its speed (the fraction of a warm replica's rate it serves, and
 * the factor by which its response times are stretched) is f(age) = 1 − (1 − startFraction) · e^(−age / tauSec),
 * measured on the toy app (bench/README, "Measured on the real app").
 *
 * @param startFraction the speed of a replica that has just become ready (0.8: on a machine busy with other JVMs, as the
 *                      pipeline's is when it scales, a fresh replica saturated at 300 rps served 86 % of a warm one's
 *                      rate over its first 5 s, 89 % over the next 5, 97 % after; on a quiet one it is warm in a second)
 * @param tauSec        the time constant of the rise, 0 for no warm-up (8: the least-squares fit of those 20 seconds'
 *                      completions gave 0.81 and 8.75 s; within 1 % of warm after 24 s)
 */
public record Warmup(double startFraction, double tauSec) {
    /** The deficit below 1 under which a replica counts as warm, so the simulator's fast path serves it. */
    static final double WARM_DEFICIT = 1e-3;
    /** The deficit at which the oracle counts a new replica as ready to take its share: within 1 % of warm. */
    static final double ORACLE_DEFICIT = 1e-2;

    public Warmup {
        if (!(startFraction > 0 && startFraction <= 1)) throw new IllegalArgumentException("warm-up start fraction must be in (0, 1], got " + startFraction);
        if (!(tauSec >= 0) || Double.isInfinite(tauSec)) throw new IllegalArgumentException("warm-up time constant must be >= 0, got " + tauSec);
    }

    public static Warmup off() {
        return new Warmup(1, 0);
    }

    /** A replica that joins a fleet already serving: measured with a warm client (nginx, in the pipeline). */
    public static Warmup measured() {
        return new Warmup(0.8, 8);
    }

    /**
     * The replicas a cold start begins with, when the load begins against a stack that is cold as a whole (client, proxy
     * and services still compiling on the same CPUs): a fresh replica under 300 rps from a fresh client completed 124
     * requests in its first 2 s, 71 in the third, then 150-190 a second; the cumulative least-squares fit is 0.08 and
     * 3.25 s. The demo's settle case agrees: its first replica had completed about 500 of 1500 requests when its queue
     * of 1000 filled, 5 s in.
     */
    public static Warmup measuredAtStart() {
        return new Warmup(0.1, 3);
    }

    public boolean on() {
        return tauSec > 0 && startFraction < 1;
    }

    /** The speed of a replica ready for {@code ageSec}; exactly 1 once its deficit is below {@link #WARM_DEFICIT}. */
    public double speed(double ageSec) {
        if (!on() || ageSec >= warmAfterSec()) return 1;
        return 1 - (1 - startFraction) * Math.exp(-Math.max(0, ageSec) / tauSec);
    }

    /** The age from which a replica is warm (0 without warm-up). */
    public double warmAfterSec() {
        return ageAtDeficit(WARM_DEFICIT);
    }

    /**
     * How much earlier than its start-up the oracle asks for a replica: the age at which it serves within 1 % of a warm
     * one, so the replica it needs from a second on is warm enough by then (0 without warm-up).
     */
    public double oracleLeadSec() {
        return ageAtDeficit(ORACLE_DEFICIT);
    }

    private double ageAtDeficit(double deficit) {
        if (!on() || 1 - startFraction <= deficit) return 0;
        return tauSec * Math.log((1 - startFraction) / deficit);
    }
}
