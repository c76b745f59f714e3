package dev.autoscaler.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.autoscaler.common.config.RedisSettings;
import org.junit.jupiter.api.Test;

class ReplicaScopeTest {
    @Test
    void thePasswordIsNotPartOfTheScopeButTheServerAndPrefixAre() {
        String a = ReplicaScope.of(new RedisSettings("redis://:s3cret@10.0.0.5:6379/0", "autoscaler:"));
        assertEquals(a, ReplicaScope.of(new RedisSettings("redis://:other@10.0.0.5:6379/0", "autoscaler:")));
        assertEquals(a, ReplicaScope.of(new RedisSettings("redis://10.0.0.5:6379/0", "autoscaler:")));
        assertNotEquals(a, ReplicaScope.of(new RedisSettings("redis://10.0.0.6:6379/0", "autoscaler:")));
        assertNotEquals(a, ReplicaScope.of(new RedisSettings("redis://10.0.0.5:6379/0", "other:")));
        assertFalse(RedisSettings.withoutCredentials("rediss://user:pw@host:6380").contains("pw"));
        assertEquals("rediss://host:6380", RedisSettings.withoutCredentials("rediss://user:pw@host:6380"));
    }
}
