package dev.autoscaler.planner.llm;

/**
 * One LLM endpoint behind the advisor: Gemini through the Google GenAI SDK (GeminiProvider) or any
 * OpenAI-compatible chat-completions server through openai-java (OpenAiProvider). A call blocks; the advisor
 * runs it off the decision path, under its own rate limit and backoff, so a provider never retries by itself.
 */
public interface LlmProvider extends AutoCloseable {

    /** "gemini" or "openai", as LLM_PROVIDER names it. */
    String name();

    /** The model asked. */
    String model();

    /**
     * Sends one request and returns the model's raw answer. Any failure is an {@link LlmException} whose message
     * carries no secret: no key, no URL with a key in it, no header.
     */
    LlmAnswer ask(LlmRequest request) throws LlmException;

    /**
     * Cancels the request {@code caller} is making in {@link #ask}, closing its connection; false when it is making none
     * yet (then the caller's interrupt keeps it from going out). The advisor calls it for a call past its hard timeout:
     * an interrupt alone does not always close a socket an HTTP client is blocked on.
     */
    default boolean abort(Thread caller) {
        return false;
    }

    @Override
    void close();
}
