package dev.autoscaler.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.autoscaler.peers.HpaNormalizer;
import dev.autoscaler.peers.HpaNormalizer.Event;
import dev.autoscaler.peers.HpaReplicaCalculator;
import dev.autoscaler.peers.KpaDecider;
import dev.autoscaler.peers.HpaNormalizer.RatePolicy;
import dev.autoscaler.peers.HpaNormalizer.Recommendation;
import dev.autoscaler.peers.HpaNormalizer.Rules;
import dev.autoscaler.peers.HpaReplicaCalculator.Phase;
import dev.autoscaler.peers.HpaReplicaCalculator.Pod;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the upstream test cases in {@code hpa_replica_calculator.json}, {@code hpa_behavior.json} and
 * {@code kpa_autoscaler.json} (ALGORITHMS.md §3) against our HPA and KPA implementations: one line per case, then
 * {@code N passed, M failed}.
 */
public final class PeerVectors {
    private static final Pattern METRIC = Pattern.compile("(\\w+)/(\\w+)(?:\\((\\w+)\\))?");

    private int passed;
    private int failed;
    private final PrintStream out;

    public PeerVectors(PrintStream out) {
        this.out = out;
    }

    public int passed() { return passed; }

    public int failed() { return failed; }

    /** Runs every vector file found in {@code dir}; false if none was found. */
    public boolean runAll(Path dir) throws IOException {
        boolean any = false;
        Path calc = dir.resolve("hpa_replica_calculator.json");
        if (Files.exists(calc)) {
            any = true;
            for (JsonNode c : Json.MAPPER.readTree(calc.toFile())) hpaCalc(c);
        }
        Path behavior = dir.resolve("hpa_behavior.json");
        if (Files.exists(behavior)) {
            any = true;
            JsonNode root = Json.MAPPER.readTree(behavior.toFile());
            for (JsonNode c : root.path("legacyStabilization").path("cases")) legacy(c);
            for (JsonNode c : root.path("behaviorStabilization").path("cases")) behaviorStabilization(c);
            for (JsonNode c : root.path("behaviorRateLimits").path("cases")) behaviorRate(c);
        }
        Path kpa = dir.resolve("kpa_autoscaler.json");
        if (Files.exists(kpa)) {
            any = true;
            for (JsonNode c : Json.MAPPER.readTree(kpa.toFile())) kpa(c);
        }
        return any;
    }

    private void report(String name, boolean ok, String expected, String got) {
        if (ok) passed++;
        else failed++;
        out.println((ok ? "PASS " : "FAIL ") + name + "  expected " + expected + ", got " + got);
    }

    private void error(String name, Exception e) {
        failed++;
        out.println("FAIL " + name + "  error: " + e.getMessage());
    }

    void hpaCalc(JsonNode c) {
        String name = "hpa_replica_calculator/" + c.path("name").asText();
        try {
            List<Pod> pods = new ArrayList<>();
            int i = 0;
            for (JsonNode p : c.path("pods")) {
                pods.add(new Pod("pod-" + i++, Phase.valueOf(p.path("phase").asText("Running")), p.path("ready").asBoolean(true),
                        p.path("startedWithinCpuInitPeriod").asBoolean(false), p.path("deleting").asBoolean(false),
                        p.path("requestMilli").asLong(0), p.hasNonNull("metricMilli") ? p.get("metricMilli").asLong() : null));
            }
            List<Long> extra = new ArrayList<>();
            for (JsonNode e : c.path("extraMetricsForUnknownPodsMilli")) extra.add(e.asLong());
            var calc = new HpaReplicaCalculator(c.path("tolerance").asDouble(0.1));
            int current = c.path("currentReplicas").asInt();
            Matcher m = METRIC.matcher(c.path("metricType").asText());
            if (!m.matches()) throw new IllegalArgumentException("unknown metricType " + c.path("metricType").asText());
            String source = m.group(1);
            String targetType = m.group(2);
            boolean cpu = "cpu".equals(m.group(3));
            HpaReplicaCalculator.Result r;
            if ((source.equals("Resource") || source.equals("ContainerResource")) && targetType.equals("Utilization")) {
                r = calc.resourceUtilization(current, pods, extra, c.path("target").asInt(), cpu);
            } else if (source.equals("Resource") || source.equals("ContainerResource") || source.equals("Pods")) {
                r = calc.plainMetric(current, pods, extra, c.path("target").asLong(), cpu);
            } else if (targetType.equals("Value")) {
                r = calc.value(current, pods, c.path("metricValueMilli").asLong(), c.path("target").asLong());
            } else if (targetType.equals("AverageValue")) {
                r = calc.averageValue(current, c.path("metricValueMilli").asLong(), c.path("target").asLong());
            } else {
                throw new IllegalArgumentException("unknown metricType " + c.path("metricType").asText());
            }
            StringBuilder exp = new StringBuilder("replicas=" + c.path("expectedReplicas").asInt());
            StringBuilder got = new StringBuilder("replicas=" + r.replicas());
            boolean ok = r.replicas() == c.path("expectedReplicas").asInt();
            if (c.has("expectedUtilization")) {
                exp.append(" utilization=").append(c.get("expectedUtilization").asInt());
                got.append(" utilization=").append(r.utilization());
                ok &= Objects.equals(r.utilization(), c.get("expectedUtilization").asInt());
            }
            if (c.has("expectedRawAverageMilli")) {
                exp.append(" rawAverage=").append(c.get("expectedRawAverageMilli").asLong());
                got.append(" rawAverage=").append(r.rawAverageMilli());
                ok &= Objects.equals(r.rawAverageMilli(), c.get("expectedRawAverageMilli").asLong());
            }
            if (c.has("expectedUsageMilli")) {
                exp.append(" usage=").append(c.get("expectedUsageMilli").asLong());
                got.append(" usage=").append(r.usageMilli());
                ok &= Objects.equals(r.usageMilli(), c.get("expectedUsageMilli").asLong());
            }
            report(name, ok, exp.toString(), got.toString());
        } catch (RuntimeException e) {
            if (c.path("expectError").asBoolean(false)) report(name, true, "error", "error (" + e.getMessage() + ")");
            else error(name, e);
        }
    }

    private static List<Recommendation> recs(JsonNode arr) {
        List<Recommendation> l = new ArrayList<>();
        for (JsonNode r : arr) l.add(new Recommendation(r.path("replicas").asInt(), r.path("ageSeconds").asDouble()));
        return l;
    }

    void legacy(JsonNode c) {
        String name = "hpa_behavior/legacy/" + c.path("name").asText();
        try {
            int got = HpaNormalizer.legacyStabilize(c.path("prenormalizedDesiredReplicas").asInt(), recs(c.path("recommendations")),
                    c.path("downscaleStabilizationWindowSeconds").asDouble(300));
            int exp = c.path("expectedStabilizedReplicas").asInt();
            report(name, got == exp, String.valueOf(exp), String.valueOf(got));
        } catch (RuntimeException e) {
            error(name, e);
        }
    }

    void behaviorStabilization(JsonNode c) {
        String name = "hpa_behavior/stabilization/" + c.path("name").asText();
        try {
            int got = HpaNormalizer.behaviorStabilize(c.path("currentReplicas").asInt(), c.path("prenormalizedDesiredReplicas").asInt(),
                    recs(c.path("recommendations")), c.path("scaleUpStabilizationWindowSeconds").asDouble(0),
                    c.path("scaleDownStabilizationWindowSeconds").asDouble(300));
            int exp = c.path("expectedStabilizedReplicas").asInt();
            report(name, got == exp, String.valueOf(exp), String.valueOf(got));
        } catch (RuntimeException e) {
            error(name, e);
        }
    }

    private static Rules rules(JsonNode n, Rules def) {
        if (n == null || n.isNull() || n.isMissingNode()) return def;
        Integer window = def.stabilizationWindowSeconds();
        if (n.hasNonNull("stabilizationWindowSeconds")) window = n.get("stabilizationWindowSeconds").asInt();
        String select = n.hasNonNull("selectPolicy") ? n.get("selectPolicy").asText() : def.selectPolicy();
        List<RatePolicy> policies = def.policies();
        if (n.has("policies") && n.get("policies").isArray()) {
            policies = new ArrayList<>();
            for (JsonNode p : n.get("policies")) {
                policies.add(new RatePolicy(HpaNormalizer.PolicyType.valueOf(p.path("type").asText()), p.path("value").asInt(),
                        p.path("periodSeconds").asInt()));
            }
        }
        return new Rules(window, select, policies);
    }

    private static List<Event> events(JsonNode arr) {
        List<Event> l = new ArrayList<>();
        for (JsonNode e : arr) l.add(new Event(e.path("replicaChange").asInt(), e.path("ageSeconds").asDouble()));
        return l;
    }

    void behaviorRate(JsonNode c) {
        String name = "hpa_behavior/rate/" + c.path("name").asText();
        try {
            var r = HpaNormalizer.behaviorRate(c.path("currentReplicas").asInt(), c.path("prenormalizedDesiredReplicas").asInt(),
                    c.path("minReplicas").asInt(1), c.path("maxReplicas").asInt(), rules(c.get("scaleUp"), Rules.defaultScaleUp()),
                    rules(c.get("scaleDown"), Rules.defaultScaleDown()), events(c.path("scaleUpEvents")), events(c.path("scaleDownEvents")));
            int exp = c.path("expectedReplicas").asInt();
            String expCond = c.path("expectedCondition").asText(null);
            boolean ok = r.replicas() == exp && (expCond == null || expCond.equals(r.condition()));
            report(name, ok, exp + (expCond == null ? "" : " " + expCond), r.replicas() + " " + r.condition());
        } catch (RuntimeException e) {
            error(name, e);
        }
    }

    private static KpaDecider.Spec spec(JsonNode s) {
        return new KpaDecider.Spec(s.path("targetValue").asDouble(), s.path("totalValue").asDouble(), s.path("targetBurstCapacity").asDouble(),
                s.path("panicThreshold").asDouble(), s.path("maxScaleUpRate").asDouble(), s.path("maxScaleDownRate").asDouble(),
                s.path("stableWindowSeconds").asDouble(), s.path("scaleDownDelaySeconds").asDouble(), s.path("reachable").asBoolean(),
                s.path("activationScale").asInt());
    }

    /** The fields of a case's {@code spec}; a step's {@code specUpdate} may hold any subset of them. */
    private static final List<String> KPA_SPEC_FIELDS = List.of("scalingMetric", "targetValue", "totalValue", "targetBurstCapacity",
            "panicThreshold", "maxScaleUpRate", "maxScaleDownRate", "stableWindowSeconds", "scaleDownDelaySeconds", "reachable",
            "activationScale");

    /** {@code current} with {@code update}'s fields written over it; an unknown or mistyped field is an error. */
    private static ObjectNode mergeSpecUpdate(ObjectNode current, JsonNode update, int step) {
        String where = "step " + step + " specUpdate";
        if (!update.isObject()) throw new IllegalArgumentException(where + " is not an object");
        List<String> unknown = new ArrayList<>();
        for (var f : update.properties()) {
            if (!KPA_SPEC_FIELDS.contains(f.getKey())) unknown.add(f.getKey());
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + ": unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known: " + String.join(", ", KPA_SPEC_FIELDS) + ")");
        }
        for (var f : update.properties()) {
            JsonNode v = f.getValue();
            boolean typed = switch (f.getKey()) {
                case "scalingMetric" -> v.isTextual();
                case "reachable" -> v.isBoolean();
                default -> v.isNumber();
            };
            if (!typed) throw new IllegalArgumentException(where + ": field " + f.getKey() + " has the wrong type: " + v);
        }
        ObjectNode merged = current.deepCopy();
        merged.setAll((ObjectNode) update);
        return merged;
    }

    void kpa(JsonNode c) {
        String name = "kpa_autoscaler/" + c.path("name").asText();
        try {
            ObjectNode current = c.path("spec").isObject() ? c.get("spec").deepCopy() : Json.MAPPER.createObjectNode();
            KpaDecider d = new KpaDecider(spec(current), c.path("initialReadyPods").asInt(0), 0);
            if (c.has("initialState")) {
                JsonNode st = c.get("initialState");
                d.setPanic(st.has("panicStartedSecondsAgo") ? -st.get("panicStartedSecondsAgo").asDouble() : null,
                        st.path("maxPanicPods").asInt(0));
            }
            StringBuilder exp = new StringBuilder();
            StringBuilder got = new StringBuilder();
            boolean ok = true;
            int index = 0;
            for (JsonNode step : c.path("steps")) {
                index++;
                // Knative's Update between two Scale calls: the merged spec applies from this step on, the decider's
                // panic and delay state carry over (KpaDecider.update).
                if (step.has("specUpdate")) {
                    current = mergeSpecUpdate(current, step.get("specUpdate"), index);
                    d.update(spec(current));
                }
                var r = d.scale(step.path("tSeconds").asDouble(), step.path("readyPods").asInt(), step.path("stableValue").asDouble(),
                        step.path("panicValue").asDouble());
                int e = step.path("expectedDesiredPodCount").asInt();
                exp.append(exp.isEmpty() ? "" : ",").append(e);
                got.append(got.isEmpty() ? "" : ",").append(r.desiredPodCount());
                ok &= r.desiredPodCount() == e;
                if (step.has("expectedExcessBurstCapacity")) {
                    int ebc = step.get("expectedExcessBurstCapacity").asInt();
                    exp.append("/ebc=").append(ebc);
                    got.append("/ebc=").append(r.excessBurstCapacity());
                    ok &= Math.abs(r.excessBurstCapacity() - ebc) <= 1;
                }
            }
            report(name, ok, "[" + exp + "]", "[" + got + "]");
        } catch (RuntimeException e) {
            error(name, e);
        }
    }
}
