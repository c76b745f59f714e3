package dev.autoscaler.peers;

/**
 * Knative KPA on requests per second: a 2 s tick; stable and panic values are the revision's total rps averaged
 * over 60 s and 6 s (buckets since the first write, capped at the window); target = 0.7 × one replica's capacity;
 * panic threshold 2.0, max scale-up rate 1000, max scale-down rate 2. The decider is the one that passes the
 * upstream test vectors. A capacity that changes (the planner's shadow learns it as it goes) updates the target.
 */
public final class Kpa implements PeerAutoscaler {
    private static final int TICK = 2;
    private static final int STABLE = 60;
    private static final int PANIC = 6;

    private final double targetUtilisation;
    private KpaDecider decider;
    private double specCapacity;

    public Kpa(double targetUtilisation) {
        this.targetUtilisation = targetUtilisation;
    }

    public String name() { return "kpa"; }

    public int tickSec() { return TICK; }

    public int decide(LoadView v) {
        double capacity = v.capacityRps();
        if (decider == null) {
            decider = new KpaDecider(spec(capacity), v.ready(), v.now());
        } else if (capacity != specCapacity) {
            // a learned capacity that moves is a new target per pod, which Knative applies with Update
            decider.update(spec(capacity));
        }
        specCapacity = capacity;
        int now = v.now();
        return decider.scale(now, v.ready(), average(v, now, STABLE), average(v, now, PANIC)).desiredPodCount();
    }

    private KpaDecider.Spec spec(double capacity) {
        return new KpaDecider.Spec(capacity * targetUtilisation, capacity, 211, 2.0, 1000, 2, STABLE, 0, true, 0);
    }

    private static double average(LoadView v, int now, int window) {
        int from = Math.max(0, now - window);
        double sum = 0;
        for (int s = from; s < now; s++) sum += v.arrivals(s);
        return sum / Math.max(1, now - from);
    }
}
