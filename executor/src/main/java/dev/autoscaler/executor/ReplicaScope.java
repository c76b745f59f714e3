package dev.autoscaler.executor;

import dev.autoscaler.common.config.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short digest of where a registry lives (Redis URL + key prefix). Replicas carry it, so an executor only
 * ever adopts or stops its own installation's replicas. The password is left out of the digest: the scope is
 * readable by anyone who can list processes or inspect containers, and a digest of it would invite guessing.
 */
public final class ReplicaScope {
    private ReplicaScope() {}

    public static String of(RedisSettings redis) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((RedisSettings.withoutCredentials(redis.url()) + "|" + redis.keyPrefix()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
