package dev.autoscaler.bench.suite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.trace.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteTraceSuiteTest {
    /** The shared traces when the tests run inside the project (module folder bench/), else a folder that is not there. */
    static final Path SHARED = Path.of("../../shared/traces");

    @Test
    void twoGenerationsAreEqual() {
        TraceSuite.Suite a = TraceSuite.build(SHARED);
        TraceSuite.Suite b = TraceSuite.build(SHARED);
        assertEquals(a.names(), b.names());
        for (int i = 0; i < a.traces().size(); i++) assertTrue(TraceSuite.same(a.traces().get(i), b.traces().get(i)), a.names().get(i));
        assertEquals(a.notes(), b.notes());
    }

    @Test
    void everyTraceIsNonEmptyAtMostAWeekWithRatesAtLeastZeroAndNamesUnique() {
        TraceSuite.Suite s = TraceSuite.build(SHARED);
        assertEquals(s.traces().size(), new HashSet<>(s.names()).size(), "names are unique: " + s.names());
        for (Trace t : s.traces()) {
            assertTrue(t.t().length >= 2, t.name());
            assertTrue(t.durationSec() > 0 && t.durationSec() <= TraceSuite.WEEK_SEC, t.name() + " " + t.durationSec());
            assertTrue(t.peak() > 0, t.name());
            for (int i = 0; i < t.rps().length; i++) {
                assertTrue(t.rps()[i] >= 0 && Double.isFinite(t.rps()[i]), t.name() + " row " + i);
                if (i > 0) assertTrue(t.t()[i] > t.t()[i - 1], t.name() + " row " + i);
            }
            assertEquals(0, t.t()[0], t.name());
        }
        // the synthetic loads are always there, whatever the traces folder holds
        assertTrue(s.names().containsAll(List.of("syn_random_bursts", "syn_timer_5m", "syn_timer_15m", "syn_timer_20m", "syn_timer_30m_trickle",
                "syn_ramp_4x", "syn_step_3x", "syn_step_4x_once", "syn_flat", "syn_diurnal_week", "syn_sawtooth")), s.names().toString());
    }

    @Test
    void aMissingFolderLeavesTheSyntheticLoadsWithANote() {
        TraceSuite.Suite s = TraceSuite.build(Path.of("no/such/folder"));
        assertEquals(TraceSuite.synthetic().size(), s.traces().size());
        assertEquals(1, s.notes().size());
        assertTrue(s.notes().get(0).contains("no/such/folder"), s.notes().get(0));
    }

    @Test
    void filesAreDerivedByTheirDataNotTheirNames() throws Exception {
        Path dir = Files.createTempDirectory("suite");
        // a day at 60 s bins with one steep climb at 15:00, and a 2-hour trace at 10 s bins
        StringBuilder day = new StringBuilder("t_seconds,rps\n");
        for (int i = 0; i < 1440; i++) day.append(i * 60).append(',').append(i >= 900 && i < 960 ? 50 : 10).append('\n');
        Files.writeString(dir.resolve("b_day.csv"), day);
        StringBuilder shortOne = new StringBuilder("t_seconds,rps\n");
        for (int i = 0; i < 720; i++) shortOne.append(i * 10).append(',').append(i).append('\n');
        Files.writeString(dir.resolve("a_short.csv"), shortOne);
        Files.writeString(dir.resolve("c_broken.csv"), "t_seconds,rps\n0,oops\n");
        Files.writeString(dir.resolve("notes.txt"), "not a trace");
        TraceSuite.Suite s = TraceSuite.build(dir);
        List<String> names = s.names();
        assertEquals(List.of("a_short", "b_day", "rev_a_short", "rev_b_day", "a_short_slow", "b_day_fast", "cut_a_short", "cut_b_day"),
                names.subList(0, 8));
        assertEquals(1, s.notes().size());
        assertTrue(s.notes().get(0).startsWith("skipped ") && s.notes().get(0).contains("c_broken.csv"), s.notes().get(0));

        Trace day1 = find(s, "b_day");
        assertEquals(86_400, day1.durationSec());
        assertEquals(43_200, find(s, "b_day_fast").durationSec());
        assertEquals(14_400, find(s, "a_short_slow").durationSec());
        // the climb starts where the 10-minute rise of the smoothed rate is largest: before 15:00, and the cut
        // (2 hours) starts half an hour before it
        double climb = TraceSuite.steepestClimbSec(day1);
        assertTrue(climb > 14 * 3600 && climb < 15 * 3600, "climb at " + climb);
        Trace cut = find(s, "cut_b_day");
        assertEquals(7200, cut.durationSec());
        assertEquals(10, cut.rps()[0]);
        assertTrue(cut.peak() == 50);
        // the short trace's cut is half of it (an hour), inside it
        assertEquals(3600, find(s, "cut_a_short").durationSec());
    }

    @Test
    void reversedKeepsBinWidthsAndPlaysBackwards() {
        Trace t = new Trace("x", new double[] {0, 10, 30, 60}, new double[] {1, 2, 3, 4});
        Trace r = TraceSuite.reversed(t, "rev_x");
        assertArrayEquals(new double[] {4, 3, 2, 1}, r.rps());
        // widths 10, 20, 30, 30 (the last: the step before it) reversed: 30, 30, 20, 10
        assertArrayEquals(new double[] {0, 30, 60, 80}, r.t());
        // a uniform trace reversed twice is itself
        Trace u = new Trace("u", new double[] {0, 10, 20}, new double[] {5, 6, 7});
        assertTrue(TraceSuite.same(u, TraceSuite.reversed(TraceSuite.reversed(u, "u"), "u")));
    }

    @Test
    void timerJobsBurstFiveTimesForAMinuteOnSchedule() {
        Trace t = TraceSuite.synthetic().stream().filter(x -> x.name().equals("syn_timer_15m")).findFirst().orElseThrow();
        int high = 0;
        for (int i = 0; i < t.rps().length; i++) {
            if (t.rps()[i] == 5 * TraceSuite.BASE) {
                high++;
                double phase = (t.t()[i] - 300) % 900;
                assertTrue(phase >= 0 && phase < 60, "burst at " + t.t()[i]);
            } else {
                assertEquals(TraceSuite.BASE, t.rps()[i]);
            }
        }
        assertEquals(24 * 6, high, "24 one-minute bursts in 6 hours, 6 bins each");
        assertFalse(TraceSuite.synthetic().stream().anyMatch(x -> x.durationSec() > TraceSuite.WEEK_SEC));
    }

    @Test
    void theSettleCasesAreInRsloUnitsFromAColdStart() {
        List<String> names = List.of("syn_flat_cold", "syn_step_hold", "syn_idle_probes", "syn_flat_0.5x_rslo", "syn_flat_1.5x_rslo",
                "syn_flat_3x_rslo", "syn_flat_6x_rslo");
        List<Trace> syn = TraceSuite.synthetic();
        for (Trace t : syn) assertEquals(names.contains(t.name()), t.rsloUnits() && t.coldStart(), t.name());
        Trace flat = syn.stream().filter(x -> x.name().equals("syn_flat_6x_rslo")).findFirst().orElseThrow();
        assertEquals(6, flat.peak());
        assertEquals(3600, flat.durationSec());
        Trace step = syn.stream().filter(x -> x.name().equals("syn_step_hold")).findFirst().orElseThrow();
        assertEquals(0.4, step.rateAt(59.5, 1), 1e-12);
        assertEquals(1.6, step.rateAt(60.5, 1), 1e-12);
        assertEquals(1860, step.durationSec());
        Trace idle = syn.stream().filter(x -> x.name().equals("syn_idle_probes")).findFirst().orElseThrow();
        assertEquals(5.0 / 203, idle.peak(), 1e-12);
    }

    private static Trace find(TraceSuite.Suite s, String name) {
        return s.traces().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + s.names()));
    }
}
