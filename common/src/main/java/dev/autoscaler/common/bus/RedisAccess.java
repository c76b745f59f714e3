package dev.autoscaler.common.bus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who may send what to Redis: one ACL user per service, allowed only the commands, keys and channels that service uses
 * (the root README's table "Who reads and writes what" is this class in prose). The launcher's stacks, compose and the
 * Kubernetes manifests all take their ACL rules from {@link #aclFile}; nothing else writes them.
 *
 * <p>Limits of Redis ACLs worth knowing: a channel permission covers PUBLISH and SUBSCRIBE alike, so a service that
 * only listens on a channel is kept from publishing there by not having PUBLISH at all (the dashboard), not by the
 * channel; and a script's {@code redis.call}s are checked against the caller's commands and keys, so the lease and
 * heartbeat scripts need the commands they call.
 */
public final class RedisAccess {
    private RedisAccess() {}

    /** The ACL users, one per service plus {@code admin} for {@code status} and operators. */
    public enum Role {
        MONITOR, PLANNER, EXECUTOR, WATCHER, DASHBOARD, ADMIN;

        /** The ACL user name, and the service name it belongs to. */
        public String user() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Role of(String service) {
            return valueOf(service.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * What one user may do.
     *
     * @param commands  commands and subcommands ({@code client|setinfo}), or {@code @category}, each allowed
     * @param readKeys  key patterns it may only read
     * @param writeKeys key patterns it may only write
     * @param keys      key patterns it may read and write
     * @param channels  channel patterns it may publish or subscribe to (which of the two: see the commands)
     */
    public record Grant(List<String> commands, List<String> readKeys, List<String> writeKeys, List<String> keys, List<String> channels) {}

    /** Every connection: the handshake, PING, and the heartbeat (a script that HSETs and EXPIREs, DEL at a stop). */
    private static final List<String> CONNECTION = List.of("hello", "auth", "ping", "client|setname",
            "client|id", "quit", "reset", "subscribe", "unsubscribe", "eval", "hset", "expire", "del");
    /**
     * On a Redis Cluster: the per-target channels' sharded publish and subscribe, and the bus finding the targets to
     * follow (the targets set, SCAN over desired and registry keys).
     */
    private static final List<String> SHARDED = List.of("spublish", "ssubscribe", "sunsubscribe", "smembers", "scan");
    /** A {@link RedisLease}'s scripts and its acquisition. */
    private static final List<String> LEASE = List.of("get", "set", "pexpire", "incr", "hget");

    /** What {@code role} may do, with the key and channel names of {@code keys}' prefix. */
    public static Grant grant(Role role, Keys keys) {
        String p = keys.prefix();
        List<String> heartbeat = List.of(p + "service:" + role.user() + ":*");
        return switch (role) {
            // windows from nginx: reads how many replicas are ready, publishes latency_metrics
            case MONITOR -> new Grant(join(CONNECTION, SHARDED, "publish", "hgetall"), List.of(p + "registry:*"), List.of(),
                    heartbeat, channels(keys, "alerts"));
            // decides: desired, its own state, the history; reads the registry and the operators' settings (and takes a
            // manual scale out of them); holds its targets' leases among the planners' members (or the one planner lease);
            // shares the LLM budget (bucket4j's compare-and-swap script: get, set, psetex)
            case PLANNER -> new Grant(join(CONNECTION, LEASE, SHARDED, "publish", "hgetall", "hdel", "exists", "sadd", "xadd", "eval_ro", "time", "zadd",
                            "zremrangebyscore", "zrange", "zrem", "psetex"),
                    List.of(p + "registry:*"), List.of(),
                    join(heartbeat, p + "desired:*", p + "planner:*", p + "last:*", p + "history:*", p + "targets",
                            p + "events", p + "llm", p + "target:*", p + "lease:planner", p + "lease-fence:planner",
                            p + "lease:planner:*", p + "lease-fence:planner:*", p + "members:planner", p + "llm-budget:*"),
                    channels(keys, "alerts", "actions"));
            // runs replicas: owns the registry and replica counters, reads desired and the bounds, holds a lease per target
            case EXECUTOR -> new Grant(join(CONNECTION, LEASE, SHARDED, "publish", "hgetall", "hdel", "xadd"),
                    List.of(p + "desired:*", p + "target:*"), List.of(),
                    join(heartbeat, p + "registry:*", p + "seq:*", p + "last:*", p + "results", p + "lease:executor:*",
                            p + "lease-fence:executor:*"),
                    channels(keys, "actions", "upstreams", "replicas", "results"));
            // rewrites nginx: reads the registry, records the upstreams it wrote
            case WATCHER -> new Grant(join(CONNECTION, "publish", "hgetall", "set"), List.of(p + "registry:*"),
                    List.of(p + "upstreams:*"), heartbeat, channels(keys, "replicas", "upstreams"));
            // shows everything, writes only the operators' settings and the audit of their changes; listens on every
            // channel and publishes on none
            case DASHBOARD -> new Grant(join(CONNECTION, SHARDED, "get", "hget", "hgetall", "xrange", "xrevrange",
                    "xread", "xadd"), List.of(p + "*"), List.of(), join(heartbeat, p + "target:*", p + "audit"),
                    channels(keys, "alerts", "actions", "results", "replicas", "upstreams"));
            // status and operators: read and write the installation's keys, never the server (no @dangerous: no KEYS,
            // FLUSHALL, CONFIG, DEBUG, MONITOR, SHUTDOWN); ACL LOG to see what a service was refused
            case ADMIN -> new Grant(List.of("@read", "@write", "@pubsub", "@connection", "@scripting", "-@dangerous",
                    "client|setname", "client|id", "scan", "acl|log", "acl|whoami"), List.of(), List.of(), List.of(p + "*"),
                    channels(keys, "alerts", "actions", "results", "replicas", "upstreams"));
        };
    }

    /**
     * The ACL rule line of {@code role} ({@code user NAME reset on #SHA256 ...}), as redis-server reads it from an ACL
     * file. The password is stored as its SHA-256 only, so the ACL file holds no secret (redis-server may read it as
     * another user than the services; each service reads only its own password file).
     */
    public static String aclRule(Role role, Keys keys, String password) {
        if (password == null || password.isBlank() || password.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a Redis password without spaces is needed for user " + role.user());
        }
        Grant g = grant(role, keys);
        StringBuilder sb = new StringBuilder("user ").append(role.user()).append(" reset on #").append(sha256(password));
        for (String k : g.readKeys()) sb.append(" %R~").append(k);
        for (String k : g.writeKeys()) sb.append(" %W~").append(k);
        for (String k : g.keys()) sb.append(" ~").append(k);
        for (String c : g.channels()) sb.append(" &").append(c);
        for (String c : g.commands()) sb.append(' ').append(c.startsWith("-") ? c : "+" + c);
        return sb.toString();
    }

    /**
     * An ACL file with every role's user and the default user switched off (an unauthenticated connection then gets
     * NOAUTH). {@code passwords} must hold one per role.
     */
    public static String aclFile(Keys keys, Map<Role, String> passwords) {
        List<String> lines = new ArrayList<>();
        lines.add("user default off resetkeys resetchannels -@all");
        for (Role r : Role.values()) {
            String pw = passwords.get(r);
            if (pw == null) throw new IllegalArgumentException("no password for Redis user " + r.user());
            lines.add(aclRule(r, keys, pw));
        }
        return String.join("\n", lines) + "\n";
    }

    /** A fresh random password per role (URL-safe, 32 characters), for a stack that generates its own. */
    public static Map<Role, String> newPasswords() {
        var random = new java.security.SecureRandom();
        Map<Role, String> out = new LinkedHashMap<>();
        for (Role r : Role.values()) {
            byte[] b = new byte[24];
            random.nextBytes(b);
            out.put(r, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b));
        }
        return out;
    }

    private static String sha256(String password) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each channel, and for a per-target one its targets' sharded channels too ({@code alerts:{app}}, on a cluster). */
    private static List<String> channels(Keys keys, String... logical) {
        List<String> out = new ArrayList<>();
        for (String l : logical) {
            out.add(keys.channel(l));
            if (dev.autoscaler.common.msg.Channels.PER_TARGET.contains(l)) out.add(keys.channel(l) + ":*");
        }
        return out;
    }

    @SafeVarargs
    private static List<String> join(List<String> first, Object... rest) {
        List<String> out = new ArrayList<>(first);
        for (Object o : rest) {
            if (o instanceof List<?> l) l.forEach(x -> out.add((String) x));
            else out.add((String) o);
        }
        return out;
    }
}
