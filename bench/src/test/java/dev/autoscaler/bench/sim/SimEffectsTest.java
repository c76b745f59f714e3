package dev.autoscaler.bench.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.sim.BenchPolicy;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The simulator's warm-up, window noise and cold start. */
class SimEffectsTest {
    /** Asks for a scripted count every second and keeps what it saw of each past second. */
    static final class Scripted implements BenchPolicy {
        final IntUnaryOperator count;
        final double[] seenP95;
        final double[] seenServed;

        Scripted(int seconds, IntUnaryOperator count) {
            this.count = count;
            this.seenP95 = new double[seconds];
            this.seenServed = new double[seconds];
        }

        public String name() { return "scripted"; }

        public int tickSec() { return 1; }

        public int decide(SimView v) {
            int s = v.now() - 1;
            seenP95[s] = v.p95Ms(s);
            seenServed[s] = v.served(s);
            return count.applyAsInt(v.now());
        }
    }

    static double[] flat(int seconds, double rps) {
        double[] a = new double[seconds];
        Arrays.fill(a, rps);
        return a;
    }

    static SimConfig cfg(Warmup w, WindowNoise n) {
        return SimConfig.defaults().withWarmup(w, w).withNoise(n, WindowNoise.off());
    }

    @Test
    void aReplicaWarmsUpFromItsStartFractionToOne() {
        Warmup w = new Warmup(0.8, 4);
        assertEquals(0.8, w.speed(0), 1e-12);
        double last = 0;
        for (double age = 0; age < 60; age += 0.5) {
            assertTrue(w.speed(age) >= last, "age " + age);
            last = w.speed(age);
        }
        assertEquals(1, w.speed(w.warmAfterSec()), 0);
        assertTrue(w.speed(w.warmAfterSec() - 1) < 1);
        assertTrue(w.oracleLeadSec() > 0 && w.oracleLeadSec() < w.warmAfterSec());
        assertEquals(1, Warmup.off().speed(0), 0);
        assertEquals(0, Warmup.off().oracleLeadSec(), 0);
        assertThrows(IllegalArgumentException.class, () -> new Warmup(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new Warmup(0.5, -1));
    }

    @Test
    void aFleetOfWarmReplicasHasTheWarmModelsP95AndAYoungOneRaisesIt() {
        QueueModel m = new QueueModel(4, 20);
        double[] warm = {1, 1, 1};
        assertEquals(m.p95Ms(120), m.p95Ms(120, warm, 3), 1e-6);
        double[] oneYoung = {1, 1, 0.8};
        assertTrue(m.p95Ms(120, oneYoung, 3) > m.p95Ms(120) * 1.02);
        // alone, a replica at speed f is the warm queue with every time stretched by 1/f
        assertEquals(m.p95Ms(100) / 0.8, m.p95Ms(100, new double[] {0.8}, 1), 1e-6);
    }

    @Test
    void theServiceTimeForAMeasuredRsloGivesThatRslo() {
        double service = QueueModel.serviceMsFor(4, 203, 100);
        assertEquals(203, new QueueModel(4, service).maxRpsWithin(100), 0.01);
        assertTrue(service < 20, "a faster replica than the default's r_slo " + new QueueModel(4, 20).maxRpsWithin(100));
    }

    @Test
    void aYoungReplicaServesLessThanAWarmOne() {
        // a cold start on one replica, saturated: what it completes climbs to the warm capacity
        int n = 60;
        SimConfig c = cfg(new Warmup(0.8, 4), WindowNoise.off());
        Scripted p = new Scripted(n, now -> 1);
        new Simulator(c).run("sat", flat(n, 400), p, true);
        double cap = c.model().capacityRps();
        assertEquals(0.8 * cap, p.seenServed[0], 1e-9);
        assertTrue(p.seenServed[5] > p.seenServed[0] && p.seenServed[5] < cap);
        assertEquals(cap, p.seenServed[n - 2], 1e-9);
        // without warm-up it serves all it can from the first second
        Scripted q = new Scripted(n, now -> 1);
        new Simulator(cfg(Warmup.off(), WindowNoise.off())).run("sat", flat(n, 400), q, true);
        assertEquals(cap, q.seenServed[0], 1e-9);
    }

    @Test
    void aColdStartsReplicasWarmUpFromTheirOwnStartFractionAndLaterJoinsFromTheUsualOne() {
        int n = 120;
        SimConfig c = SimConfig.defaults().withWarmup(new Warmup(0.8, 8), new Warmup(0.1, 3)).withNoise(WindowNoise.off(), WindowNoise.off());
        double cap = c.model().capacityRps();
        // one replica from the start, a second asked for at the end of second 9 (ready at 40 s): both saturated
        Scripted p = new Scripted(n, now -> now >= 10 ? 2 : 1);
        new Simulator(c).run("cold", flat(n, 1000), p, true);
        assertEquals(0.1 * cap, p.seenServed[0], 1e-9);
        assertEquals((1 + 0.8) * cap, p.seenServed[40], cap * 0.01);
    }

    @Test
    void aJoiningReplicaRaisesTheP95OfItsFirstSecondsOnly() {
        // two warm replicas, a third asked for at the end of second 99 joins at 130 s (start-up 30 s); the load is steady
        int n = 240;
        SimConfig c = cfg(new Warmup(0.8, 4), WindowNoise.off());
        Scripted p = new Scripted(n, now -> now >= 100 ? 3 : 2);
        SimResult r = new Simulator(c).run("join", flat(n, 240), p, false);
        assertEquals(2, r.ready()[129]);
        assertEquals(3, r.ready()[130]);
        double settled = r.p95Ms()[n - 1];
        assertTrue(r.p95Ms()[130] > settled * 1.02, r.p95Ms()[130] + " against " + settled);
        assertEquals(settled, r.p95Ms()[130 + (int) Math.ceil(c.warmup().warmAfterSec())], 1e-9);
    }

    @Test
    void windowNoiseIsDeterministicPerSeedAndConfinedToTheSecondsAfterAChange() {
        int n = 400;
        WindowNoise noise = new WindowNoise(8, 0.5, 60);
        // a join at 130 s, a removal at the end of second 249 (two ready from 250 s)
        IntUnaryOperator script = now -> now >= 250 ? 2 : now >= 100 ? 3 : 2;
        SimConfig c = cfg(Warmup.off(), noise);
        Scripted a = new Scripted(n, script);
        SimResult r = new Simulator(c).run("noise", flat(n, 200), a, false);
        Scripted b = new Scripted(n, script);
        new Simulator(c).run("noise", flat(n, 200), b, false);
        assertArrayEquals(a.seenP95, b.seenP95, "the same seed sees the same noise");
        int noisy = 0;
        for (int s = 0; s < n - 1; s++) {
            boolean after = (s >= 130 && s < 138) || (s >= 250 && s < 258);
            if (!after) assertEquals(r.p95Ms()[s], a.seenP95[s], 0, "second " + s);
            else if (a.seenP95[s] > r.p95Ms()[s]) noisy++;
            assertTrue(r.p95Ms()[s] <= c.sloMs(), "the scored p95 carries no noise: second " + s);
        }
        assertTrue(noisy >= 3 && noisy <= 13, "about half of the 16 seconds after the two changes stall: " + noisy);
        Scripted other = new Scripted(n, script);
        new Simulator(c.withSeed(2)).run("noise", flat(n, 200), other, false);
        assertFalse(Arrays.equals(a.seenP95, other.seenP95), "another seed, other stalls");
        // without noise the policy sees the scored p95
        Scripted quiet = new Scripted(n, script);
        SimResult q = new Simulator(cfg(Warmup.off(), WindowNoise.off())).run("noise", flat(n, 200), quiet, false);
        assertArrayEquals(Arrays.copyOf(q.p95Ms(), n - 1), Arrays.copyOf(quiet.seenP95, n - 1));
    }

    @Test
    void aColdStartsLoadBeginsWithItsOwnNoiseAndAWarmStartHasNone() {
        int n = 60;
        SimConfig c = SimConfig.defaults().withWarmup(Warmup.off(), Warmup.off()).withNoise(WindowNoise.off(), new WindowNoise(6, 1, 200));
        Scripted cold = new Scripted(n, now -> 1);
        SimResult r = new Simulator(c).run("start", flat(n, 50), cold, true);
        for (int s = 0; s < 6; s++) assertTrue(cold.seenP95[s] > r.p95Ms()[s], "second " + s);
        for (int s = 6; s < n - 1; s++) assertEquals(r.p95Ms()[s], cold.seenP95[s], 0, "second " + s);
        Scripted warm = new Scripted(n, now -> 1);
        SimResult w = new Simulator(c).run("start", flat(n, 50), warm, false);
        assertArrayEquals(Arrays.copyOf(w.p95Ms(), n - 1), Arrays.copyOf(warm.seenP95, n - 1));
    }

    @Test
    void aColdStartBeginsAtMinReplicasWhateverTheFirstSecondNeeds() {
        int n = 30;
        SimConfig c = SimConfig.defaults();
        double[] load = flat(n, 1000);
        SimResult cold = new Simulator(c).run("cold", load, new Scripted(n, now -> 1), true);
        assertEquals(1, cold.ready()[0]);
        SimResult warm = new Simulator(c).run("warm", load, new Scripted(n, now -> 1), false);
        assertEquals((int) Math.ceil(1000 / (c.model().capacityRps() * c.targetUtilisation())), warm.ready()[0]);
        // and by the configuration, for every run
        SimResult byConfig = new Simulator(c.withColdStart(true)).run("cold", load, new Scripted(n, now -> 1));
        assertEquals(1, byConfig.ready()[0]);
    }

    @Test
    void pastTheQueueBoundTheAppRefusesAndTheRefusalsCountAsCompletions() {
        int n = 60;
        SimConfig c = cfg(Warmup.off(), WindowNoise.off()).withQueueBound(1000);
        double cap = c.model().capacityRps();
        final double[] refused = new double[n];
        BenchPolicy one = new BenchPolicy() {
            public String name() { return "one"; }
            public int tickSec() { return 1; }
            public int decide(SimView v) {
                refused[v.now() - 1] = v.refused(v.now() - 1);
                return 1;
            }
        };
        SimResult r = new Simulator(c).run("over", flat(n, cap + 100), one, true);
        // the queue fills in 10 s, then every second refuses what exceeds the capacity
        assertEquals(0, refused[5], 1e-9);
        assertEquals(100, refused[30], 1e-9);
        // a wait of at most 1000 queued requests (5 s at 200 rps) above a saturated replica's own p95
        assertTrue(r.p95Ms()[30] > 1000 * 1000 / cap && r.p95Ms()[30] < 1000 * 1000 / cap + 1000, "a bounded wait: " + r.p95Ms()[30]);
        // without a bound the backlog grows until clients time out
        SimResult unbounded = new Simulator(cfg(Warmup.off(), WindowNoise.off())).run("over", flat(n, cap + 100), new Scripted(n, now -> 1), true);
        assertTrue(unbounded.p95Ms()[50] > 2 * r.p95Ms()[50]);
    }

    @Test
    void theIdealSimulatorIsTheOneBeforeWarmUpAndNoise() {
        SimConfig ideal = SimConfig.ideal();
        assertFalse(ideal.warmup().on());
        assertFalse(ideal.noise().on());
        assertFalse(ideal.startNoise().on() || ideal.startWarmup().on());
        SimConfig d = SimConfig.defaults();
        assertTrue(d.warmup().on() && d.startWarmup().on() && d.noise().on() && d.startNoise().on(), "faithful by default");
        assertEquals(0, d.queueBound(), "no queue bound by default");
    }
}
