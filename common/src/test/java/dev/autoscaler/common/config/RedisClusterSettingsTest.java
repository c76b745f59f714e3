package dev.autoscaler.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.Keys;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** REDIS_URL with several nodes, or REDIS_CLUSTER, names a Redis Cluster; a target's keys then carry a hash tag. */
class RedisClusterSettingsTest {
    @Test
    void aUrlWithSeveralNodesOrRedisClusterMeansACluster() {
        var s = RedisSettings.from(new Env(Map.of("REDIS_URL", "redis://u:pw@127.0.0.1:7000,127.0.0.1:7001")));
        assertTrue(s.cluster());
        var nodes = RedisSettings.nodes(s.url());
        assertEquals(List.of(7000, 7001), nodes.stream().map(io.lettuce.core.RedisURI::getPort).toList());
        assertEquals("u", nodes.get(1).getCredentialsProvider().resolveCredentials().block().getUsername(),
                "the credentials go to every node");
        assertTrue(RedisSettings.from(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:7000", "REDIS_CLUSTER", "true"))).cluster());
        assertFalse(RedisSettings.from(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:7000"))).cluster());
        var bad = assertThrows(ConfigException.class, () -> RedisSettings.from(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:7000,,127.0.0.1:7001"))));
        assertTrue(bad.getMessage().contains("REDIS_URL"), bad.getMessage());
    }

    @Test
    void aClusterTagsEachTargetsKeysAndStatusUntagsThem() {
        Keys k = new Keys("autoscaler:", true);
        assertEquals("autoscaler:desired:{app}", k.desired("app"));
        assertEquals("autoscaler:planner:{app}:rises", k.plannerRises("app"));
        assertEquals("app", k.untag("{app}"));
        assertEquals("autoscaler:desired:app", new Keys("autoscaler:").desired("app"), "one server: the names as they always were");
        assertEquals("autoscaler:lease:planner:app", k.lease("planner:app"), "a lease is one key a script: no tag needed");
    }
}
