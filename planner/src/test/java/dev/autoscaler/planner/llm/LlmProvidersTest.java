package dev.autoscaler.planner.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LlmProvidersTest {
    private static final String KEY = GeminiProviderTest.KEY;

    private static LlmSettings settings(Map<String, String> env) {
        return LlmSettings.from(new Env(env));
    }

    @Test
    void noneMeansNoProvider() {
        assertTrue(LlmProviders.create(settings(Map.of())).isEmpty());
        assertTrue(LlmProviders.create(settings(Map.of("LLM_PROVIDER", "none", "LLM_API_KEY", KEY))).isEmpty());
    }

    @Test
    void geminiIsTheGeminiProvider() {
        Optional<LlmProvider> p = LlmProviders.create(settings(Map.of("LLM_PROVIDER", "gemini", "LLM_API_KEY", KEY)));
        try (LlmProvider provider = p.orElseThrow()) {
            assertInstanceOf(GeminiProvider.class, provider);
            assertEquals("gemini", provider.name());
            assertEquals(LlmSettings.DEFAULT_GEMINI_MODEL, provider.model());
        }
    }

    @Test
    void openaiIsTheOpenAiProvider() {
        Optional<LlmProvider> p = LlmProviders.create(settings(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", KEY, "LLM_MODEL", "gpt-test")));
        try (LlmProvider provider = p.orElseThrow()) {
            assertInstanceOf(OpenAiProvider.class, provider);
            assertEquals("openai", provider.name());
            assertEquals("gpt-test", provider.model());
        }
    }

    @Test
    void geminiWithNeitherKeyNorBaseUrlIsAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> LlmProviders.create(settings(Map.of("LLM_PROVIDER", "gemini"))));
        assertTrue(e.getMessage().contains("LLM_API_KEY"), e.getMessage());
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        assertEquals(Duration.ofSeconds(7), ProviderSupport.retryAfter("7", now));
        assertEquals(Duration.ofMillis(1500), ProviderSupport.retryAfter(" 1.5 ", now));
        assertEquals(Duration.ofSeconds(30), ProviderSupport.retryAfter("Tue, 01 Dec 2026 10:00:30 GMT", now));
        assertEquals(Duration.ZERO, ProviderSupport.retryAfter("Tue, 01 Dec 2026 09:59:00 GMT", now), "a date in the past");
        assertNull(ProviderSupport.retryAfter("soon", now));
        assertNull(ProviderSupport.retryAfter(null, now));
    }

    @Test
    void statusesMapToKinds() {
        assertEquals(LlmException.Kind.RATE_LIMITED, ProviderSupport.kindOf(429));
        assertEquals(LlmException.Kind.SERVER, ProviderSupport.kindOf(500));
        assertEquals(LlmException.Kind.SERVER, ProviderSupport.kindOf(503));
        assertEquals(LlmException.Kind.CLIENT, ProviderSupport.kindOf(400));
        assertEquals(LlmException.Kind.CLIENT, ProviderSupport.kindOf(404));
    }

    @Test
    void aMessageNeverHoldsTheKeyNorHalfOfIt() {
        LlmSettings.Secret key = new LlmSettings.Secret(KEY);
        // the key straddles the 200-character cut: scrubbed before the cut, no prefix of it survives
        String text = "y".repeat(190) + KEY + " and more";
        String m = ProviderSupport.httpMessage(400, "INVALID_ARGUMENT", text, key);
        assertFalse(m.contains(KEY.substring(0, 10)), m);
        assertTrue(m.startsWith("HTTP 400 INVALID_ARGUMENT: yyy"), m);
    }
}
