package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** The full replica set of a target after each change, on {@code replicas}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplicaSet(String target, List<Replica> replicas, double ts) {
    public ReplicaSet {
        target = Checks.target(target);
        if (replicas == null) throw new IllegalArgumentException("replicas is required");
        replicas = List.copyOf(replicas);
    }

    public List<Replica> ready() {
        return replicas.stream().filter(r -> r.state() == State.ready).toList();
    }

    public enum State { starting, ready, draining }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Replica(String id, String address, State state) {
        public Replica {
            if (id == null || id.isBlank()) throw new IllegalArgumentException("replica id is required");
            if (address == null || address.isBlank()) throw new IllegalArgumentException("replica address is required");
            if (state == null) throw new IllegalArgumentException("replica state is required");
        }
    }
}
