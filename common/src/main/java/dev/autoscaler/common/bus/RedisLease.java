package dev.autoscaler.common.bus;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One holder at a time for a named role ({@code planner}, {@code executor:app}) among the processes sharing one Redis:
 * {@code SET lease:{name} holder NX PX ttl}, renewed every third of the ttl by a compare-and-renew script, so a holder
 * that dies or hangs loses it within one ttl and a standby takes over. Each acquisition takes a new fencing token
 * (from {@code lease-fence:{name}}, rising also across a Redis restart that lost it); writes that must not come from a deposed holder go through
 * {@link #writeFenced}, which refuses a token older than the last one written. A holder counts itself as holding only
 * until 80 % of the ttl after its last successful renewal, so it stops acting before anyone else can start.
 */
public final class RedisLease implements Leadership {
    private static final Logger log = LoggerFactory.getLogger(RedisLease.class);

    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end""";
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end""";
    private final RedisBus bus;
    private final String name;
    private final String holder;
    private final long ttlMs;
    private final LongSupplier nanos;
    private final FencingTokens fence;
    private volatile boolean held;
    private volatile long heldUntilNanos;
    private volatile long token;
    private volatile String lastSeenHolder = "";
    private volatile Runnable onAcquire = () -> {};
    private ScheduledExecutorService renewer;

    public RedisLease(RedisBus bus, String name, String holder, Duration ttl) {
        this(bus, name, holder, ttl, System::nanoTime);
    }

    RedisLease(RedisBus bus, String name, String holder, Duration ttl, LongSupplier nanos) {
        this.bus = bus;
        this.name = name;
        this.holder = holder;
        this.ttlMs = ttl.toMillis();
        this.nanos = nanos;
        this.fence = new FencingTokens(bus, name);
    }

    /**
     * {@code r} runs each time this process takes the lease (a new fencing token), on the thread that took it, so it
     * must return at once (queue work, do not do it). Set before {@link #start}.
     */
    public RedisLease onAcquire(Runnable r) {
        this.onAcquire = r;
        return this;
    }

    /**
     * Tries to take the lease now (so the first process up acts from its first moment), then renews or retries every
     * third of its ttl on a thread of its own.
     */
    public synchronized RedisLease start() {
        if (renewer == null) {
            tryHold();
            long period = Math.max(100, ttlMs / 3);
            renewer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("lease-" + name).daemon().factory());
            renewer.scheduleWithFixedDelay(this::tryHold, period, period, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Renews the lease if this process holds it, else takes it if it is free. A Redis error counts as not holding:
     * a holder cut off from Redis stops acting once its local deadline passes.
     */
    public synchronized boolean tryHold() {
        long start = nanos.getAsLong();
        try {
            var redis = bus.redis();
            String key = bus.keys().lease(name);
            boolean ok;
            if (held) {
                Long renewed = redis.eval(RENEW, ScriptOutputType.INTEGER, new String[] {key}, holder, String.valueOf(ttlMs));
                ok = renewed != null && renewed == 1L;
                if (!ok) ok = acquire(key); // lost with a Redis restart: take it again if still free
            } else {
                ok = acquire(key);
            }
            if (ok) {
                heldUntilNanos = start + TimeUnit.MILLISECONDS.toNanos(ttlMs * 8 / 10);
                lastSeenHolder = holder;
            } else {
                String now = redis.get(key);
                lastSeenHolder = now == null ? "" : now;
            }
            setHeld(ok);
        } catch (RuntimeException e) {
            log.debug("lease {}: redis error ({})", name, e.getMessage());
            setHeld(held && nanos.getAsLong() < heldUntilNanos);
        }
        return held();
    }

    private boolean acquire(String key) {
        String r = bus.redis().set(key, holder, SetArgs.Builder.nx().px(ttlMs));
        if (!"OK".equals(r)) return false;
        token = fence.next();
        log.info("lease {}: taken by {} (fencing token {})", name, holder, token);
        onAcquire.run();
        return true;
    }

    private void setHeld(boolean now) {
        if (held && !now) log.warn("lease {}: {} no longer holds it; standing by", name, holder);
        held = now;
    }

    /** True while this process holds the lease and its last renewal is recent enough to act on. */
    @Override
    public boolean held() {
        return held && nanos.getAsLong() < heldUntilNanos;
    }

    @Override
    public long token() {
        return token;
    }

    /** Who held it at the last look ({@code ""} if nobody), for {@code /health} and {@code status}. */
    @Override
    public String holderSeen() {
        return lastSeenHolder;
    }

    @Override
    public String holder() {
        return holder;
    }

    @Override
    public String name() {
        return name;
    }

    public long ttlMs() {
        return ttlMs;
    }

    @Override
    public boolean writeFenced(String hashKey, String... fields) {
        return held() && fence.write(token, hashKey, fields);
    }

    /** Stops renewing and gives the lease up at once, so a standby takes over without waiting out the ttl. */
    @Override
    public synchronized void close() {
        if (renewer != null) renewer.shutdownNow();
        if (!held) return;
        held = false;
        try {
            bus.redis().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {bus.keys().lease(name)}, holder);
            log.info("lease {}: released by {}", name, holder);
        } catch (RuntimeException e) {
            log.debug("lease {}: release failed ({})", name, e.getMessage());
        }
    }
}
