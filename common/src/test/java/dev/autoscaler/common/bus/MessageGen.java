package dev.autoscaler.common.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Messages for the property tests, from a seed: valid ones of every type on its channel (as JSON trees, the optional
 * fields present or not), and breakers, each of which makes any valid message of its type invalid in one way: a required
 * field gone, a field of the wrong type, a number out of range or not finite, a bad target name, an unknown enum value,
 * the wrong kind, a string over the size cap, nesting deeper than the parser allows.
 */
final class MessageGen {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** The cap the property tests' gate uses: every valid message here stays well below it. */
    static final int CAP = 64 * 1024;

    /** A message type on its channel: how to make a valid one and the ways to break one. */
    record Kind<T>(String channel, Class<T> type, Function<Random, ObjectNode> valid, List<Breaker> breakers) {}

    /** One way to break a message, named for the failure report. */
    record Breaker(String name, BiConsumer<ObjectNode, Random> apply) {
        @Override
        public String toString() {
            return name;
        }
    }

    private MessageGen() {}

    static final List<Kind<?>> KINDS = List.of(
            new Kind<>(Channels.ALERTS, LatencyMetrics.class, MessageGen::latency, latencyBreakers()),
            new Kind<>(Channels.ACTIONS, Plan.class, MessageGen::plan, planBreakers()),
            new Kind<>(Channels.RESULTS, ExecResult.class, MessageGen::result, resultBreakers()),
            new Kind<>(Channels.REPLICAS, ReplicaSet.class, MessageGen::replicaSet, replicaSetBreakers()),
            new Kind<>(Channels.UPSTREAMS, Upstreams.class, MessageGen::upstreams, upstreamsBreakers()));

    // ---- valid messages

    static String target(Random r) {
        String first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        String rest = first + "_.-";
        StringBuilder sb = new StringBuilder().append(first.charAt(r.nextInt(first.length())));
        int n = r.nextInt(r.nextInt(10) == 0 ? 63 : 12);
        for (int i = 0; i < n; i++) sb.append(rest.charAt(r.nextInt(rest.length())));
        return sb.toString();
    }

    /** Any text: HTML, quotes, control characters, other scripts; messages must carry it untouched. */
    static String text(Random r, int max) {
        String[] pieces = {"<img src=x onerror=alert(1)>", "\"", "\\", "\n", "\u0000", "ü", "日本", "😀", "'", "{", "]", " ", "a"};
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(max + 1);
        while (sb.length() < n) sb.append(r.nextBoolean() ? pieces[r.nextInt(pieces.length)] : (char) ('a' + r.nextInt(26)));
        return sb.toString();
    }

    static double num(Random r, double max) {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> max;
            default -> r.nextDouble() * max;
        };
    }

    static double ts(Random r) {
        return r.nextInt(8) == 0 ? 0 : 1.7e9 + r.nextDouble() * 1e8;
    }

    static ObjectNode latency(Random r) {
        ObjectNode o = F.objectNode();
        if (r.nextBoolean()) o.put("kind", LatencyMetrics.KIND); // absent reads as latency_metrics (PoC messages)
        if (r.nextInt(4) != 0) o.put("target", target(r));
        if (r.nextBoolean()) o.put("endpoint", text(r, 40));
        o.put("window_sec", num(r, 60));
        o.put("requests", r.nextInt(1_000_000));
        if (r.nextBoolean()) o.put("success_rate", r.nextDouble());
        for (String f : new String[] {"avg_ms", "p50_ms", "p99_ms", "max_ms", "rps"}) if (r.nextBoolean()) o.put(f, num(r, 1e5));
        o.put("p95_ms", num(r, 1e5));
        if (r.nextBoolean()) o.put("served_rps", num(r, 1e5));
        if (r.nextBoolean()) o.put("in_flight", r.nextInt(10_000));
        o.put("replicas", r.nextInt(1001));
        if (r.nextBoolean()) o.put("source", List.of("probe", "access_log", "prometheus").get(r.nextInt(3)));
        o.put("ts", ts(r));
        return o;
    }

    static ObjectNode plan(Random r) {
        String t = target(r);
        ObjectNode o = F.objectNode();
        if (r.nextBoolean()) o.put("kind", Plan.KIND);
        o.put("ts", ts(r));
        o.put("id", java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) r.nextInt()}).toString());
        if (r.nextBoolean()) o.put("target", t); // the PoC's plans name it only in the decision
        o.put("container", t);
        ObjectNode d = o.putObject("decision");
        d.put("action", Plan.Action.values()[r.nextInt(Plan.Action.values().length)].name());
        d.put("target", t);
        if (r.nextInt(4) != 0) d.put("target_replicas", r.nextInt(1001));
        d.put("reason", text(r, 300));
        if (r.nextBoolean()) d.put("confidence", r.nextDouble());
        d.put("source", List.of("heuristic", "llm", "forecast", "manual").get(r.nextInt(4)));
        d.put("mode", List.of("enforce", "advise").get(r.nextInt(2)));
        if (r.nextBoolean()) {
            ObjectNode tel = o.putObject("telemetry");
            for (String f : new String[] {"p95_ms", "baseline_ms", "sigma_ms", "rps", "capacity_rps", "threshold_ms", "load_rps"}) {
                if (r.nextBoolean()) tel.put(f, num(r, 1e5));
            }
            ArrayNode low = tel.putArray("low_windows");
            for (int i = r.nextInt(6); i > 0; i--) low.add(r.nextBoolean());
            if (r.nextBoolean()) tel.put("replicas", r.nextInt(1001));
            if (r.nextBoolean()) tel.put("guardrail", text(r, 30));
        }
        if (r.nextInt(3) == 0) {
            ObjectNode a = o.putObject("advice");
            a.put("provider", "gemini");
            a.put("action", Plan.Action.values()[r.nextInt(3)].name());
            a.put("target_replicas", r.nextInt(1001));
            a.put("confidence", r.nextDouble());
            a.put("reasoning", text(r, 500));
            a.put("status", List.of("applied", "advised", "rejected").get(r.nextInt(3)));
        }
        return o;
    }

    static ObjectNode result(Random r) {
        ObjectNode o = F.objectNode();
        o.put("ts", ts(r));
        if (r.nextBoolean()) o.put("plan_id", text(r, 36));
        o.put("action", List.of("scale_up", "scale_down", "noop", "reconcile").get(r.nextInt(4)));
        o.put("target", target(r));
        o.put("reason", text(r, 200));
        o.put("replicas_before", r.nextInt(1001));
        o.put("replicas_after", r.nextInt(1001));
        ObjectNode res = o.putObject("result");
        res.put("status", List.of("ok", "noop", "skipped", "error").get(r.nextInt(4)));
        res.put("message", text(r, 200));
        return o;
    }

    static String address(Random r) {
        return "127.0.0." + (1 + r.nextInt(254)) + ":" + (1024 + r.nextInt(60_000));
    }

    static ObjectNode replicaSet(Random r) {
        ObjectNode o = F.objectNode();
        o.put("target", target(r));
        ArrayNode list = o.putArray("replicas");
        for (int i = r.nextInt(20); i > 0; i--) list.add(replica(r));
        o.put("ts", ts(r));
        return o;
    }

    static ObjectNode replica(Random r) {
        ObjectNode rep = F.objectNode();
        rep.put("id", "app-dup-" + r.nextInt(1000));
        rep.put("address", address(r));
        rep.put("state", ReplicaSet.State.values()[r.nextInt(3)].name());
        if (r.nextBoolean()) rep.put("pid", r.nextInt(100_000)); // the registry's extra fields are ignored
        return rep;
    }

    static ObjectNode upstreams(Random r) {
        ObjectNode o = F.objectNode();
        o.put("target", target(r));
        ArrayNode servers = o.putArray("servers");
        for (int i = r.nextInt(20); i > 0; i--) servers.add(address(r));
        o.put("reloaded", r.nextBoolean());
        o.put("ts", ts(r));
        return o;
    }

    /** A valid message with an unknown field nested {@code depth} deep, which the parser skips. */
    static void junk(ObjectNode o, int depth) {
        o.putRawValue("x_extra", nested(depth));
    }

    /** Raw text, not a tree: Jackson would refuse to write a tree nested past its limit. */
    static com.fasterxml.jackson.databind.util.RawValue nested(int depth) {
        return new com.fasterxml.jackson.databind.util.RawValue("[".repeat(depth) + "1" + "]".repeat(depth));
    }

    // ---- breakers

    /** A string field over {@link #CAP} bytes: dropped as too large before parsing. */
    static Breaker huge(String field) {
        return new Breaker("huge " + field, (o, r) -> o.put(field, "x".repeat(CAP + r.nextInt(1000))));
    }

    static Breaker deep() {
        return new Breaker("nesting past the parser's limit", (o, r) -> o.putRawValue("x_extra", nested(1001 + r.nextInt(500))));
    }

    static Breaker set(String path, JsonNode value) {
        return new Breaker(path + " = " + value, (o, r) -> at(o, path).set(leaf(path), value));
    }

    static Breaker remove(String path) {
        return new Breaker("no " + path, (o, r) -> at(o, path).remove(leaf(path)));
    }

    static Breaker badTarget(String path) {
        List<String> bad = List.of("bad name!", ".dot", "a/b", "x".repeat(64), "ünï", "-x", "a b");
        return new Breaker("bad " + path, (o, r) -> at(o, path).put(leaf(path), bad.get(r.nextInt(bad.size()))));
    }

    /** Breakers every numeric field shares: negative, not finite, of the wrong type. */
    static List<Breaker> number(String path, boolean integer) {
        List<Breaker> out = new ArrayList<>();
        out.add(set(path, F.numberNode(-1 - Math.abs(new Random(path.hashCode()).nextInt(1000)))));
        out.add(set(path, F.textNode("abc")));
        out.add(set(path, F.objectNode()));
        out.add(set(path, F.arrayNode().add(1)));
        out.add(integer ? set(path, F.numberNode(99_999_999_999L)) : set(path, F.numberNode(new java.math.BigDecimal("1e400"))));
        return out;
    }

    private static ObjectNode at(ObjectNode o, String path) {
        ObjectNode node = o;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            String p = parts[i];
            JsonNode next = node.get(p);
            if (next instanceof ArrayNode arr) {
                // replicas.state and the like: break the first element, adding one if the list is empty
                if (arr.isEmpty()) arr.add(replica(new Random(1)));
                next = arr.get(0);
            }
            if (next == null || !next.isObject()) next = node.putObject(p);
            node = (ObjectNode) next;
        }
        return node;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    private static List<Breaker> common(String... hugeFields) {
        List<Breaker> out = new ArrayList<>();
        for (String f : hugeFields) out.add(huge(f));
        out.add(deep());
        return out;
    }

    static List<Breaker> latencyBreakers() {
        List<Breaker> out = common("endpoint", "source");
        out.add(remove("p95_ms"));
        out.add(set("kind", F.textNode("error")));
        out.add(badTarget("target"));
        for (String f : new String[] {"window_sec", "p95_ms", "avg_ms", "p50_ms", "p99_ms", "max_ms", "rps", "served_rps", "ts"}) {
            out.addAll(number(f, false));
        }
        for (String f : new String[] {"requests", "replicas", "in_flight"}) out.addAll(number(f, true));
        out.add(set("success_rate", F.numberNode(1.5)));
        return out;
    }

    static List<Breaker> planBreakers() {
        List<Breaker> out = common("id", "container");
        out.add(remove("decision"));
        out.add(remove("decision.action"));
        out.add(set("decision", F.textNode("scale")));
        out.add(set("decision.action", F.textNode("explode")));
        out.add(set("kind", F.textNode("error")));
        out.add(badTarget("decision.target"));
        out.add(badTarget("target"));
        out.addAll(number("ts", false));
        out.addAll(number("decision.target_replicas", true));
        out.add(set("decision.confidence", F.numberNode(2.5)));
        out.add(set("telemetry.p95_ms", F.numberNode(new java.math.BigDecimal("1e400"))));
        out.add(set("telemetry.replicas", F.numberNode(-3)));
        out.add(set("advice.confidence", F.numberNode(-0.1)));
        out.add(set("advice.target_replicas", F.numberNode(-1)));
        out.add(new Breaker("target differs from decision.target", (o, r) -> {
            String t = ((ObjectNode) o.get("decision")).get("target").asText();
            o.put("target", t + "-other");
        }));
        return out;
    }

    static List<Breaker> resultBreakers() {
        List<Breaker> out = common("reason", "plan_id");
        out.add(remove("result"));
        out.add(remove("result.status"));
        out.add(set("result.status", F.textNode("weird")));
        out.add(set("result", F.arrayNode()));
        out.add(badTarget("target"));
        out.addAll(number("ts", false));
        out.addAll(number("replicas_before", true));
        out.addAll(number("replicas_after", true));
        return out;
    }

    static List<Breaker> replicaSetBreakers() {
        List<Breaker> out = common("x_note");
        out.add(remove("replicas"));
        out.add(set("replicas", F.textNode("x")));
        out.add(set("replicas.state", F.textNode("zombie")));
        out.add(remove("replicas.state"));
        out.add(remove("replicas.id"));
        out.add(remove("replicas.address"));
        out.add(set("replicas.address", F.textNode("  ")));
        out.add(badTarget("target"));
        out.addAll(number("ts", false));
        return out;
    }

    static List<Breaker> upstreamsBreakers() {
        List<Breaker> out = common("x_note");
        out.add(remove("servers"));
        out.add(set("servers", F.arrayNode().add("")));
        out.add(set("servers", F.arrayNode().addNull()));
        out.add(set("servers", F.objectNode()));
        out.add(set("reloaded", F.textNode("maybe")));
        out.add(badTarget("target"));
        out.addAll(number("ts", false));
        return out;
    }

    /** Random bytes as text, random JSON values, truncated messages: anything a broken publisher might send. */
    static String noise(Random r, ObjectNode valid) {
        return switch (r.nextInt(5)) {
            case 0 -> {
                byte[] b = new byte[r.nextInt(200)];
                r.nextBytes(b);
                yield new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            case 1 -> {
                String s = valid.toString();
                yield s.substring(0, r.nextInt(s.length()));
            }
            case 2 -> List.of("null", "[]", "{}", "1", "\"x\"", "true", "[1,2]", "{\"a\":", "", " ").get(r.nextInt(10));
            case 3 -> randomJson(r, 0).toString();
            default -> {
                char[] c = new char[r.nextInt(100)];
                for (int i = 0; i < c.length; i++) c[i] = (char) r.nextInt(0x10000);
                yield new String(c);
            }
        };
    }

    static JsonNode randomJson(Random r, int depth) {
        int pick = depth > 4 ? r.nextInt(4) : r.nextInt(6);
        return switch (pick) {
            case 0 -> F.numberNode(r.nextGaussian() * 1e6);
            case 1 -> F.textNode(text(r, 10));
            case 2 -> F.booleanNode(r.nextBoolean());
            case 3 -> F.nullNode();
            case 4 -> {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(4); i > 0; i--) a.add(randomJson(r, depth + 1));
                yield a;
            }
            default -> {
                ObjectNode o = F.objectNode();
                List<String> names = List.of("kind", "target", "ts", "p95_ms", "decision", "replicas", "servers", "result", "x");
                for (int i = r.nextInt(5); i > 0; i--) o.set(names.get(r.nextInt(names.size())), randomJson(r, depth + 1));
                yield o;
            }
        };
    }
}
