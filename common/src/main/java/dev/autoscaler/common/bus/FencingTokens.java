package dev.autoscaler.common.bus;

import io.lettuce.core.ScriptOutputType;

/**
 * The fencing tokens of one role ({@code lease-fence:{name}}): each holding of the role takes a new, higher one, and a
 * write that must not come from a deposed holder carries it, so Redis refuses a token older than the last one written.
 * Shared by the {@link RedisLease} and a Kubernetes-elected leader ({@code KubeLeadership}): whoever decides who holds,
 * Redis decides which write is stale.
 */
public final class FencingTokens {
    /**
     * The next token: one more than the last, and never below the caller's clock in milliseconds, so tokens keep rising
     * when Redis restarts empty and the counter with it (a deposed holder's old token stays below a new one).
     */
    private static final String NEXT_TOKEN = """
            local t = redis.call('INCR', KEYS[1])
            local now = tonumber(ARGV[1])
            if t < now then redis.call('SET', KEYS[1], ARGV[1]); t = now end
            return t""";
    /** HSET the fields only if the hash's {@code fence} is not newer than ours; writes ours. Returns 1 if written. */
    private static final String WRITE_FENCED = """
            local f = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
            if f > tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'fence', ARGV[1], unpack(ARGV, 2))
            return 1""";

    private final RedisBus bus;
    private final String name;

    public FencingTokens(RedisBus bus, String name) {
        this.bus = bus;
        this.name = name;
    }

    /** A new token for a new holding. */
    public long next() {
        return bus.redis().eval(NEXT_TOKEN, ScriptOutputType.INTEGER, new String[] {bus.keys().leaseFence(name)},
                String.valueOf(System.currentTimeMillis()));
    }

    /**
     * HSETs {@code fields} (alternating names and values) into {@code hashKey} with {@code token} in field
     * {@code fence}, unless a newer token was already written there. False if refused.
     */
    public boolean write(long token, String hashKey, String... fields) {
        String[] args = new String[fields.length + 1];
        args[0] = String.valueOf(token);
        System.arraycopy(fields, 0, args, 1, fields.length);
        Long r = bus.redis().eval(WRITE_FENCED, ScriptOutputType.INTEGER, new String[] {hashKey}, args);
        return r != null && r == 1L;
    }
}
