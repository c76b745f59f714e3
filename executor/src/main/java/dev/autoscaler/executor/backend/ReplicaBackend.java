package dev.autoscaler.executor.backend;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How replicas are created and destroyed; the reconciler above it is the same for every backend. */
public interface ReplicaBackend {
    /** Replicas of the target that exist right now, found from the backend itself (for adoption after a restart). */
    List<ReplicaRecord> discover(String target);

    /** Starts a replica; it need not be healthy yet. */
    ReplicaRecord start(String target, String id, long seq) throws Exception;

    boolean isAlive(ReplicaRecord r);

    /** Asks the replica to stop, waits up to {@code grace} for it to finish its requests, then kills it. */
    void stop(ReplicaRecord r, Duration grace);

    /**
     * The backend's own readiness verdict, when it has one (a container's health check); empty means the reconciler
     * asks the replica's {@code /health} itself.
     */
    default Optional<Boolean> readiness(ReplicaRecord r) {
        return Optional.empty();
    }
}
