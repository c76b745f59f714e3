package dev.autoscaler.dashboard.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;

/**
 * A decided window as the page gets it: the monitor's window and the planner's plan, as they were written. What the
 * stored history ({@code DashboardData}) and the live feed ({@code LiveFeed}) both hand out, so neither depends on the other.
 */
public record WindowEvent(String target, JsonNode window, JsonNode plan) {
    /** Stored JSON as a tree; a malformed entry becomes null and never breaks the page or the feed. */
    public static JsonNode tree(String json) {
        if (json == null) return null;
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return null; // a malformed entry shows as a window without data, never breaks the feed
        }
    }
}
