package dev.autoscaler.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.status.ServiceInfo;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.dashboard.model.WindowEvent;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the page and the API read from Redis; the dashboard writes nothing here. */
public final class DashboardData {
    private final RedisBus bus;
    private final Keys keys;

    public DashboardData(RedisBus bus) {
        this.bus = bus;
        this.keys = bus.keys();
    }

    public List<StatusReader.TargetStatus> targets() {
        return StatusReader.read(bus);
    }

    /** The target's status, or null when no service knows it. */
    public StatusReader.TargetStatus status(String target) {
        return targets().stream().filter(t -> t.target().equals(target)).findFirst().orElse(null);
    }

    /** One target: its status, settings, the last {@code limit} windows with their plans, replicas and upstreams. */
    public Map<String, Object> target(StatusReader.TargetStatus status, int limit) {
        String target = status.target();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("settings", bus.redis().hgetall(keys.targetSettings(target)));
        out.put("history", history(target, limit));
        out.put("replicas", ReplicaRegistry.read(bus, target));
        out.put("upstreams", tree(bus.redis().get(keys.upstreams(target))));
        return out;
    }

    public List<WindowEvent> history(String target, int limit) {
        List<WindowEvent> out = new ArrayList<>();
        for (var m : newest(keys.history(target), limit)) {
            out.add(new WindowEvent(target, tree(m.getBody().get("window")), tree(m.getBody().get("plan"))));
        }
        return out;
    }

    /** The newest executor results, oldest first. */
    public List<JsonNode> events(int limit) {
        return json(newest(keys.resultsStream(), limit));
    }

    /** The newest LLM audit entries, oldest first, and the calls left in the bucket after the newest. */
    public Map<String, Object> llm(int limit) {
        List<JsonNode> calls = json(newest(keys.llmStream(), limit));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("calls", calls);
        out.put("calls_left", calls.isEmpty() ? null : calls.get(calls.size() - 1).get("calls_left"));
        return out;
    }

    /** Capped: the newest ten thousand control changes are kept. */
    static final long AUDIT_MAXLEN = 10_000;

    /** Records one control change: who (the client's address), which target, the settings before and the change. */
    public void audit(String client, String target, Map<String, String> before, Map<String, String> change) {
        var entry = new dev.autoscaler.common.msg.ControlAudit(System.currentTimeMillis() / 1000.0, client, target,
                new java.util.TreeMap<>(before), new java.util.TreeMap<>(change));
        bus.appendCapped(keys.auditStream(), Map.of(dev.autoscaler.common.msg.ControlAudit.STREAM_FIELD,
                dev.autoscaler.common.msg.Json.write(entry)), AUDIT_MAXLEN);
    }

    /** The newest control changes, oldest first. */
    public List<JsonNode> audit(int limit) {
        return json(newest(keys.auditStream(), limit));
    }

    public List<ServiceInfo> services() {
        return StatusReader.services(bus);
    }

    /** The proof of concept's {@code /api/state}: the latest window and the last 100 results. */
    public Map<String, Object> pocState() {
        JsonNode latest = null;
        double newest = -1;
        for (var t : targets()) {
            var h = newest(keys.history(t.target()), 1);
            if (h.isEmpty()) continue;
            JsonNode w = tree(h.get(0).getBody().get("window"));
            if (w != null && w.path("ts").asDouble() > newest) {
                newest = w.path("ts").asDouble();
                latest = w;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("latency", latest);
        out.put("events", events(100));
        return out;
    }

    private List<StreamMessage<String, String>> newest(String stream, int limit) {
        List<StreamMessage<String, String>> out = new ArrayList<>(bus.redis().xrevrange(stream, Range.create("-", "+"), Limit.from(limit)));
        Collections.reverse(out);
        return out;
    }

    private static List<JsonNode> json(List<StreamMessage<String, String>> entries) {
        List<JsonNode> out = new ArrayList<>();
        for (var m : entries) {
            JsonNode n = tree(m.getBody().get("json"));
            if (n != null) out.add(n);
        }
        return out;
    }

    private static JsonNode tree(String json) {
        return WindowEvent.tree(json);
    }
}
