package dev.autoscaler.planner.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.Plan.Action;
import dev.autoscaler.planner.advisor.AdviceParser.Ok;
import dev.autoscaler.planner.advisor.AdviceParser.Rejected;
import dev.autoscaler.planner.llm.LlmAnswer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What real models send, each turned into advice or into the reason it is none; asked at 4 replicas. */
class AdviceParserTest {
    static AdviceParser.Parsed parse(String text) {
        return AdviceParser.parse(new LlmAnswer(text, "STOP", false, 10, 5), 4);
    }

    static Ok ok(String text) {
        return assertInstanceOf(Ok.class, parse(text), text);
    }

    static String rejected(AdviceParser.Parsed p) {
        return assertInstanceOf(Rejected.class, p, String.valueOf(p)).reason();
    }

    @Test
    void plainJsonIsAdvice() {
        Ok a = ok("{\"action\":\"scale_up\",\"target_replicas\":6,\"confidence\":0.8,\"reasoning\":\"p95 rising with load\"}");
        assertEquals(new Ok(Action.scale_up, 6, 0.8, "p95 rising with load"), a);
    }

    @Test
    void fencedJsonAndLeadingProseAreRead() {
        assertEquals(3, ok("```json\n{\"action\":\"scale_down\",\"target_replicas\":3,\"confidence\":0.7,\"reasoning\":\"idle\"}\n```").targetReplicas());
        assertEquals(5, ok("Sure! Here is my advice:\n{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":0.9,\"reasoning\":\"x\"} Hope it helps.")
                .targetReplicas());
    }

    @ParameterizedTest
    @CsvSource({"maintain", "at_max", "noop", "keep"})
    void bothDesignsWordsForKeepingAreNoop(String word) {
        Ok a = ok("{\"action\":\"" + word + "\",\"target_replicas\":9,\"confidence\":0.6,\"reasoning\":\"steady\"}");
        assertEquals(Action.noop, a.action());
        assertEquals(4, a.targetReplicas(), "a noop keeps the count it was asked about, whatever number came with it");
    }

    @Test
    void missingConfidenceMeansOneHalfAndThePocsReasonIsReasoning() {
        Ok a = ok("{\"action\":\"scale_up\",\"target_replicas\":5,\"reason\":\"the PoC's field\"}");
        assertEquals(0.5, a.confidence());
        assertEquals("the PoC's field", a.reasoning());
    }

    @Test
    void restartAndUnknownActionsAreRejectedWithTheirReason() {
        assertTrue(rejected(parse("{\"action\":\"restart\",\"target_replicas\":4}")).startsWith("action restart is not a scaling action"));
        assertEquals("unknown action 'explode' (scale_up, scale_down, noop)", rejected(parse("{\"action\":\"explode\",\"target_replicas\":4}")));
        assertEquals("no action in the answer", rejected(parse("{\"target_replicas\":4}")));
    }

    @Test
    void countsThatContradictTheActionOrAreNotCountsAreRejected() {
        assertEquals("scale_up to 4 is not above the 4 replicas it was asked about",
                rejected(parse("{\"action\":\"scale_up\",\"target_replicas\":4,\"confidence\":0.9}")));
        assertEquals("scale_down to 5 is not below the 4 replicas it was asked about",
                rejected(parse("{\"action\":\"scale_down\",\"target_replicas\":5,\"confidence\":0.9}")));
        assertEquals("target_replicas -2 is negative", rejected(parse("{\"action\":\"scale_down\",\"target_replicas\":-2}")));
        assertEquals("target_replicas \"six\" is not a whole number", rejected(parse("{\"action\":\"scale_up\",\"target_replicas\":\"six\"}")));
        assertEquals("target_replicas 5.5 is not a whole number", rejected(parse("{\"action\":\"scale_up\",\"target_replicas\":5.5}")));
        assertEquals(5, ok("{\"action\":\"scale_up\",\"target_replicas\":5.0}").targetReplicas());
        assertEquals("scale_up without target_replicas", rejected(parse("{\"action\":\"scale_up\",\"confidence\":0.9}")));
        assertEquals("confidence 1.7 is not a number in 0..1", rejected(parse("{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":1.7}")));
        assertEquals("confidence \"high\" is not a number in 0..1",
                rejected(parse("{\"action\":\"scale_up\",\"target_replicas\":5,\"confidence\":\"high\"}")));
    }

    @Test
    void proseTruncatedEmptyAndBlockedAnswersAreRejectedWithTheirReason() {
        assertEquals("no JSON object in the answer: 'I think you should add two replicas.'", rejected(parse("I think you should add two replicas.")));
        assertEquals("truncated answer (finish reason MAX_TOKENS)",
                rejected(AdviceParser.parse(new LlmAnswer("{\"action\":\"scale_up\",\"target_repl", "MAX_TOKENS", false, 10, 16), 4)));
        assertEquals("truncated answer (finish reason length)",
                rejected(AdviceParser.parse(new LlmAnswer("{\"action\":\"scale_up\",\"target_replicas\":5, \"reasoning\":\"a}", "length", false, 10, 16), 4)));
        assertTrue(rejected(parse("{\"action\": scale_up}")).startsWith("malformed JSON: "));
        assertEquals("empty answer (finish reason STOP)", rejected(parse("  ")));
        assertEquals("empty answer", rejected(AdviceParser.parse(new LlmAnswer(null, null, false, null, null), 4)));
        assertEquals("blocked by the provider's safety filter (finish reason SAFETY)",
                rejected(AdviceParser.parse(new LlmAnswer(null, "SAFETY", true, 10, 0), 4)));
        assertEquals("no JSON object in the answer: '``` [1,2] ```'", rejected(parse("```\n[1,2]\n```")));
    }

    @Test
    void longReasoningIsCut() {
        String r = ok("{\"action\":\"noop\",\"reasoning\":\"" + "x".repeat(1000) + "\"}").reasoning();
        assertEquals(AdviceParser.MAX_REASONING, r.length());
        assertTrue(r.endsWith("…"));
    }
}
