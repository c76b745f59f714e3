package dev.autoscaler.executor.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessBackendTest {
    @Test
    void replicasInheritTheEnvironmentWithoutTheAutoscalersCredentials() {
        Map<String, String> env = new HashMap<>(Map.of("LLM_API_KEY", "k1", "GEMINI_API_KEY", "k2", "GOOGLE_API_KEY", "k3",
                "OPENAI_API_KEY", "k4", "ADMIN_TOKEN", "t", "REDIS_URL", "redis://:pw@127.0.0.1:6379",
                "WORK_MS", "20", "DB_PASSWORD", "the app's own", "PATH", "/usr/bin"));

        ProcessBackend.withholdCredentials(env);

        assertEquals(Map.of("WORK_MS", "20", "DB_PASSWORD", "the app's own", "PATH", "/usr/bin"), env);
    }

    @Test
    void aRedisUrlWithoutAPasswordIsNoSecret() {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", "redis://127.0.0.1:6379/0"));
        ProcessBackend.withholdCredentials(env);
        assertEquals(Map.of("REDIS_URL", "redis://127.0.0.1:6379/0"), env);
    }
}
