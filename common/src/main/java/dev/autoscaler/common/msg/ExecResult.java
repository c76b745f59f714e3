package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** What the executor did about a plan (or a reconcile), on the channel {@code results} and in the stream of that name. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExecResult(double ts, String planId, String action, String target, String reason, int replicasBefore,
                         int replicasAfter, Outcome result) implements Targeted {
    /** The field of the capped {@code results} stream that holds one result's JSON. */
    public static final String STREAM_FIELD = "json";

    public ExecResult {
        target = Checks.target(target);
        if (result == null) throw new IllegalArgumentException("result is required");
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Outcome(String status, String message) {
        public Outcome {
            if (status == null) throw new IllegalArgumentException("result.status is required");
        }
    }
}
