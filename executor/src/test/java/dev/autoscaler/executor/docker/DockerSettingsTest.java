package dev.autoscaler.executor.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerSettingsTest {
    @Test
    void theBaseContainerIsRequiredAndOnlyItsNameIsABase() {
        ConfigException e = assertThrows(ConfigException.class, () -> DockerSettings.from(new Env(Map.of())));
        assertTrue(e.getMessage().startsWith("EXECUTOR_BACKEND=docker needs BASE_CONTAINER"), e.getMessage());
        DockerSettings s = DockerSettings.from(new Env(Map.of("BASE_CONTAINER", "shop-{target}")));
        assertTrue(s.baseNamed("shop-web", "web"));
        assertFalse(s.baseNamed("other-stack-web", "web"), "another container with the label is not a base");
        assertEquals("shop-{target}", s.baseContainer());
    }
}
