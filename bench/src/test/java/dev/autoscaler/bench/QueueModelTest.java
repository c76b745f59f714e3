package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.sim.QueueModel;
import org.junit.jupiter.api.Test;

class QueueModelTest {
    @Test
    void erlangCMatchesTextbookValues() {
        // c = 2, a = 1 Erlang: 1/3; c = 1: P(wait) = rho; c = 5, a = 4: 0.5541 (standard Erlang C table)
        assertEquals(1.0 / 3, QueueModel.erlangC(2, 1), 1e-12);
        assertEquals(0.6, QueueModel.erlangC(1, 0.6), 1e-12);
        assertEquals(0.5541, QueueModel.erlangC(5, 4), 1e-4);
    }

    @Test
    void mm1ResponseTimeIsExponentialWithRateMuMinusLambda() {
        QueueModel m = new QueueModel(1, 100); // mu = 10 per second
        // T ~ Exp(mu - lambda): p95 = ln(20) / (mu - lambda)
        assertEquals(1000 * Math.log(20) / (10 - 6), m.p95Ms(6), 1e-6);
        assertEquals(1000 * Math.log(20) / 10, m.p95Ms(0), 1e-6);
    }

    @Test
    void p95GrowsWithLoadAndIsInfiniteWhenUnstable() {
        QueueModel m = new QueueModel(4, 20);
        assertEquals(200, m.capacityRps(), 1e-9);
        double last = 0;
        for (double rho = 0.1; rho < 0.99; rho += 0.1) {
            double p = m.p95Ms(rho * 200);
            assertTrue(p > last, "rho " + rho);
            last = p;
        }
        assertTrue(Double.isInfinite(m.p95Ms(200)));
    }

    @Test
    void theHighestRateWithinAnSloMeetsItExactly() {
        QueueModel m = new QueueModel(4, 20);
        double r = m.maxRpsWithin(100);
        assertEquals(100, m.p95Ms(r), 0.01);
        assertTrue(m.p95Ms(r * 1.01) > 100);
        assertEquals(0, m.maxRpsWithin(10), "an SLO below the bare service p95 cannot be met");
    }
}
