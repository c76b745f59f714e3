package dev.autoscaler.common.bus;

import dev.autoscaler.common.config.RedisSettings;

/**
 * Redis key names (DESIGN §3), all under one configurable prefix. On a Redis Cluster ({@code cluster}) a target's name
 * in its keys is a hash tag ({@code desired:{app}}), so that all of one target's keys share a slot: a script that reads
 * or writes several of them (the planner's window reads and writes) runs on one node.
 */
public record Keys(String prefix, boolean cluster) {
    public Keys(String prefix) {
        this(prefix, false);
    }

    /** The target as it appears in its keys. */
    private String t(String target) {
        return cluster ? "{" + target + "}" : target;
    }

    /** A target's name as found in a key after its kind ({@code {app}} on a cluster, {@code app} otherwise). */
    public String untag(String inKey) {
        return cluster && inKey.startsWith("{") && inKey.endsWith("}") ? inKey.substring(1, inKey.length() - 1) : inKey;
    }

    public String desired(String target) { return prefix + "desired:" + t(target); }
    public String registry(String target) { return prefix + "registry:" + t(target); }
    public String targetSettings(String target) { return prefix + "target:" + t(target); }
    public String plannerState(String target) { return prefix + "planner:" + t(target); }
    /** The rise memory of the planner state, saved apart and less often (target names have no colon: no clash). */
    public String plannerRises(String target) { return prefix + "planner:" + t(target) + ":rises"; }
    /** Last window and decision per target, for {@code status} and the dashboard. */
    public String last(String target) { return prefix + "last:" + t(target); }
    public String upstreams(String target) { return prefix + "upstreams:" + t(target); }
    public String replicaCounter(String target) { return prefix + "seq:" + t(target); }
    public String targetsSet() { return prefix + "targets"; }
    public String eventsStream() { return prefix + "events"; }
    public String llmStream() { return prefix + "llm"; }
    /** The LLM calls every planner shares (LLM_RPM), a bucket4j bucket per provider and budget ({@code gemini:2/1}). */
    public String llmBudget(String name) { return prefix + "llm-budget:" + name; }
    /** Capped stream of every {@code ExecResult} (field {@code json}), so the dashboard can show results it did not see live. */
    public String resultsStream() { return prefix + "results"; }
    /** Capped stream of every control change made through the dashboard ({@code ControlAudit}, field {@code json}). */
    public String auditStream() { return prefix + "audit"; }
    /** Capped stream of every window the planner decided for this target (fields {@code window}, {@code plan}). */
    public String history(String target) { return prefix + "history:" + t(target); }
    /** A service's heartbeat hash; it expires unless the service refreshes it. */
    public String service(String name, String instance) { return prefix + "service:" + name + ":" + instance; }
    /** Who holds a single-writer role ({@code planner}, {@code executor:app}); see {@code RedisLease}. */
    public String lease(String name) { return prefix + "lease:" + name; }
    /**
     * The live members of a role whose work is shared out ({@code planner}): a sorted set of holder names scored by
     * when each one's membership runs out (Redis time, ms).
     */
    public String members(String role) { return prefix + "members:" + role; }
    /** The fencing-token counter of that role: one more at every acquisition. */
    public String leaseFence(String name) { return prefix + "lease-fence:" + name; }
    /**
     * The pub/sub channel for a logical name ({@code Channels.ALERTS}): under the prefix, so stacks sharing one Redis do
     * not hear each other, except at the default prefix, where the PoC's bare names keep PoC components talking to us.
     */
    public String channel(String logical) {
        return RedisSettings.DEFAULT_KEY_PREFIX.equals(prefix) ? logical : prefix + logical;
    }
    /**
     * A target's sharded channel on a cluster: the logical channel's, with the target as its hash tag, so that it lives
     * on the node that holds the target's keys.
     */
    public String shardChannel(String logical, String target) {
        return channel(logical) + ":{" + target + "}";
    }

    /** SCAN pattern matching every {@link #service} key. */
    public String servicePattern() { return prefix + "service:*"; }
}
