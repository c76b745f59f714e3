package dev.autoscaler.planner.llm;

import java.util.Optional;

/** TEMPORARY until the providers land. */
public final class LlmProviders {
    public static Optional<LlmProvider> create(LlmSettings s) {
        return Optional.empty();
    }
}
