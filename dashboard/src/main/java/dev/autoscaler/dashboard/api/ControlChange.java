package dev.autoscaler.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A control request for {@code target:{target}}: mode, llm role, min, max, slo, or a manual scale. Parsed and checked
 * whole before anything is written, so a bad request changes nothing.
 */
public final class ControlChange {
    /** Bodies are a few fields; anything larger is not a control request. */
    public static final int MAX_BODY_BYTES = 4096;
    static final Set<String> MODES = Set.of("enforce", "advise", "off");
    static final Set<String> ROLES = Set.of("advise", "decide", "off");
    static final Set<String> FIELDS = Set.of("mode", "llm", "min", "max", "slo", "scale");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A request that cannot be applied, with the reason. */
    public static final class Invalid extends Exception {
        public Invalid(String reason) {
            super(reason);
        }
    }

    private ControlChange() {}

    /**
     * The hash fields to write, checked against the target's current settings (min and max are checked together,
     * whichever of them the request changes).
     */
    public static Map<String, String> parse(String body, Map<String, String> current) throws Invalid {
        JsonNode node;
        try {
            node = MAPPER.readTree(body == null ? "" : body);
        } catch (java.io.IOException e) {
            throw new Invalid("the body is not JSON");
        }
        if (node == null || !node.isObject() || node.isEmpty()) throw new Invalid("expected a JSON object with any of " + String.join(", ", FIELDS.stream().sorted().toList()));
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new Invalid("unknown field '" + cut(f) + "' (" + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
        }
        if (node.has("mode")) out.put("mode", word(node, "mode", MODES));
        if (node.has("llm")) out.put("llm", word(node, "llm", ROLES));
        if (node.has("min")) out.put("min", String.valueOf(whole(node, "min", 0)));
        if (node.has("max")) out.put("max", String.valueOf(whole(node, "max", 1)));
        if (node.has("scale")) out.put("scale", String.valueOf(whole(node, "scale", 0)));
        if (node.has("slo")) out.put("slo", String.valueOf(positive(node, "slo")));
        checkBounds(out, current);
        return out;
    }

    private static void checkBounds(Map<String, String> out, Map<String, String> current) throws Invalid {
        String min = out.getOrDefault("min", current.get("min"));
        String max = out.getOrDefault("max", current.get("max"));
        if (min != null && max != null) {
            try {
                if (Integer.parseInt(min) > Integer.parseInt(max)) throw new Invalid("min " + min + " is above max " + max);
            } catch (NumberFormatException e) {
                // a stored value that is not a number is replaced by the request's, which is checked above
            }
        }
    }

    private static String word(JsonNode node, String field, Set<String> allowed) throws Invalid {
        JsonNode v = node.get(field);
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw new Invalid(field + " must be one of " + String.join(", ", allowed.stream().sorted().toList()) + ", got " + cut(v.toString()));
        }
        return v.asText();
    }

    private static int whole(JsonNode node, String field, int least) throws Invalid {
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < least || v.asInt() > 10_000) {
            throw new Invalid(field + " must be a whole number from " + least + " to 10000, got " + cut(v.toString()));
        }
        return v.asInt();
    }

    private static double positive(JsonNode node, String field) throws Invalid {
        JsonNode v = node.get(field);
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble()) || v.asDouble() > 600_000) {
            throw new Invalid(field + " must be a number of milliseconds above 0, got " + cut(v.toString()));
        }
        return v.asDouble();
    }

    private static String cut(String s) {
        return s.length() <= 40 ? s : s.substring(0, 39) + "…";
    }
}
