package dev.autoscaler.planner.advisor;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.planner.llm.LlmSettings;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The LLM calls that may start: never more than LLM_RPM in any minute, of which LLM_RESERVE are kept for targets in or
 * near a breach. A Bucket4j bucket holds 1 + LLM_RESERVE calls and refills LLM_RPM − LLM_RESERVE a minute (so a full
 * bucket and a minute's refill are LLM_RPM calls); a calm target's call starts only from a full bucket, so the calls
 * left after it are the reserve, and a pressing target's call starts from any call left. Calm targets alone thus get
 * LLM_RPM − LLM_RESERVE calls a minute: the price of the reserve. The bucket lives in Redis ({@link #shared}, bucket4j's Lettuce proxy manager) so that every planner
 * of an installation draws on one budget; {@link #local} keeps one per process (tests, the bench).
 *
 * <p>A refusal is remembered until the bucket can have refilled, so a planner with many due targets asks Redis a few
 * times per refill, not once per window; an unreachable Redis refuses every call for {@link #UNREACHABLE_RETRY_SEC}
 * (no budget, no call).
 */
public final class CallBudget {
    /** How long a planner goes without calls after Redis did not answer for the budget. */
    static final double UNREACHABLE_RETRY_SEC = 5;
    /** A bucket untouched this long after it refilled is removed from Redis. */
    private static final Duration KEEP_AFTER_FULL = Duration.ofMinutes(1);
    /** A budget check waits no longer for Redis: it runs after a window, on the window's thread. */
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);

    /** How pressing a target's question is: over its threshold, over LLM_NEAR_BREACH of it, or neither. */
    public enum Urgency {
        BREACH, NEAR, CALM;

        /** From a window's p95 and threshold (none, as in baseline mode before one is learned: calm). */
        public static Urgency of(double p95Ms, Double thresholdMs, double nearFraction) {
            if (thresholdMs == null) return CALM;
            if (p95Ms > thresholdMs) return BREACH;
            return p95Ms > nearFraction * thresholdMs ? NEAR : CALM;
        }

        boolean pressing() {
            return this != CALM;
        }
    }

    /** Why a call did not start. */
    public enum Refusal { SPENT, RESERVED, UNREACHABLE }

    private final Bucket bucket;
    private final LlmSettings settings;
    private final DoubleSupplier clock;
    private final String where;
    private volatile long left;
    private double spentUntil = Double.NEGATIVE_INFINITY;
    private double reservedUntil = Double.NEGATIVE_INFINITY;
    private double unreachableUntil = Double.NEGATIVE_INFINITY;

    private CallBudget(Bucket bucket, LlmSettings settings, DoubleSupplier clock, String where) {
        this.bucket = bucket;
        this.settings = settings;
        this.clock = clock;
        this.where = where;
        this.left = capacity(settings);
    }

    /** A budget of this process alone. */
    public static CallBudget local(LlmSettings s, DoubleSupplier clock) {
        Bucket b = Bucket.builder().addLimit(limit(s)).withCustomTimePrecision(new ClockMeter(clock, false)).build();
        return new CallBudget(b, s, clock, "this planner's");
    }

    /**
     * The installation's budget, in Redis under {@code llm-budget:{provider}:{rpm}/{reserve}}: planners configured
     * alike share it; a planner with other LLM_RPM or LLM_RESERVE gets a bucket of its own rather than changing theirs.
     */
    public static CallBudget shared(LlmSettings s, RedisBus bus, DoubleSupplier clock) {
        var connection = bus.binaryConnection(REDIS_TIMEOUT);
        @SuppressWarnings("unchecked")
        var builder = connection instanceof io.lettuce.core.cluster.api.StatefulRedisClusterConnection<?, ?> cluster
                ? Bucket4jLettuce.casBasedBuilder((io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, byte[]>) cluster)
                : Bucket4jLettuce.casBasedBuilder((io.lettuce.core.api.StatefulRedisConnection<String, byte[]>) connection);
        var manager = builder
                // the planners' clocks are the machines' wall clocks: the bucket's times in Redis compare across them
                .clientClock(new ClockMeter(clock, true))
                .requestTimeout(REDIS_TIMEOUT)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_FULL))
                .build();
        String key = bus.keys().llmBudget(s.provider() + ":" + s.rpm() + "/" + s.reserve());
        Bucket b = manager.builder().build(key, () -> BucketConfiguration.builder().addLimit(limit(s)).build());
        return new CallBudget(b, s, clock, "the shared (" + key + ")");
    }

    private static io.github.bucket4j.Bandwidth limit(LlmSettings s) {
        return io.github.bucket4j.Bandwidth.builder().capacity(capacity(s)).refillGreedy(1, period(s)).build();
    }

    private static long capacity(LlmSettings s) {
        return 1L + s.reserve();
    }

    /** How often a call comes back: LLM_RPM − LLM_RESERVE a minute (the settings keep the reserve below LLM_RPM). */
    private static Duration period(LlmSettings s) {
        return Duration.ofNanos(Math.round(60e9 / (s.rpm() - s.reserve())));
    }

    /** Takes one call for a question of {@code urgency}: null when taken, else why not. */
    public synchronized Refusal take(Urgency urgency) {
        double now = clock.getAsDouble();
        if (now < unreachableUntil) return Refusal.UNREACHABLE;
        if (now < spentUntil) return Refusal.SPENT;
        if (!urgency.pressing() && now < reservedUntil) return Refusal.RESERVED;
        try {
            ConsumptionProbe p = bucket.tryConsumeAndReturnRemaining(1);
            if (!p.isConsumed()) {
                left = 0;
                spentUntil = now + p.getNanosToWaitForRefill() / 1e9;
                return Refusal.SPENT;
            }
            if (!urgency.pressing() && p.getRemainingTokens() < settings.reserve()) {
                bucket.addTokens(1); // given back: what is left is the reserve
                left = p.getRemainingTokens() + 1;
                reservedUntil = now + period(settings).toNanos() / 1e9;
                return Refusal.RESERVED;
            }
            left = p.getRemainingTokens();
            return null;
        } catch (RuntimeException e) {
            unreachableUntil = now + UNREACHABLE_RETRY_SEC;
            return Refusal.UNREACHABLE;
        }
    }

    /** Calls left as last seen (no round trip to Redis). */
    public long left() {
        return left;
    }

    /** The audit's words for a refusal. */
    String explain(Refusal r, Urgency urgency) {
        double wait = Math.max(0, switch (r) {
            case SPENT -> spentUntil;
            case RESERVED -> reservedUntil;
            case UNREACHABLE -> unreachableUntil;
        } - clock.getAsDouble());
        return switch (r) {
            case SPENT -> String.format(java.util.Locale.ROOT, "no call left in %s budget of LLM_RPM=%d a minute; the next in %.0f s",
                    where, settings.rpm(), wait);
            case RESERVED -> String.format(java.util.Locale.ROOT, "the last %d call(s) of %s budget are kept for targets in or near a "
                    + "breach (LLM_RESERVE), and this one is %s (p95 under LLM_NEAR_BREACH=%.2f of its threshold)", settings.reserve(),
                    where, urgency.name().toLowerCase(java.util.Locale.ROOT), settings.nearBreach());
            case UNREACHABLE -> String.format(java.util.Locale.ROOT, "%s budget in Redis did not answer: no call without it for %.0f s",
                    where, wait);
        };
    }

    /** Bucket4j's clock from the advisor's, so tests can drive both. */
    private record ClockMeter(DoubleSupplier clock, boolean isWallClockBased) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            return Math.round(clock.getAsDouble() * 1e9);
        }
    }
}
