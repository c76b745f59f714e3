package dev.autoscaler.executor.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerLabelsTest {
    @Test
    void ourLabelOptsInForItsTargetOnly() {
        assertTrue(ContainerLabels.isBaseOf(Map.of("autoscaler.target", "app"), "anything", "app"));
        assertFalse(ContainerLabels.isBaseOf(Map.of("autoscaler.target", "other"), "app", "app"));
    }

    @Test
    void thePocLabelOptsInWhenTheComposeServiceOrTheNameIsTheTarget() {
        assertTrue(ContainerLabels.isBaseOf(Map.of("agentic.target", "true", "com.docker.compose.service", "app"), "x_app_1", "app"));
        assertTrue(ContainerLabels.isBaseOf(Map.of("agentic.target", "true"), "app", "app"));
        assertFalse(ContainerLabels.isBaseOf(Map.of("agentic.target", "true", "com.docker.compose.service", "db"), "db", "app"));
        assertFalse(ContainerLabels.isBaseOf(Map.of("agentic.target", "false"), "app", "app"));
    }

    @Test
    void aContainerWithoutALabelOrADuplicateIsNeverABase() {
        assertFalse(ContainerLabels.isBaseOf(Map.of(), "app", "app"));
        assertFalse(ContainerLabels.isBaseOf(Map.of("com.docker.compose.service", "app"), "app", "app"));
        // a duplicate keeps the base's other labels but has an id: cloning it would clone a clone
        assertFalse(ContainerLabels.isBaseOf(Map.of("autoscaler.target", "app", ContainerLabels.ID, "app-dup-3"), "app-dup-3", "app"));
    }

    @Test
    void aDuplicateLosesTheOptInAndComposeIdentityAndCarriesItsOwn() {
        Map<String, String> base = Map.of("autoscaler.target", "app", "agentic.target", "true", "team", "web",
                "com.docker.compose.project", "demo", "com.docker.compose.service", "app",
                "com.docker.compose.container-number", "1", "com.docker.compose.config-hash", "abc");
        Map<String, String> dup = ContainerLabels.forDuplicate(base, "s1", "app", "app-dup-7", 7, "127.0.0.1:9107");
        assertNull(dup.get("autoscaler.target"));
        assertNull(dup.get("agentic.target"));
        assertNull(dup.get("com.docker.compose.container-number"));
        assertNull(dup.get("com.docker.compose.config-hash"));
        assertEquals("demo", dup.get("com.docker.compose.project"), "down --remove-orphans of the project removes it");
        assertEquals("app-dup", dup.get("com.docker.compose.service"), "up never takes it for the app service");
        assertEquals("web", dup.get("team"));
        assertEquals(Map.of(ContainerLabels.MANAGED_BY, "autoscaler", ContainerLabels.SCOPE, "s1", ContainerLabels.REPLICA_TARGET, "app",
                ContainerLabels.ID, "app-dup-7", ContainerLabels.SEQ, "7", ContainerLabels.ADDRESS, "127.0.0.1:9107"),
                Map.of(ContainerLabels.MANAGED_BY, dup.get(ContainerLabels.MANAGED_BY), ContainerLabels.SCOPE, dup.get(ContainerLabels.SCOPE),
                        ContainerLabels.REPLICA_TARGET, dup.get(ContainerLabels.REPLICA_TARGET), ContainerLabels.ID, dup.get(ContainerLabels.ID),
                        ContainerLabels.SEQ, dup.get(ContainerLabels.SEQ), ContainerLabels.ADDRESS, dup.get(ContainerLabels.ADDRESS)));
        assertFalse(ContainerLabels.isBaseOf(dup, "demo-app-dup-7", "app"));
    }
}
