package dev.autoscaler.peers;

import java.util.List;

/**
 * HPA's normalisation of a recommendation (horizontal.go), ALGORITHMS.md §1.4 and §1.5: the legacy path (scale-down
 * stabilisation, then a max(2×, 4) scale-up clamp) and the behavior path (stabilisation in both directions, then
 * rate limits from the HPA's own scale events).
 */
public final class HpaNormalizer {
    private HpaNormalizer() {}

    public record Recommendation(int replicas, double ageSeconds) {}

    public record Event(int replicaChange, double ageSeconds) {}

    public enum PolicyType { Pods, Percent }

    public record RatePolicy(PolicyType type, int value, int periodSeconds) {}

    /** selectPolicy: Max, Min or Disabled. */
    public record Rules(Integer stabilizationWindowSeconds, String selectPolicy, List<RatePolicy> policies) {
        public static Rules defaultScaleUp() {
            return new Rules(0, "Max", List.of(new RatePolicy(PolicyType.Pods, 4, 15), new RatePolicy(PolicyType.Percent, 100, 15)));
        }

        public static Rules defaultScaleDown() {
            return new Rules(null, "Max", List.of(new RatePolicy(PolicyType.Percent, 100, 15)));
        }
    }

    public record Limited(int replicas, String condition) {}

    /** Legacy: the max of the new recommendation and every recommendation no older than the window (inclusive). */
    public static int legacyStabilize(int prenormalized, List<Recommendation> recs, double windowSeconds) {
        int max = prenormalized;
        for (Recommendation r : recs) if (r.ageSeconds() <= windowSeconds) max = Math.max(max, r.replicas());
        return max;
    }

    /** Legacy clamp: min replicas, and at most max(2 × current, 4) and max replicas. */
    public static int legacyClamp(int current, int desired, int minReplicas, int maxReplicas) {
        int scaleUpLimit = (int) Math.max(2.0 * current, 4.0);
        int maxAllowed = Math.min(maxReplicas, scaleUpLimit);
        if (desired < minReplicas) return minReplicas;
        return Math.min(desired, maxAllowed);
    }

    /** Behavior stabilisation: windows in both directions (strict ages). */
    public static int behaviorStabilize(int current, int prenormalized, List<Recommendation> recs, double upWindow, double downWindow) {
        int up = prenormalized;
        int down = prenormalized;
        for (Recommendation r : recs) {
            if (r.ageSeconds() < upWindow) up = Math.min(up, r.replicas());
            if (r.ageSeconds() < downWindow) down = Math.max(down, r.replicas());
        }
        int result = current;
        if (result < up) result = up;
        if (result > down) result = down;
        return result;
    }

    private static int changeWithin(List<Event> events, int period) {
        int sum = 0;
        for (Event e : events) if (e.ageSeconds() < period) sum += e.replicaChange();
        return sum;
    }

    /** Behavior rate limits, with the condition HPA reports. */
    public static Limited behaviorRate(int current, int desired, int minReplicas, int maxReplicas, Rules up, Rules down,
                                       List<Event> upEvents, List<Event> downEvents) {
        if (desired > current) {
            int limit = scaleUpLimit(current, upEvents, downEvents, up);
            if (limit < current) limit = current;
            int cap;
            String reason;
            if (maxReplicas > limit) {
                cap = limit;
                reason = "ScaleUpLimit";
            } else {
                cap = maxReplicas;
                reason = "TooManyReplicas";
            }
            if (desired > cap) return new Limited(cap, reason);
            return new Limited(desired, "DesiredWithinRange");
        } else if (desired < current) {
            int limit = scaleDownLimit(current, upEvents, downEvents, down);
            if (limit > current) limit = current;
            int floor;
            String reason;
            if (minReplicas < limit) {
                floor = limit;
                reason = "ScaleDownLimit";
            } else {
                floor = minReplicas;
                reason = "TooFewReplicas";
            }
            if (desired < floor) return new Limited(floor, reason);
            return new Limited(desired, "DesiredWithinRange");
        }
        return new Limited(desired, "DesiredWithinRange");
    }

    static int scaleUpLimit(int current, List<Event> upEvents, List<Event> downEvents, Rules rules) {
        if ("Disabled".equals(rules.selectPolicy())) return current;
        boolean min = "Min".equals(rules.selectPolicy());
        int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (RatePolicy p : rules.policies()) {
            int periodStart = current - changeWithin(upEvents, p.periodSeconds()) + changeWithin(downEvents, p.periodSeconds());
            int proposed = p.type() == PolicyType.Pods ? periodStart + p.value()
                    : (int) Math.ceil(periodStart * (1 + p.value() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    static int scaleDownLimit(int current, List<Event> upEvents, List<Event> downEvents, Rules rules) {
        if ("Disabled".equals(rules.selectPolicy())) return current;
        boolean min = "Min".equals(rules.selectPolicy());
        int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (RatePolicy p : rules.policies()) {
            int periodStart = current - changeWithin(upEvents, p.periodSeconds()) + changeWithin(downEvents, p.periodSeconds());
            int proposed = p.type() == PolicyType.Pods ? periodStart - p.value()
                    : (int) (periodStart * (1 - p.value() / 100.0));
            result = min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }
}
