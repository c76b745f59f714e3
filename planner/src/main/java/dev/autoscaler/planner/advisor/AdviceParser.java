package dev.autoscaler.planner.advisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.autoscaler.common.msg.Plan.Action;
import dev.autoscaler.planner.llm.LlmAnswer;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a real model sends into advice, or into the reason it is not advice. Models wrap JSON in code fences,
 * put prose before it, run out of tokens half-way, answer nothing, or are blocked by a safety filter; both designs
 * this project replaces had their own words ({@code maintain} and {@code at_max} mean keep; {@code restart} is not a
 * scaling action). A missing confidence means 0.5.
 */
public final class AdviceParser {
    /** Reasoning is cut to this many characters: it goes into every plan and audit entry. */
    static final int MAX_REASONING = 300;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern FENCE = Pattern.compile("```(?:json|JSON)?\\s*(.*?)```", Pattern.DOTALL);

    /** The answer as advice, or why it is none. */
    public sealed interface Parsed permits Ok, Rejected {}

    /**
     * Advice that reads right: its action agrees with its count against the count it was asked at.
     *
     * @param action         scale_up, scale_down or noop
     * @param targetReplicas the count advised (for noop, the count it was asked at)
     */
    public record Ok(Action action, int targetReplicas, double confidence, String reasoning) implements Parsed {}

    public record Rejected(String reason) implements Parsed {}

    private AdviceParser() {}

    /** Parses an answer given for a fleet of {@code askedReplicas}. */
    public static Parsed parse(LlmAnswer answer, int askedReplicas) {
        if (answer.blocked()) return new Rejected("blocked by the provider's safety filter" + finish(answer));
        String text = answer.text() == null ? "" : answer.text().strip();
        if (text.isEmpty()) return new Rejected("empty answer" + finish(answer));
        String json = jsonPart(text);
        if (json == null) {
            return new Rejected(answer.truncated() ? "truncated answer" + finish(answer) : "no JSON object in the answer: " + quote(text));
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return new Rejected(answer.truncated() ? "truncated answer" + finish(answer) : "malformed JSON: " + quote(json));
        }
        return fields(node, askedReplicas);
    }

    private static Parsed fields(JsonNode node, int asked) {
        String word = node.path("action").asText("").trim().toLowerCase(Locale.ROOT);
        Action action;
        switch (word) {
            case "scale_up", "up" -> action = Action.scale_up;
            case "scale_down", "down" -> action = Action.scale_down;
            case "noop", "maintain", "at_max", "keep", "hold" -> action = Action.noop;
            case "restart" -> {
                return new Rejected("action restart is not a scaling action (the executor replaces replicas that die)");
            }
            case "" -> {
                return new Rejected("no action in the answer");
            }
            default -> {
                return new Rejected("unknown action '" + cut(word, 40) + "' (scale_up, scale_down, noop)");
            }
        }
        JsonNode c = node.get("confidence");
        double confidence = c == null || c.isNull() ? 0.5 : c.isNumber() ? c.asDouble() : Double.NaN;
        if (!(confidence >= 0 && confidence <= 1)) return new Rejected("confidence " + cut(String.valueOf(c), 20) + " is not a number in 0..1");
        String reasoning = cut(text(node, "reasoning", "reason"), MAX_REASONING);
        JsonNode t = node.get("target_replicas");
        if (action == Action.noop) return new Ok(action, asked, confidence, reasoning);
        if (t == null || t.isNull()) return new Rejected(action + " without target_replicas");
        if (!t.canConvertToInt() || !t.isIntegralNumber() && !(t.isNumber() && t.asDouble() == Math.rint(t.asDouble()))) {
            return new Rejected("target_replicas " + cut(t.toString(), 20) + " is not a whole number");
        }
        int target = t.asInt();
        if (target < 0) return new Rejected("target_replicas " + target + " is negative");
        if (action == Action.scale_up && target <= asked) {
            return new Rejected("scale_up to " + target + " is not above the " + asked + " replicas it was asked about");
        }
        if (action == Action.scale_down && target >= asked) {
            return new Rejected("scale_down to " + target + " is not below the " + asked + " replicas it was asked about");
        }
        return new Ok(action, target, confidence, reasoning);
    }

    /** The JSON object in the text: inside a code fence, or from the first '{' to the last '}'. */
    static String jsonPart(String text) {
        Matcher m = FENCE.matcher(text);
        String body = m.find() ? m.group(1).strip() : text;
        int open = body.indexOf('{');
        int close = body.lastIndexOf('}');
        if (open < 0 || close < open) return null;
        return body.substring(open, close + 1);
    }

    private static String text(JsonNode node, String... names) {
        for (String n : names) {
            JsonNode v = node.get(n);
            if (v != null && v.isTextual()) return v.asText().strip();
        }
        return "";
    }

    private static String finish(LlmAnswer a) {
        return a.finishReason() == null ? "" : " (finish reason " + a.finishReason() + ")";
    }

    private static String quote(String s) {
        return "'" + cut(s.replaceAll("\\s+", " "), 80) + "'";
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
