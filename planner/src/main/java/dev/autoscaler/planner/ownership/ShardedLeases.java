package dev.autoscaler.planner.ownership;

import dev.autoscaler.common.bus.FencingTokens;
import dev.autoscaler.common.bus.RedisBus;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets shared out among the live planners. Each planner keeps its name in {@code members:planner} (scored by
 * when it runs out, in Redis's time, so hosts' clocks do not matter), and each target belongs to the member that
 * {@link Rendezvous} picks. The owner holds {@code lease:planner:{t}} ({@code SET NX PX}, renewed every third of the
 * ttl, all of them pipelined) with a fencing token from {@code lease-fence:planner:{t}}; a planner gives a target up (releasing the lease)
 * as soon as it sees another member pick it, and the new owner can take it only once it is released or run out, so
 * two planners never act on one target at once, and a deposed one's write to {@code desired} is refused by its token.
 * A dead planner's membership and leases run out together: its targets are taken by the others within about one ttl.
 * A holder counts a lease as held only until 80 % of the ttl after its last renewal, as {@code RedisLease} does.
 */
public final class ShardedLeases implements TargetOwnership {
    private static final Logger log = LoggerFactory.getLogger(ShardedLeases.class);
    /** Keeps this member in the set until ttl from Redis's now, drops the run-out ones, returns the live ones. */
    private static final String JOIN = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            return redis.call('ZRANGE', KEYS[1], 0, -1)""";
    private static final String LEAVE = "return redis.call('ZREM', KEYS[1], ARGV[1])";
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end""";
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end""";

    /** One target's holding: its fencing token and when it was last taken or renewed (local nanos). */
    private record Holding(long token, long renewedNanos) {}

    private final RedisBus bus;
    private final String role;
    private final String holder;
    private final long ttlMs;
    private final Listener listener;
    private final LongSupplier nanos;
    private final Map<String, Holding> held = new ConcurrentHashMap<>();
    private volatile List<String> members;
    private volatile boolean joined;
    private volatile boolean closed;
    /** Refreshes so far: the leases are renewed every other one. */
    private long ticks;
    private ScheduledExecutorService renewer;

    public ShardedLeases(RedisBus bus, String role, String holder, Duration ttl, Listener listener) {
        this(bus, role, holder, ttl, listener, System::nanoTime);
    }

    ShardedLeases(RedisBus bus, String role, String holder, Duration ttl, Listener listener, LongSupplier nanos) {
        this.bus = bus;
        this.role = role;
        this.holder = holder;
        this.ttlMs = ttl.toMillis();
        this.listener = listener;
        this.nanos = nanos;
        this.members = List.of(holder);
    }

    /**
     * Joins now (so the first planner acts from its first window), then looks at the members every sixth of the ttl
     * (a dead one's targets are taken soon after its leases run out) and renews the leases every third.
     */
    public synchronized ShardedLeases start() {
        if (renewer == null) {
            refresh();
            long period = Math.max(50, ttlMs / 6);
            renewer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("leases-" + role).daemon().factory());
            renewer.scheduleWithFixedDelay(this::refresh, period, period, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Renews the membership, and every other time every lease held; a lease that was not renewed is no longer held. */
    void refresh() {
        long start = nanos.getAsLong();
        try {
            List<String> live = bus.redis().eval(JOIN, ScriptOutputType.MULTI, new String[] {bus.keys().members(role)}, holder,
                    String.valueOf(ttlMs));
            List<String> sorted = new ArrayList<>(live);
            if (!sorted.contains(holder)) sorted.add(holder);
            sorted.sort(null);
            if (!sorted.equals(members)) log.info("{}s: {} live ({})", role, sorted.size(), String.join(", ", sorted));
            members = List.copyOf(sorted);
            joined = true;
        } catch (RuntimeException e) {
            log.debug("{} membership: redis error ({})", role, e.getMessage());
        }
        if (ticks++ % 2 == 0) renewAll(start);
    }

    /** Every held lease renewed in one pipelined go; what Redis no longer has as ours is dropped. */
    private void renewAll(long start) {
        Map<String, RedisFuture<Long>> pending = new LinkedHashMap<>();
        var async = bus.async();
        for (String target : held.keySet()) {
            if (!holder.equals(Rendezvous.owner(target, members))) continue; // given up at its next window, or run out
            pending.put(target, async.eval(RENEW, ScriptOutputType.INTEGER, new String[] {leaseKey(target)}, holder, String.valueOf(ttlMs)));
        }
        pending.forEach((target, f) -> {
            try {
                Long r = f.get(ttlMs, TimeUnit.MILLISECONDS);
                if (r != null && r == 1L) held.computeIfPresent(target, (t, h) -> new Holding(h.token(), start));
                else held.remove(target);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("{} {}: renewal failed ({})", role, target, e.getMessage());
            }
        });
    }

    @Override
    public boolean owns(String target) {
        boolean mine = joined && !closed && holder.equals(Rendezvous.owner(target, members));
        Holding h = held.get(target);
        if (!mine) {
            if (h != null) giveUp(target, h);
            return false;
        }
        if (h != null && valid(h)) return true;
        if (h != null) held.remove(target); // ran out locally: take it again only through Redis
        return take(target);
    }

    private boolean valid(Holding h) {
        return nanos.getAsLong() - h.renewedNanos() < TimeUnit.MILLISECONDS.toNanos(ttlMs * 8 / 10);
    }

    private boolean take(String target) {
        long start = nanos.getAsLong();
        try {
            if (!"OK".equals(bus.redis().set(leaseKey(target), holder, SetArgs.Builder.nx().px(ttlMs)))) return false;
            long token = new FencingTokens(bus, fenceName(target)).next();
            held.put(target, new Holding(token, start));
            log.info("{} {}: taken by {} (fencing token {})", role, target, holder, token);
            listener.taken(target);
            return true;
        } catch (RuntimeException e) {
            log.debug("{} {}: not taken ({})", role, target, e.getMessage());
            return false;
        }
    }

    private void giveUp(String target, Holding h) {
        if (valid(h)) {
            try {
                listener.givingUp(target);
            } catch (RuntimeException e) {
                log.warn("{} {}: before giving it up: {}", role, target, e.getMessage());
            }
        }
        held.remove(target);
        release(target);
        log.info("{} {}: given up by {} to {}", role, target, holder, Rendezvous.owner(target, members));
    }

    private void release(String target) {
        try {
            bus.redis().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {leaseKey(target)}, holder);
        } catch (RuntimeException e) {
            log.debug("{} {}: release failed ({}); it runs out", role, target, e.getMessage());
        }
    }

    @Override
    public boolean concerns(String target) {
        return held.containsKey(target) || holder.equals(Rendezvous.owner(target, members));
    }

    @Override
    public boolean holds(String target) {
        Holding h = held.get(target);
        return h != null && valid(h);
    }

    @Override
    public boolean writeFenced(String target, String hashKey, String... fields) {
        Holding h = held.get(target);
        return h != null && valid(h) && new FencingTokens(bus, fenceName(target)).write(h.token(), hashKey, fields);
    }

    @Override
    public String holder() {
        return holder;
    }

    @Override
    public String ownerSeen(String target) {
        return Rendezvous.owner(target, members);
    }

    /** The targets this planner holds now. */
    public java.util.Set<String> heldTargets() {
        return java.util.Set.copyOf(held.keySet());
    }

    @Override
    public Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", role + ":{target}");
        m.put("role", held.isEmpty() ? "standby" : "active");
        m.put("holder", holder);
        m.put("held_targets", held.size());
        m.put("members", members);
        return m;
    }

    /** A crash, for tests: stops renewing and acting, leaving the membership and the leases to run out. */
    synchronized void abandon() {
        closed = true;
        if (renewer != null) renewer.shutdownNow();
    }

    /** Leaves the members and releases every lease, so the others take the targets at once. */
    @Override
    public synchronized void close() {
        closed = true;
        if (renewer != null) renewer.shutdownNow();
        try {
            bus.redis().eval(LEAVE, ScriptOutputType.INTEGER, new String[] {bus.keys().members(role)}, holder);
        } catch (RuntimeException e) {
            log.debug("{} membership: leave failed ({})", role, e.getMessage());
        }
        for (String target : List.copyOf(held.keySet())) {
            held.remove(target);
            release(target);
        }
    }

    private String fenceName(String target) {
        return role + ":" + target;
    }

    private String leaseKey(String target) {
        return bus.keys().lease(fenceName(target));
    }
}
