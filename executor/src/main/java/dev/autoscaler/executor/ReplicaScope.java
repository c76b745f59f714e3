package dev.autoscaler.executor;

import dev.autoscaler.common.config.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short digest of where a registry lives (Redis URL + key prefix). Replicas carry it, so an executor only
 * ever adopts or stops its own installation's replicas, and the URL (which may hold a password) is never
 * exposed in a process environment.
 */
public final class ReplicaScope {
    private ReplicaScope() {}

    public static String of(RedisSettings redis) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((redis.url() + "|" + redis.keyPrefix()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
