package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every message type on its channel, through the gate, 10,000 generated messages per type and case: valid ones reach the
 * handler; every one a breaker broke is counted and dropped, and the valid one after it is handled; random bytes and
 * random JSON never raise, and each is either handled or counted (nothing is lost unaccounted).
 */
class MessageGatePropertiesTest {
    static final int EXAMPLES = 10_000;

    /** A gate with one lane per channel, handling on the caller's thread so each offer is checked at once. */
    static final class Harness {
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final MessageGate gate = new MessageGate(new BusSettings(MessageGen.CAP, 10, 120), meters);
        final List<Object> handled = new ArrayList<>();

        Harness() {
            for (MessageGen.Kind<?> k : MessageGen.KINDS) register(k);
        }

        private <T> void register(MessageGen.Kind<T> k) {
            gate.register(k.channel(), k.type(), null, handled::add, Runnable::run);
        }

        double dropped(String channel) {
            return meters.find("autoscaler_messages_dropped").tag("channel", channel).counters().stream()
                    .mapToDouble(Counter::count).sum();
        }

        double received(String channel) {
            return meters.counter("autoscaler_messages_received", "channel", channel).count();
        }
    }

    @Test
    void validMessagesOfEveryTypeReachTheirHandler() {
        Harness h = new Harness();
        for (MessageGen.Kind<?> k : MessageGen.KINDS) {
            qt().withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
                Random r = new Random(seed);
                ObjectNode m = k.valid().apply(r);
                // unknown fields, nested deep but within the parser's limit, are skipped
                if (r.nextInt(10) == 0) MessageGen.junk(m, 1 + r.nextInt(900));
                int before = h.handled.size();
                h.gate.offer(k.channel(), m.toString());
                assertEquals(before + 1, h.handled.size(), () -> k.channel() + " dropped a valid message: " + m);
                Object got = h.handled.get(before);
                assertSame(k.type(), got.getClass());
                assertEquals(expectedTarget(m), target(got), m::toString);
            });
            assertEquals(0, h.dropped(k.channel()), k.channel());
        }
    }

    @Test
    void everyBrokenMessageIsCountedAndDroppedAndTheNextGoodOneIsHandled() {
        Harness h = new Harness();
        for (MessageGen.Kind<?> k : MessageGen.KINDS) {
            int breakers = k.breakers().size();
            qt().withExamples(EXAMPLES).forAll(longs().all(), integers().between(0, breakers - 1)).checkAssert((seed, b) -> {
                Random r = new Random(seed);
                ObjectNode bad = k.valid().apply(r);
                MessageGen.Breaker breaker = k.breakers().get(b);
                breaker.apply().accept(bad, r);
                int before = h.handled.size();
                double dropped = h.dropped(k.channel());
                h.gate.offer(k.channel(), bad.toString());
                assertEquals(before, h.handled.size(), () -> k.channel() + ", " + breaker + ": handled " + cut(bad.toString()));
                assertEquals(dropped + 1, h.dropped(k.channel()), () -> k.channel() + ", " + breaker + ": not counted");
                ObjectNode good = k.valid().apply(r);
                h.gate.offer(k.channel(), good.toString());
                assertEquals(before + 1, h.handled.size(), () -> k.channel() + ": the good message after " + breaker + " was lost");
                assertEquals(expectedTarget(good), target(h.handled.get(before)));
            });
        }
    }

    @Test
    void noiseNeverRaisesAndEveryMessageIsHandledOrCounted() {
        Harness h = new Harness();
        for (MessageGen.Kind<?> k : MessageGen.KINDS) {
            qt().withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
                Random r = new Random(seed);
                String noise = MessageGen.noise(r, k.valid().apply(r));
                h.gate.offer(k.channel(), noise); // throws nothing: a throw here fails the property
                ObjectNode good = k.valid().apply(r);
                int before = h.handled.size();
                h.gate.offer(k.channel(), good.toString());
                assertEquals(before + 1, h.handled.size(), () -> k.channel() + ": the good message after noise was lost");
            });
            assertEquals(h.received(k.channel()), h.dropped(k.channel()) + handledOn(h, k.type()),
                    k.channel() + ": every message received is either handled or counted as dropped");
        }
    }

    private static long handledOn(Harness h, Class<?> type) {
        return h.handled.stream().filter(type::isInstance).count();
    }

    /** The target a valid message names: its own, else its decision's, else the default. */
    private static String expectedTarget(ObjectNode m) {
        if (m.hasNonNull("target") && !m.get("target").asText().isBlank()) return m.get("target").asText();
        if (m.has("decision")) return m.get("decision").get("target").asText();
        return "app";
    }

    private static String target(Object msg) {
        return switch (msg) {
            case LatencyMetrics m -> m.target();
            case Plan p -> p.target();
            case ExecResult r -> r.target();
            case ReplicaSet s -> s.target();
            case Upstreams u -> u.target();
            default -> throw new AssertionError("unexpected " + Json.write(msg));
        };
    }

    private static String cut(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
