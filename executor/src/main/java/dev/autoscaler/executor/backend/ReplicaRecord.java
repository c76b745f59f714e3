package dev.autoscaler.executor.backend;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.autoscaler.common.msg.ReplicaSet;

/**
 * One replica in the registry hash {@code registry:{target}} (field = id). {@code handle} is the backend's
 * own reference: a pid for processes, a container id for docker.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ReplicaRecord(String id, String target, String address, String handle, ReplicaSet.State state, long seq,
                            double startedTs) {
    public ReplicaRecord with(ReplicaSet.State s) {
        return new ReplicaRecord(id, target, address, handle, s, seq, startedTs);
    }

    public ReplicaSet.Replica toMessage() {
        return new ReplicaSet.Replica(id, address, state);
    }
}
