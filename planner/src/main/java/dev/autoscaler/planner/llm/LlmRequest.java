package dev.autoscaler.planner.llm;

import java.time.Duration;
import java.util.Map;

/**
 * What is sent: the system instruction, the user message (the compact telemetry JSON), the sampling settings, the
 * JSON schema the answer must follow (as a JSON-Schema map: type object, properties, required) and the call's hard
 * timeout.
 */
public record LlmRequest(String systemInstruction, String userMessage, double temperature, int maxOutputTokens,
                         Map<String, Object> answerSchema, Duration timeout) {}
