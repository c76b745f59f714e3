package dev.autoscaler.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    @Test
    void defaultsApplyWhenUnsetOrBlank() {
        Env env = new Env(Map.of("BLANK", "  "));
        assertEquals(3, env.integer("BLANK", 3, 0, 10));
        assertEquals(2.5, env.number("UNSET", 2.5, 0, 10));
    }

    @Test
    void aBadValueNamesTheVariableTheValueAndWhatIsAllowed() {
        Env env = new Env(Map.of("N", "12", "X", "abc", "M", "loud"));
        ConfigException e = assertThrows(ConfigException.class, () -> env.integer("N", 1, 0, 10));
        assertEquals("invalid N=\"12\": expected an integer from 0 to 10", e.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> env.number("X", 1, 0, 1)).getMessage().contains("a number from 0 to 1"));
        assertTrue(assertThrows(ConfigException.class, () -> env.oneOf("M", "a", "a", "b")).getMessage().contains("one of a, b"));
    }

    @Test
    void aliasesTakeTheFirstThatIsSet() {
        Env env = new Env(Map.of("TARGET_P95_MS", "250"));
        assertEquals(250, env.optionalNumber(new String[] {"SLO_P95_MS", "TARGET_P95_MS"}, 1, 1e6).getAsDouble());
        ConfigException e = assertThrows(ConfigException.class,
                () -> new Env(Map.of("TARGET_P95_MS", "-1")).optionalNumber(new String[] {"SLO_P95_MS", "TARGET_P95_MS"}, 1, 1e6));
        assertTrue(e.getMessage().startsWith("invalid TARGET_P95_MS="), e.getMessage());
    }

    @Test
    void redisUrlWinsOverHostAndPortAndItsPasswordIsMaskedForLogs() {
        assertEquals("redis://10.0.0.1:7000", RedisSettings.from(new Env(Map.of("REDIS_HOST", "10.0.0.1", "REDIS_PORT", "7000"))).url());
        RedisSettings s = RedisSettings.from(new Env(Map.of("REDIS_URL", "redis://:s3cret@127.0.0.1:6380", "REDIS_HOST", "x")));
        assertEquals("redis://:s3cret@127.0.0.1:6380", s.url());
        assertEquals("redis://***@127.0.0.1:6380", s.safeUrl());
    }
}
