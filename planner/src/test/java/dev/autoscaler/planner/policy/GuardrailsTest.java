package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.autoscaler.planner.policy.Guardrails.Memory;
import dev.autoscaler.planner.policy.Guardrails.Proposal;
import dev.autoscaler.planner.policy.Guardrails.Settings;
import dev.autoscaler.planner.policy.Guardrails.Situation;
import dev.autoscaler.planner.policy.PolicyState.Recommendation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Stage 5 alone: each guardrail as a table of (memory, proposal, situation) to (replicas, the rule that had a say). */
class GuardrailsTest {
    static final double NOW = 10_000;

    /** MIN 1, MAX 10, no up-cooldown, down-cooldown 20 s, steps 10 up and 4 or 50 % down, stabilisation 30 s. */
    static final Settings DEFAULTS = PolicyConfig.defaults().guardrails();

    /** Nothing scaled for an hour, no needs remembered. */
    static final Memory QUIET = new Memory(NOW - 3600, NOW - 3600, List.of());

    static Settings settings(int min, int max, double upCooldown, double downCooldown, int stepUp, int stepDown, double pct,
                             double stabilisation) {
        return new Settings(min, max, upCooldown, downCooldown, stepUp, stepDown, pct, stabilisation);
    }

    static Settings bounds(int min, int max) {
        return DEFAULTS.withBounds(min, max);
    }

    static Memory needs(Recommendation... needs) {
        return new Memory(NOW - 3600, NOW - 3600, List.of(needs));
    }

    static Recommendation need(double secondsAgo, int replicas) {
        return new Recommendation(NOW - secondsAgo, replicas);
    }

    static Proposal asks(int replicas) {
        return new Proposal(replicas, replicas, false);
    }

    static Situation at(int current) {
        return new Situation(current, current, false, NOW);
    }

    static Situation slowAt(int current) {
        return new Situation(current, current, true, NOW);
    }

    /**
     * @param limit a fragment of the rule's text, or null when the proposal must pass unchanged and unexplained
     */
    record Row(String name, Settings s, Memory m, Proposal p, Situation at, int replicas, String limit) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                // bounds
                new Row("below MIN_REPLICAS: the bound, whatever was proposed", bounds(2, 10), QUIET, asks(1), at(1), 2, "below MIN_REPLICAS 2"),
                new Row("below MIN_REPLICAS, asked for more: still the bound", bounds(2, 10), QUIET, asks(7), at(0), 2, "below MIN_REPLICAS 2"),
                new Row("above MAX_REPLICAS: the bound, whatever was proposed", bounds(1, 6), QUIET, asks(3), at(8), 6, "above MAX_REPLICAS 6"),
                new Row("above MAX_REPLICAS and slow: still the bound", bounds(1, 6), QUIET, asks(9), slowAt(8), 6, "above MAX_REPLICAS 6"),
                new Row("a proposal above MAX_REPLICAS is capped", bounds(1, 10), QUIET, asks(14), at(8), 10, "capped at MAX_REPLICAS 10"),
                new Row("a proposal below MIN_REPLICAS goes to the bound", bounds(2, 10), QUIET, asks(0), at(3), 2, null),
                new Row("within bounds, unchanged: nothing to say", DEFAULTS, QUIET, asks(4), at(4), 4, null),
                // up
                new Row("up within the step passes", DEFAULTS, QUIET, asks(9), at(2), 9, null),
                new Row("MAX_STEP_UP cuts a large step", settings(1, 40, 0, 20, 3, 4, 50, 30), QUIET, asks(20), at(2), 5, "MAX_STEP_UP 3"),
                new Row("up-cooldown holds a scale-up", settings(1, 10, 60, 20, 10, 4, 50, 30), new Memory(NOW - 10, NOW - 3600, List.of()),
                        asks(5), at(2), 2, "up-cooldown: 50 s left"),
                new Row("an urgent (panic) proposal bypasses the up-cooldown", settings(1, 10, 60, 20, 10, 4, 50, 30),
                        new Memory(NOW - 10, NOW - 3600, List.of()), new Proposal(5, 5, true), slowAt(2), 5, "panic: cooldown bypassed"),
                new Row("... and is still cut by MAX_STEP_UP", settings(1, 10, 60, 20, 2, 4, 50, 30), new Memory(NOW - 10, NOW - 3600, List.of()),
                        new Proposal(5, 5, true), slowAt(2), 4, "MAX_STEP_UP 2; panic: cooldown bypassed"),
                new Row("an urgent proposal outside the cooldown needs no bypass", settings(1, 10, 60, 20, 10, 4, 50, 30), QUIET,
                        new Proposal(5, 5, true), slowAt(2), 5, null),
                new Row("the up-cooldown over: up", settings(1, 10, 60, 20, 10, 4, 50, 30), new Memory(NOW - 61, NOW - 3600, List.of()),
                        asks(5), at(2), 5, null),
                new Row("the down-cooldown does not hold a scale-up", DEFAULTS, new Memory(NOW - 3600, NOW - 1, List.of()), asks(5), at(2), 5, null),
                // down: cooldown
                new Row("down-cooldown after a scale-up", DEFAULTS, new Memory(NOW - 5, NOW - 3600, List.of()), asks(6), at(8), 8,
                        "down-cooldown: 15 s left"),
                new Row("down-cooldown after a scale-down", DEFAULTS, new Memory(NOW - 3600, NOW - 12, List.of()), asks(6), at(8), 8,
                        "down-cooldown: 8 s left"),
                new Row("the down-cooldown over: down", DEFAULTS, new Memory(NOW - 3600, NOW - 20, List.of()), asks(6), at(8), 6, null),
                // down: stabilisation
                new Row("a need in the window holds the count", DEFAULTS, needs(need(10, 8)), asks(6), at(8), 8, "held: a need of 8 in the last 30 s"),
                new Row("a need older than the window is forgotten", DEFAULTS, needs(need(31, 8)), asks(6), at(8), 6, null),
                new Row("down to the highest need of the window", DEFAULTS, needs(need(25, 7), need(20, 5), need(3, 6)), asks(5), at(8), 7, null),
                new Row("the highest need counts even if it is the oldest", DEFAULTS, needs(need(29, 9), need(3, 6)), asks(4), at(10), 9, null),
                new Row("this window's own need is remembered too", DEFAULTS, QUIET, new Proposal(5, 7, false), at(8), 7, null),
                new Row("starting replicas are not held: cancelled down to the ready ones", DEFAULTS, needs(need(5, 10)), asks(5),
                        new Situation(10, 8, false, NOW), 8, null),
                new Row("starting replicas are not held: down to the proposal when more are ready", DEFAULTS, needs(need(5, 10)), asks(6),
                        new Situation(10, 4, false, NOW), 6, null),
                new Row("the same replicas all ready are held", DEFAULTS, needs(need(5, 10)), asks(6), at(10), 10, "held: a need of 10 in the last 30 s"),
                // down: step
                new Row("MAX_STEP_DOWN_PERCENT removes half when that is more than MAX_STEP_DOWN", bounds(1, 40), QUIET, asks(1), at(30), 15, null),
                new Row("half, rounded to keep the fewer (15 to 7)", bounds(1, 40), QUIET, asks(1), at(15), 7, null),
                new Row("MAX_STEP_DOWN when that removes more than the percentage (6 to 2, not 3)", DEFAULTS, QUIET, asks(1), at(6), 2, null),
                new Row("MAX_STEP_DOWN_PERCENT 0: MAX_STEP_DOWN alone", settings(1, 40, 0, 20, 10, 4, 0, 30), QUIET, asks(1), at(30), 26, null),
                new Row("MAX_STEP_DOWN 1 and no percentage: one at a time", settings(1, 40, 0, 20, 10, 1, 0, 30), QUIET, asks(1), at(30), 29, null),
                new Row("a step within both limits passes", DEFAULTS, QUIET, asks(6), at(8), 6, null),
                // down: slow
                new Row("no scale-down while slow", DEFAULTS, QUIET, asks(5), slowAt(8), 8, "no scale-down while slow"),
                new Row("no scale-down while slow, whatever the cooldowns say", DEFAULTS, needs(need(40, 1)), asks(1), slowAt(8), 8,
                        "no scale-down while slow"),
                new Row("at MAX_REPLICAS while slow", bounds(1, 10), QUIET, asks(14), slowAt(10), 10, "at MAX_REPLICAS 10"),
                new Row("at MAX_REPLICAS and not slow: nothing to say", bounds(1, 10), QUIET, asks(14), at(10), 10, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachGuardrail(Row row) {
        Guardrails.Verdict v = new Guardrails(row.s()).judge(row.m(), row.p(), row.at());
        assertEquals(row.replicas(), v.replicas(), row.name() + ": " + v.limit());
        if (row.limit() == null) {
            assertNull(v.limit(), row.name());
        } else {
            assertTrue(v.limit() != null && v.limit().contains(row.limit()), row.name() + ": expected '" + row.limit() + "' in " + v.limit());
        }
        int n = row.at().current();
        boolean outside = n < row.s().minReplicas() || n > row.s().maxReplicas();
        assertEquals(outside, v.outOfBounds(), row.name());
        assertTrue(v.replicas() >= row.s().minReplicas() && v.replicas() <= row.s().maxReplicas(), "always within the bounds: " + row.name());
    }

    @Test
    void theMemoryRecordsWhenTheCountWentUpAndDown() {
        Guardrails g = new Guardrails(DEFAULTS);
        Memory m = QUIET;
        Guardrails.Verdict up = g.judge(m, asks(5), at(2));
        assertEquals(5, up.replicas());
        assertEquals(NOW, up.memory().lastScaleUpTs());
        assertEquals(QUIET.lastScaleDownTs(), up.memory().lastScaleDownTs(), "a scale-up is not a scale-down");
        assertEquals(0, up.memory().sinceLastScale(NOW));

        Guardrails.Verdict down = g.judge(QUIET, asks(3), at(5));
        assertEquals(3, down.replicas());
        assertEquals(NOW, down.memory().lastScaleDownTs());
        assertEquals(QUIET.lastScaleUpTs(), down.memory().lastScaleUpTs());

        Guardrails.Verdict held = g.judge(up.memory(), asks(3), new Situation(5, 5, false, NOW + 3));
        assertEquals(5, held.replicas(), held.limit());
        assertEquals(NOW, held.memory().lastScaleUpTs(), "a held proposal changes no scale time");
        assertEquals(QUIET.lastScaleDownTs(), held.memory().lastScaleDownTs());

        Guardrails.Verdict initial = g.judge(Memory.initial(), asks(3), at(5));
        assertEquals(3, initial.replicas(), "a target never scaled has no cooldown: " + initial.limit());
    }

    @Test
    void theMemoryRecordsEachNeedBoundedAndForgetsThoseOutsideTheWindow() {
        Guardrails g = new Guardrails(bounds(2, 10));
        Memory m = needs(need(40, 9), need(20, 8));
        Guardrails.Verdict v = g.judge(m, new Proposal(4, 12, false), at(4));
        assertEquals(List.of(need(20, 8), new Recommendation(NOW, 10)), v.memory().needs(),
                "the need of 40 s ago is outside the 30 s window; this one's is clamped to MAX_REPLICAS");
        Guardrails.Verdict low = g.judge(Memory.initial(), new Proposal(4, 0, false), at(4));
        assertEquals(List.of(new Recommendation(NOW, 2)), low.memory().needs(), "clamped to MIN_REPLICAS");

        // a run of windows: each remembers its need, and a scale-down waits for the highest of them to leave the window
        Guardrails d = new Guardrails(DEFAULTS);
        Memory mem = QUIET;
        int n = 8;
        double t = NOW;
        mem = d.judge(mem, new Proposal(8, 8, false), new Situation(n, n, false, t)).memory();
        for (int i = 1; i <= 12; i++) {
            Guardrails.Verdict w = d.judge(mem, new Proposal(6, 6, false), new Situation(n, n, false, t + 3 * i));
            mem = w.memory();
            if (3 * i < 30) {
                assertEquals(8, w.replicas(), "held at " + 3 * i + " s: " + w.limit());
            } else {
                assertEquals(6, w.replicas(), "down once the need of 8 is 30 s old: " + 3 * i + " s, " + w.limit());
                assertEquals(t + 3 * i, w.memory().lastScaleDownTs());
                break;
            }
        }
        assertFalse(mem.needs().stream().anyMatch(r -> r.replicas() == 8), "the need of 8 has left the window: " + mem.needs());
    }

    /** Advice (a firm proposal) asking {@code replicas} with the load needing {@code need}. */
    static Proposal advises(int replicas, int need) {
        return new Proposal(replicas, need, false, true);
    }

    @Test
    void adviceAboveTheNeedIsCutToOneReplicaOrAQuarterMore() {
        Guardrails g = new Guardrails(bounds(1, 100));
        Guardrails.Verdict small = g.judge(QUIET, advises(9, 3), at(3));
        assertEquals(4, small.replicas(), small.limit());
        assertEquals("advice cut to 4: at most 1 above the 3 the load needs", small.limit());
        Guardrails.Verdict large = g.judge(QUIET, advises(60, 20), at(20));
        assertEquals(25, large.replicas(), "a quarter of 20 is more than one: " + large.limit());
        Guardrails.Verdict within = g.judge(QUIET, advises(25, 20), at(20));
        assertEquals(25, within.replicas());
        assertNull(within.limit(), "within the extra: nothing to say");
        Guardrails.Verdict policy = g.judge(QUIET, new Proposal(60, 20, false), at(20));
        assertEquals(30, policy.replicas(), "the policy's own proposal meets only MAX_STEP_UP 10: " + policy.limit());
    }

    @Test
    void adviceHoldingTheCountAboveTheExtraIsCutDownUnderTheDownRules() {
        Guardrails g = new Guardrails(bounds(1, 100));
        Guardrails.Verdict down = g.judge(QUIET, advises(20, 4), at(12));
        assertEquals(6, down.replicas(), "to 5 at most, but one step down halves 12 at most: " + down.limit());
        assertTrue(down.limit().startsWith("advice cut to 5"), down.limit());
        Guardrails.Verdict slow = g.judge(QUIET, advises(12, 4), slowAt(12));
        assertEquals(12, slow.replicas());
        assertEquals("advice cut to 5: at most 1 above the 4 the load needs; no scale-down while slow", slow.limit());
        Guardrails.Verdict cooling = g.judge(new Memory(NOW - 5, NOW - 3600, List.of()), advises(12, 4), at(12));
        assertEquals(12, cooling.replicas(), cooling.limit());
        assertTrue(cooling.limit().endsWith("down-cooldown: 15 s left"), cooling.limit());
    }

    @Test
    void theExtraIsASetting() {
        Guardrails none = new Guardrails(PolicyHarness.config("MAX_REPLICAS", "100", "ADVICE_MAX_EXTRA_REPLICAS", "0",
                "ADVICE_MAX_EXTRA_FRACTION", "0").guardrails());
        assertEquals(3, none.judge(QUIET, advises(9, 3), at(3)).replicas(), "no extra: advice cannot raise the count above the need");
        Guardrails off = new Guardrails(PolicyHarness.config("MAX_REPLICAS", "100", "ADVICE_MAX_EXTRA_REPLICAS", "10000").guardrails());
        Guardrails.Verdict v = off.judge(QUIET, advises(9, 3), at(3));
        assertEquals(9, v.replicas());
        assertNull(v.limit(), "the bound off: the advice as before");
        assertEquals(3, none.judge(QUIET, advises(9, 3), at(3)).memory().needs().get(0).replicas(), "the need remembered is the policy's");
    }

    @Test
    void adviceHeldWindowAfterWindowAddsItsExtraOnceWhereTheNeedFollowsTheCount() {
        // with no rate learned the policy's need is the count it has: without the base, +1 every window up to the advice
        Guardrails g = new Guardrails(bounds(1, 100));
        Memory m = QUIET;
        int n = 6;
        for (int i = 0; i < 20; i++) {
            Guardrails.Verdict v = g.judge(m, advises(30, n), new Situation(n, n, false, NOW + 3 * i));
            m = v.memory();
            n = v.replicas();
        }
        assertEquals(7, n, "one above the 6 it found");
        assertEquals(6, m.adviceBase());
        assertEquals("advice cut to 7: at most 1 above the 6 it found (the load needs 7)",
                g.judge(m, advises(30, 7), new Situation(7, 7, false, NOW + 60)).limit());
        // the policy holding the count keeps the base; its own scale-up, or the count back at the base, clears it
        Guardrails.Verdict holds = g.judge(m, asks(7), new Situation(7, 7, false, NOW + 63));
        assertEquals(6, holds.memory().adviceBase());
        assertNull(g.judge(m, asks(9), new Situation(7, 7, false, NOW + 63)).memory().adviceBase(), "the policy scaled up");
        assertNull(g.judge(m, asks(6), new Situation(7, 7, false, NOW + 90)).memory().adviceBase(), "down at the base");
        assertNull(g.manual(m, 12, new Situation(7, 7, false, NOW + 90)).memory().adviceBase(), "an operator's count");
        // a need that fell below the base is what the extra is counted from
        Guardrails.Verdict lower = g.judge(m, advises(30, 3), new Situation(7, 7, false, NOW + 120));
        assertEquals(4, lower.replicas(), lower.limit());
        assertEquals(3, lower.memory().adviceBase(), "the base follows the need down");
    }

    /**
     * Whatever the advice, the need, the count and the window: a count raised by advice is at most the need plus one
     * replica or a quarter of it, and advice within that extra is judged exactly as before the bound existed.
     */
    @Test
    void adviceNeverRaisesTheCountBeyondTheExtra() {
        Guardrails bounded = new Guardrails(bounds(0, 400));
        Guardrails unbounded = new Guardrails(PolicyHarness.config("MIN_REPLICAS", "0", "MAX_REPLICAS", "400",
                "ADVICE_MAX_EXTRA_REPLICAS", "10000").guardrails());
        qt().withExamples(10_000).forAll(integers().between(0, 400), integers().between(0, 400), integers().between(0, 400),
                booleans().all()).check((advised, need, current, slow) -> {
            Situation at = new Situation(current, current, slow, NOW);
            Guardrails.Verdict v = bounded.judge(QUIET, advises(advised, need), at);
            int most = Math.max(need + 1, need + need / 4);
            boolean raisedBeyond = v.replicas() > current && v.replicas() > most;
            int base = Math.min(need, current);
            boolean within = advised <= Math.max(base + Math.max(1, base / 4), need);
            return !raisedBeyond && (!within || v.replicas() == unbounded.judge(QUIET, advises(advised, need), at).replicas());
        });
    }
}
