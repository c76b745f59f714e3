package dev.autoscaler.planner.advisor;

import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.planner.llm.LlmException;
import dev.autoscaler.planner.llm.LlmProvider;
import dev.autoscaler.planner.llm.LlmSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code llm} stream's entries, one per call (and one per question the budget turned down), each counted in
 * {@code autoscaler_llm_calls{outcome}} except the skipped ones, which were no call. What the advisor decided is said
 * here; when and whether to ask is {@link LlmAdvisor}'s. A key never leaves in a text: each passes {@link #redact}.
 */
final class AdviceAudit {
    private static final Logger log = LoggerFactory.getLogger(AdviceAudit.class);
    /** What a call can end as: judged ok or rejected, or failed as an LlmException says (timeout, 429, error). */
    private static final java.util.List<String> OUTCOMES = java.util.stream.Stream.concat(java.util.stream.Stream.of("ok", "rejected"),
            java.util.Arrays.stream(LlmException.Kind.values()).map(LlmException::outcome)).distinct().toList();

    private final LlmProvider provider;
    private final LlmSettings settings;
    private final Consumer<LlmCall> sink;
    private final MeterRegistry meters;
    private final DoubleSupplier clock;
    private final LongSupplier callsLeft;

    /** @param sink where entries go (the planner appends them to the {@code llm} stream); @param callsLeft the budget's */
    AdviceAudit(LlmProvider provider, LlmSettings settings, Consumer<LlmCall> sink, MeterRegistry meters, DoubleSupplier clock,
                LongSupplier callsLeft) {
        this.provider = provider;
        this.settings = settings;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.callsLeft = callsLeft;
        // every outcome from 0 at start, so that rate() sees the first failure (a series that appears at 1 has no rise)
        for (String outcome : OUTCOMES) calls(outcome);
    }

    /** The request could not be built: no call went out. */
    void notBuilt(String target, String trigger, String why) {
        record(entry(target, null, trigger, 0, null, null, "error", why, null, null, callsLeft.getAsLong()));
    }

    /** A due question the budget turned down: not a call, so not counted as one. */
    void skipped(String target, String trigger, String why) {
        write(entry(target, null, trigger, 0, null, null, "skipped", why, null, null, callsLeft.getAsLong()));
    }

    /** A call that failed ({@code outcome} 429, timeout, error ...), with when the next may go. */
    void failed(String target, String trigger, double ms, String outcome, String reason) {
        record(entry(target, null, trigger, ms, null, null, outcome, redact(reason), null, null, callsLeft.getAsLong()));
    }

    /** An answer that reads wrong or came too late, or held advice dropped before a window judged it. */
    void rejected(String target, String trigger, double ms, Integer tokensIn, Integer tokensOut, String reason, Plan.Advice advice,
                  long callsLeftThen) {
        record(entry(target, null, trigger, ms, tokensIn, tokensOut, "rejected", reason, advice, null, callsLeftThen));
    }

    /** The first window that judged an answer: ok (or rejected, with why) and what was applied because of it. */
    void judged(String target, String role, LlmAdvisor.Held h, boolean accepted, String rejection, Plan.Advice advice,
                Integer applied) {
        record(entry(target, role, h.trigger(), h.latencyMs(), h.tokensIn(), h.tokensOut(), accepted ? "ok" : "rejected", rejection,
                advice, applied, h.callsLeft()));
    }

    /** The last defence: a key never leaves in a text, whatever put it there. */
    String redact(String text) {
        String key = settings.apiKey().value();
        if (text == null || key == null || key.length() < 4) return text;
        return text.replace(key, "***");
    }

    private LlmCall entry(String target, String role, String trigger, double ms, Integer tokensIn, Integer tokensOut, String outcome,
                          String reason, Plan.Advice advice, Integer applied, long left) {
        return new LlmCall(clock.getAsDouble(), target, provider.name(), provider.model(), role, trigger, ms, tokensIn, tokensOut,
                outcome, reason, advice, applied, left);
    }

    private void record(LlmCall call) {
        calls(call.outcome()).increment();
        write(call);
    }

    private io.micrometer.core.instrument.Counter calls(String outcome) {
        return meters.counter("autoscaler_llm_calls", "provider", provider.name(), "outcome", outcome);
    }

    private void write(LlmCall call) {
        try {
            sink.accept(call);
        } catch (RuntimeException e) {
            log.warn("could not write the LLM audit entry: {}", e.toString());
        }
    }
}
