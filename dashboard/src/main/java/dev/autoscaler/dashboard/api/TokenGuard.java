package dev.autoscaler.dashboard.api;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wrong admin tokens per client: each client (by address) may present {@code perMinute} wrong tokens a minute; beyond
 * that every control request from it is refused with 429 and a Retry-After until its bucket refills, right token or
 * not, so guessing costs a minute per ten tries. A Bucket4j bucket per client, forgotten once full again.
 */
public final class TokenGuard {
    /** Clients remembered at most: a flood from many addresses cannot grow the map without bound. */
    static final int MAX_CLIENTS = 10_000;

    private final int perMinute;
    private final Map<String, Bucket> failures = new ConcurrentHashMap<>();

    public TokenGuard(int perMinute) {
        this.perMinute = perMinute;
    }

    /** Seconds {@code client} must wait before it may try again; 0 when it may try now. */
    public long retryAfterSec(String client) {
        Bucket b = failures.get(client);
        if (b == null || b.getAvailableTokens() > 0) return 0;
        long nanos = b.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /** Counts a wrong token from {@code client}. */
    public void failed(String client) {
        if (failures.size() >= MAX_CLIENTS) failures.entrySet().removeIf(e -> e.getValue().getAvailableTokens() >= perMinute);
        if (failures.size() >= MAX_CLIENTS && !failures.containsKey(client)) return;
        failures.computeIfAbsent(client, c -> Bucket.builder()
                .addLimit(l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))).build()).tryConsume(1);
    }
}
