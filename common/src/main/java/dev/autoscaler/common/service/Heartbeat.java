package dev.autoscaler.common.service;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.status.ServiceInfo;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the hash {@code service:{name}:{instance}} alive with a TTL, so the dashboard and {@code status} list what runs
 * without a hand-written list: a service that dies disappears within the TTL. Every refresh writes the whole hash, so
 * it comes back after a Redis restart; a failed refresh never stops the service (it is counted in
 * {@code autoscaler_heartbeat_failures_total} and logged at most once a minute). {@link #close} deletes the key.
 */
public final class Heartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    public static final int DEFAULT_TTL_SEC = 15;
    /** HSET and EXPIRE in one step, so a crash between the two can never leave a heartbeat that does not expire. */
    private static final String WRITE = "redis.call('HSET', KEYS[1], unpack(ARGV, 2)); "
            + "return redis.call('EXPIRE', KEYS[1], ARGV[1])";
    private static final long LOG_EVERY_MS = 60_000;

    private final RedisBus bus;
    private final String key;
    private final List<String> args;
    /** Fields that change while the service runs (its lease role), read at every refresh. */
    private final Supplier<Map<String, String>> live;
    private final Counter failures;
    private final ScheduledExecutorService timer;
    private long lastFailureLog = -LOG_EVERY_MS;
    /** The last refresh failed: close then skips the delete, which would only wait for a Redis that is away. */
    private volatile boolean failing;
    private volatile boolean closing;

    /** Writes the heartbeat at once (in the background) and then every {@code ttlSec / 3}. */
    public Heartbeat(RedisBus bus, ServiceInfo info, int ttlSec, MeterRegistry meters) {
        this(bus, info, ttlSec, meters, Map::of);
    }

    /** @param live fields written beside {@code info}'s at every refresh (a failing supplier skips them, never the beat) */
    public Heartbeat(RedisBus bus, ServiceInfo info, int ttlSec, MeterRegistry meters, Supplier<Map<String, String>> live) {
        if (ttlSec < 1) throw new IllegalArgumentException("ttlSec must be positive: " + ttlSec);
        this.bus = bus;
        this.key = bus.keys().service(info.name(), info.instance());
        this.args = scriptArgs(info.toHash(), ttlSec);
        this.live = live;
        this.failures = meters.counter("autoscaler_heartbeat_failures", "service", info.name());
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name("heartbeat").factory());
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timer = t;
        long periodMs = Math.max(1, ttlSec * 1000L / 3);
        timer.scheduleWithFixedDelay(this::refresh, 0, periodMs, TimeUnit.MILLISECONDS);
    }

    private static List<String> scriptArgs(Map<String, String> fields, int ttlSec) {
        List<String> a = new ArrayList<>();
        a.add(String.valueOf(ttlSec));
        addFields(a, fields);
        return List.copyOf(a);
    }

    private static void addFields(List<String> a, Map<String, String> fields) {
        fields.forEach((k, v) -> {
            a.add(k);
            a.add(v == null ? "" : v);
        });
    }

    private String[] currentArgs() {
        List<String> a = new ArrayList<>(args);
        try {
            addFields(a, live.get());
        } catch (RuntimeException e) {
            log.debug("heartbeat {}: live fields not read", key, e);
        }
        return a.toArray(String[]::new);
    }

    public String key() {
        return key;
    }

    private void refresh() {
        try {
            bus.redis().eval(WRITE, ScriptOutputType.INTEGER, new String[] {key}, currentArgs());
            failing = false;
        } catch (RuntimeException e) {
            // an exception escaping a scheduled task would cancel every later refresh
            if (closing) return; // interrupted by close: not a failure
            failing = true;
            failures.increment();
            logFailure(e);
        }
    }

    private void logFailure(RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastFailureLog < LOG_EVERY_MS) return;
        lastFailureLog = now;
        log.warn("heartbeat {} not written ({}); the service runs on (logged at most once a minute; see "
                + "autoscaler_heartbeat_failures_total)", key, e.getMessage());
    }

    /**
     * Stops refreshing and deletes the key, so a clean stop is seen at once rather than after the TTL. While Redis is
     * away it does not wait for it (a stop must stay quick): the key, if any is left, expires by itself.
     */
    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failing) return;
        try {
            // sent after any refresh still in flight on the same connection, so Redis runs it last
            bus.redis().del(key);
        } catch (RuntimeException e) {
            log.debug("heartbeat {} not deleted; it expires by itself", key, e);
        }
    }
}
