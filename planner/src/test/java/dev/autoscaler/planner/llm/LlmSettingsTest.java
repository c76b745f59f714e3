package dev.autoscaler.planner.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which provider the environment chooses, the proof of concept's LLM_URL, and a key that never prints. */
class LlmSettingsTest {
    static LlmSettings of(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return LlmSettings.from(new Env(m));
    }

    @Test
    void noKeyMeansNoneAndAKeyAloneMeansGeminiAsInTheProofOfConcept() {
        assertEquals("none", of().provider());
        assertEquals("none (set LLM_API_KEY, or LLM_BASE_URL for a local server, to add an advisor; the policy decides alone)", of().describe());
        assertEquals("gemini gemini-2.5-flash (advise)", of("LLM_API_KEY", "k").describe());
        assertEquals("gemini", of("GEMINI_API_KEY", "k").provider());
        LlmSettings groq = of("LLM_PROVIDER", "openai", "OPENAI_API_KEY", "k");
        assertEquals("openai llama-3.1-8b-instant (advise)", groq.describe());
        assertEquals(LlmSettings.DEFAULT_OPENAI_BASE, groq.baseUrl());
        assertEquals(0.3, groq.temperature());
    }

    @Test
    void theKeyMayComeFromAFileAsSecretsGiveIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("llm-key"), "FILE-KEY-7\n");
        assertEquals("FILE-KEY-7", of("LLM_API_KEY_FILE", f.toString()).apiKey().value(), "one trailing newline dropped");
        var both = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> of("LLM_API_KEY", "k", "LLM_API_KEY_FILE", f.toString()));
        assertTrue(both.getMessage().contains("LLM_API_KEY_FILE"), both.getMessage());
        var missing = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> of("LLM_API_KEY_FILE", dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    }

    @Test
    void aKeyIsNeverSentOverPlainHttpToAnotherHostUnlessAllowed() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> of("LLM_API_KEY", "SECRET-3", "LLM_BASE_URL", "http://llm.example.com:8080"));
        assertTrue(e.getMessage().startsWith("LLM_BASE_URL is plain http to llm.example.com"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET-3"), e.getMessage());
        assertEquals("http://llm.example.com:8080",
                of("LLM_API_KEY", "k", "LLM_BASE_URL", "http://llm.example.com:8080", "LLM_ALLOW_PLAIN_HTTP", "true").baseUrl());
        // a local model server, and https anywhere, need nothing
        assertEquals("http://127.0.0.1:9999", of("LLM_API_KEY", "k", "LLM_BASE_URL", "http://127.0.0.1:9999").baseUrl());
        assertEquals("http://localhost:9999", of("LLM_API_KEY", "k", "LLM_BASE_URL", "http://localhost:9999").baseUrl());
        assertEquals("https://llm.example.com", of("LLM_API_KEY", "k", "LLM_BASE_URL", "https://llm.example.com").baseUrl());
    }

    @Test
    void thePocsLlmUrlIsSplitIntoBaseVersionModelAndKey() {
        LlmSettings s = of("LLM_URL", "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key=SECRET-9");
        assertEquals("gemini", s.provider());
        assertEquals("https://generativelanguage.googleapis.com", s.baseUrl());
        assertEquals("v1beta", s.apiVersion());
        assertEquals("gemini-1.5-flash", s.model());
        assertEquals("SECRET-9", s.apiKey().value());
        assertFalse(s.toString().contains("SECRET-9"), s.toString());
        assertTrue(s.toString().contains("key ***"), s.toString());
    }

    @Test
    void aBadUrlStopsTheServiceWithoutRepeatingIt() {
        var e = assertThrows(ConfigException.class, () -> of("LLM_BASE_URL", "ftp://x?key=SECRET-9"));
        assertEquals("invalid LLM_BASE_URL: expected an absolute http:// or https:// URL without a query", e.getMessage());
        var u = assertThrows(ConfigException.class, () -> of("LLM_URL", "https://host/generate?key=SECRET-9"));
        assertFalse(u.getMessage().contains("SECRET-9"), u.getMessage());
        var p = assertThrows(ConfigException.class, () -> of("LLM_PROVIDER", "claude"));
        assertTrue(p.getMessage().startsWith("invalid LLM_PROVIDER"), p.getMessage());
    }
}
