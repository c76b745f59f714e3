package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.testing.RedisServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registries as the executor writes them, read back by a real redis-server: one target at a time or all at once. */
class ReplicaRegistryTest {
    private RedisServer redis;
    private RedisBus bus;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus("rr:");
    }

    @AfterEach
    void stop() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    private void register(String target, String id, ReplicaSet.State state) {
        bus.redis().hset(bus.keys().registry(target), id, Json.write(new ReplicaSet.Replica(id, "127.0.0.1:1", state)));
    }

    @Test
    void everyTargetsReadyCountInOneReadMatchesTheOneByOneRead() {
        register("a", "a-1", ReplicaSet.State.ready);
        register("a", "a-2", ReplicaSet.State.ready);
        register("a", "a-3", ReplicaSet.State.starting);
        register("b", "b-1", ReplicaSet.State.ready);
        bus.redis().hset(bus.keys().registry("b"), "b-bad", "{not json");

        Map<String, Integer> all = ReplicaRegistry.ready(bus, List.of("a", "b", "none"));

        assertEquals(Map.of("a", 2, "b", 1, "none", 0), all, "a malformed entry and a target without a registry count nothing");
        for (String t : all.keySet()) assertEquals(ReplicaRegistry.ready(bus, t), all.get(t), t);
    }
}
