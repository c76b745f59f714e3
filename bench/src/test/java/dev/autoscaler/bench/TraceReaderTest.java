package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.trace.Trace;
import dev.autoscaler.bench.trace.TraceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TraceReaderTest {
    static Path write(String text) throws IOException {
        Path f = Files.createTempFile("trace", ".csv");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsAStepTrace() throws IOException {
        Trace t = TraceReader.read(write("t_seconds,rps\n0,1.5\n60,3\n120,0\n"));
        assertEquals(180, t.durationSec());
        assertEquals(60, t.step());
        assertEquals(3, t.peak());
        // step-hold: each row until the next
        assertEquals(1.5, t.rateAt(59, 1, true));
        assertEquals(6, t.rateAt(60, 2, true));
        // default: linear between bin midpoints (30 s, 90 s, 150 s), flat before the first and after the last
        assertEquals(1.5, t.rateAt(10, 1), 1e-9);
        assertEquals(1.5, t.rateAt(30, 1), 1e-9);
        assertEquals(2.25, t.rateAt(60, 1), 1e-9);
        assertEquals(3.0, t.rateAt(90, 1), 1e-9);
        assertEquals(1.5, t.rateAt(120, 1), 1e-9);
        assertEquals(0, t.rateAt(170, 1), 1e-9);
    }

    @Test
    void badRowsAreNamedWithTheirLine() throws IOException {
        for (String[] c : new String[][] {{"t_seconds,rps\n0,1\n60,abc\n", "line 3"}, {"t_seconds,rps\n0,1\n60\n", "line 3"},
                {"t_seconds,rps\n0,1\n0,2\n", "must increase"}, {"t_seconds,rps\n0,-1\n", "line 2"}, {"t_seconds,rps\n", "no data"},
                {"t_seconds,rps\n0,NaN\n", "finite"}}) {
            IOException e = assertThrows(IOException.class, () -> TraceReader.read(write(c[0])));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void arrivalsAreDeterministicForASeedAndFollowTheRate() throws IOException {
        Trace t = TraceReader.read(write("t_seconds,rps\n0,100\n600,1000\n"));
        double[] a = t.arrivalsPerSecond(1, 7);
        double[] b = t.arrivalsPerSecond(1, 7);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        // linear between the bins' midpoints (300 s and 900 s): flat 100 before, flat 1000 after
        double first = java.util.Arrays.stream(a, 0, 300).average().orElse(0);
        double second = java.util.Arrays.stream(a, 900, 1200).average().orElse(0);
        double middle = java.util.Arrays.stream(a, 550, 650).average().orElse(0);
        assertEquals(550, middle, 10);
        assertEquals(100, first, 2);
        assertEquals(1000, second, 5);
    }
}
