package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * One operator's change to a target's settings through the dashboard, as kept in the capped {@code audit} stream
 * (field {@code json}) and shown on the page. Never holds the token.
 *
 * @param ts     when it was written
 * @param client who: the client's address as the dashboard saw it
 * @param target the target changed
 * @param before the {@code target:{target}} hash before
 * @param change the fields written
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlAudit(double ts, String client, String target, Map<String, String> before, Map<String, String> change) {
    /** The field that holds the JSON in each stream entry. */
    public static final String STREAM_FIELD = "json";
}
