package dev.autoscaler.common.msg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One LLM call, as audited in the capped {@code llm} stream (field {@code json}). Never holds a key: error texts are
 * built by the provider from status codes and the server's error text.
 *
 * @param ts          when the call ended
 * @param target      the target it was asked about
 * @param provider    gemini or openai
 * @param model       the model asked
 * @param role        the target's LLM role then (advise or decide)
 * @param trigger     why it was asked: the state change (replicas 2 -> 3, load band, SLO breach started/ended) or
 *                    heartbeat
 * @param latencyMs   how long the call took
 * @param tokensIn    prompt tokens, when counted
 * @param tokensOut   answer tokens, when counted
 * @param outcome     ok, timeout, 429, error or rejected; skipped: no call made, the budget turned the question down
 *                    (the reason says why)
 * @param reason      the error or the rejection, or null
 * @param advice      the parsed advice, when there was one
 * @param applied     the count applied because of it (decide role), or null
 * @param callsLeft   calls left in the provider's bucket after this one
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LlmCall(double ts, String target, String provider, String model, String role, String trigger, double latencyMs,
                      Integer tokensIn, Integer tokensOut, String outcome, String reason, Plan.Advice advice, Integer applied,
                      Long callsLeft) {
    public static final String STREAM_FIELD = "json";
}
