package dev.autoscaler.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BreachRateTest {
    static final double WIN = 3;
    /** BREACH_FORGET_SEC as the default. */
    static final double FORGET = PolicyConfig.defaults().rates().breachForgetSec();

    /** A window on {@code ready} stable replicas, neither saturated nor draining (served = arrivals). */
    static Window window(double rps, int ready) {
        return new Window(0, 50, rps, rps, 1.0, 100, ready, ready);
    }

    static BreachRate breach(BreachRate prev, double rps, int ready, boolean lastSlow) {
        return BreachRate.learn(prev, window(rps, ready), true, false, ready, lastSlow, WIN, FORGET);
    }

    static BreachRate healthy(BreachRate prev, double rps, int ready) {
        return BreachRate.learn(prev, window(rps, ready), false, false, ready, false, WIN, FORGET);
    }

    @Test
    void theFirstBreachSetsTheRateAndOnlyABreachDoes() {
        assertNull(healthy(null, 300, 2), "healthy windows teach no breach rate");
        assertNull(BreachRate.learn(null, new Window(0, 500, 400, 300, 1.0, 100, 2, 2), true, false, 2, false, WIN, FORGET),
                "a saturated window (demand above completions) is capacity, not the breach rate");
        assertNull(BreachRate.learn(null, window(300, 3), true, false, 2, false, WIN, FORGET), "the fleet changed during the window");
        assertNull(BreachRate.learn(null, window(300, 2), true, true, 2, false, WIN, FORGET), "errors say nothing about latency");
        BreachRate b = breach(null, 320, 2, false);
        assertEquals(160, b.rate(), 1e-9);
        assertEquals(160, b.ceiling(), 1e-9);
    }

    @Test
    void anIsolatedLowBreachLowersTheRateAtOnceAndIsForgivenWithinHours() {
        BreachRate b = breach(null, 320, 2, false);
        b = breach(b, 290, 2, false); // one noisy window at 145 per replica, healthy windows either side
        assertEquals(145, b.rate(), 1e-9, "lowered at once: the next burst must not meet a fleet planned above it");
        assertEquals(160, b.ceiling(), 1e-9);
        for (int i = 0; i < 1200; i++) b = healthy(b, 270, 2); // an hour of healthy windows below both rates
        assertEquals(145 + 15 * (1 - Math.exp(-1)), b.rate(), 0.05, "an hour forgives about 63 % of the lowering");
        for (int i = 0; i < 3 * 1200; i++) b = healthy(b, 270, 2);
        assertTrue(b.rate() > 159.7 && b.rate() <= 160, "four hours later it is back: " + b.rate());
    }

    @Test
    void aBreachRightAfterASlowWindowIsConfirmedAndNotForgiven() {
        BreachRate b = breach(null, 320, 2, false);
        b = breach(b, 290, 2, false);
        b = breach(b, 284, 2, true); // the run goes on: 142 per replica in the next window
        assertEquals(142, b.rate(), 1e-9);
        assertEquals(142, b.ceiling(), 1e-9, "confirmed: nothing left to forgive");
        for (int i = 0; i < 2400; i++) b = healthy(b, 260, 2);
        assertEquals(142, b.rate(), 1e-9);
    }

    @Test
    void aHealthyWindowAboveTheRateRaisesItAndItsCeiling() {
        BreachRate b = breach(null, 320, 2, false);
        b = healthy(b, 340, 2);
        assertEquals(170, b.rate(), 1e-9, "170 per replica held: the SLO does not break at 160");
        assertEquals(170, b.ceiling(), 1e-9);
        b = breach(b, 300, 2, false);
        assertEquals(150, b.rate(), 1e-9);
        assertEquals(170, b.ceiling(), 1e-9);
    }
}
