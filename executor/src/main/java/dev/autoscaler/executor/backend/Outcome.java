package dev.autoscaler.executor.backend;

/**
 * What a reconcile did: the ready count before and after, its status (ok, noop, error, or standby when another
 * executor holds the target's lease and this one looked at nothing) and a message.
 */
public record Outcome(int before, int after, String status, String message) {
    public static final String STANDBY = "standby";

    /** Another executor reconciles the target: this one reports nothing until it takes the lease (which wakes it). */
    public static Outcome standingBy(int ready, String message) {
        return new Outcome(ready, ready, STANDBY, message);
    }

    public boolean standingBy() {
        return STANDBY.equals(status);
    }

    /**
     * Nothing to do here until something changes (which wakes the target): at the desired count, or standing by. A noop
     * plan at this count needs no reconcile.
     */
    public boolean settled() {
        return "noop".equals(status) || standingBy();
    }
}
