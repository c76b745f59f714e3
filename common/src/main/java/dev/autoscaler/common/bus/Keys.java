package dev.autoscaler.common.bus;

/** Redis key names (DESIGN §3), all under one configurable prefix. */
public record Keys(String prefix) {
    public String desired(String target) { return prefix + "desired:" + target; }
    public String registry(String target) { return prefix + "registry:" + target; }
    public String targetSettings(String target) { return prefix + "target:" + target; }
    public String plannerState(String target) { return prefix + "planner:" + target; }
    /** Last window and decision per target, for {@code status} and the dashboard. */
    public String last(String target) { return prefix + "last:" + target; }
    public String upstreams(String target) { return prefix + "upstreams:" + target; }
    public String replicaCounter(String target) { return prefix + "seq:" + target; }
    public String targetsSet() { return prefix + "targets"; }
    public String eventsStream() { return prefix + "events"; }
    public String llmStream() { return prefix + "llm"; }
}
