package dev.autoscaler.planner.llm;

import java.util.Optional;

/** The provider LLM_PROVIDER names, built from the settings. */
public final class LlmProviders {
    private LlmProviders() {}

    /**
     * Empty for provider none (the policy decides alone); else a GeminiProvider or an OpenAiProvider, which the
     * caller closes.
     *
     * @throws dev.autoscaler.common.config.ConfigException when the settings cannot make a working client (gemini
     *                                                      with neither a key nor a base URL)
     */
    public static Optional<LlmProvider> create(LlmSettings s) {
        return switch (s.provider()) {
            case LlmSettings.NONE -> Optional.empty();
            case LlmSettings.GEMINI -> Optional.of(new GeminiProvider(s));
            case LlmSettings.OPENAI -> Optional.of(new OpenAiProvider(s));
            default -> throw new IllegalArgumentException("unknown LLM provider " + s.provider() + ": expected none, gemini or openai");
        };
    }
}
