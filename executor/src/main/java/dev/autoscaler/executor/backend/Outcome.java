package dev.autoscaler.executor.backend;

/**
 * What a reconcile did: the ready count before and after, its status (ok, noop, error, or standby when another
 * executor holds the target's lease and this one looked at nothing) and a message.
 */
public record Outcome(int before, int after, String status, String message) {
    public static final String STANDBY = "standby";

    /** Another executor reconciles the target: nothing here settled, and nothing is reported. */
    public static Outcome standingBy(int ready, String message) {
        return new Outcome(ready, ready, STANDBY, message);
    }

    /** The target is at its desired count and nothing changed: a noop plan at that count needs no reconcile. */
    public boolean settled() {
        return "noop".equals(status);
    }
}
