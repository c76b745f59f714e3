package dev.autoscaler.executor.backend;

import java.util.Map;

/**
 * One target's reconcile loop, whatever runs its replicas. {@link Reconciler} is the loop for backends that start
 * and stop single replicas (processes, containers); a backend that delegates to another controller (a Kubernetes
 * Deployment) brings its own.
 */
public interface TargetLoop {
    /** Called once before the first reconcile: take in what already runs. */
    void adopt();

    /** Closes the gap between what runs and {@code desired:{target}}; never overlaps itself. */
    Outcome reconcile();

    /** Appends the outcome to the {@code results} stream and publishes it. */
    void publishResult(String planId, String action, String reason, Outcome o);

    /** Backend facts for the executor's {@code /health} (empty when there are none). */
    default Map<String, Object> health() {
        return Map.of();
    }
}
