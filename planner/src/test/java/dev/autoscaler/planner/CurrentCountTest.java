package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class CurrentCountTest {
    private static final double LIMIT = 60;

    private static Gen<OptionalInt> desired() {
        return integers().between(-1, 20).map(d -> d < 0 ? OptionalInt.empty() : OptionalInt.of(d));
    }

    @Test
    void anEmptyRegistryIsUnknownUntilTheHoldRunsOutUnlessTheFleetWasScaledToZero() {
        qt().withExamples(10_000).forAll(booleans().all(), desired(), integers().between(0, 20), doubles().between(0, 120))
                .checkAssert((enforce, desired, windowReady, unknownFor) -> {
                    CurrentCount c = CurrentCount.resolve(enforce, desired, false, 0, windowReady, unknownFor, LIMIT);
                    boolean scaledToZero = desired.isPresent() && desired.getAsInt() == 0;
                    assertEquals(scaledToZero || unknownFor >= LIMIT, c.known(), c.toString());
                    if (c.known()) assertEquals(enforce ? desired.orElse(0) : 0, c.replicas());
                    else assertTrue(c.unknownReason().contains("registry is empty"));
                });
    }

    @Test
    void aWindowThatSawNoneWhileTheRegistryHasSomeIsUnknownElseTheCountIsDesiredOrWhatIsReady() {
        qt().withExamples(10_000).forAll(booleans().all(), desired(), integers().between(0, 20), integers().between(0, 20))
                .checkAssert((enforce, desired, registryReady, windowReady) -> {
                    CurrentCount c = CurrentCount.resolve(enforce, desired, true, registryReady, windowReady, 0, LIMIT);
                    if (windowReady == 0 && registryReady > 0) {
                        assertFalse(c.known(), c.toString());
                    } else {
                        assertEquals(enforce ? desired.orElse(registryReady) : windowReady, c.replicas());
                    }
                });
    }
}
