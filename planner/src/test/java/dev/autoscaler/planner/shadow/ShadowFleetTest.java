package dev.autoscaler.planner.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link ShadowFleet}'s bookkeeping on windows a real monitor may send: before a capacity, gaps, a clock that jumps. */
class ShadowFleetTest {
    @Test
    void nothingStartsBeforeACapacityIsKnown() {
        ShadowFleet f = new ShadowFleet(0.7);
        f.observe(100, 150, 2, null, 1, 10);
        assertNull(f.snapshot());
        f.observe(102, 150, 2, 100.0, 1, 10);
        assertEquals(2, f.snapshot().ours().replicas());
        assertEquals(102, f.snapshot().sinceTs());
    }

    @Test
    void aWindowFromAClockFarAheadDoesNotFreezeTheShadows() {
        ShadowFleet f = new ShadowFleet(0.7);
        double ts = 1000;
        f.observe(ts, 100, 2, 100.0, 1, 10);
        for (int i = 1; i <= 10; i++) f.observe(ts + 2 * i, 100, 2, 100.0, 1, 10);
        assertEquals(40, f.snapshot().ours().replicaS(), 1e-9, "20 s at 2");
        f.observe(ts + 100_000, 100, 2, 100.0, 1, 10); // a monitor whose clock jumped a day ahead
        double afterJump = f.snapshot().ours().replicaS();
        assertEquals(40 + 2 * 600, afterJump, 1e-9, "the gap is filled with its last 600 s only");
        for (int i = 11; i <= 20; i++) f.observe(ts + 2 * i, 100, 2, 100.0, 1, 10); // and back
        assertTrue(f.snapshot().ours().replicaS() > afterJump, "the shadows go on with the clock as it is: " + f.snapshot().ours());
    }
}
