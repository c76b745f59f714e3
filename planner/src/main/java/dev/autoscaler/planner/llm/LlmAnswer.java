package dev.autoscaler.planner.llm;

/**
 * What came back, before it is parsed.
 *
 * @param text         the answer's text (the first candidate's text parts, or the first choice's content); null or
 *                     empty when the model gave none
 * @param finishReason as the server said it: Gemini's STOP, MAX_TOKENS, SAFETY, ...; OpenAI's stop, length,
 *                     content_filter, ...; null when absent
 * @param blocked      the prompt or the answer was blocked (Gemini's promptFeedback.blockReason, a SAFETY finish, or
 *                     an OpenAI refusal / content_filter)
 * @param tokensIn     prompt tokens, when the server counted them
 * @param tokensOut    answer tokens, when the server counted them
 */
public record LlmAnswer(String text, String finishReason, boolean blocked, Integer tokensIn, Integer tokensOut) {

    /** The answer was cut off by the output-token limit (Gemini MAX_TOKENS, OpenAI length). */
    public boolean truncated() {
        return "MAX_TOKENS".equalsIgnoreCase(finishReason) || "length".equalsIgnoreCase(finishReason);
    }
}
