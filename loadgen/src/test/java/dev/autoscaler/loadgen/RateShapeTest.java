package dev.autoscaler.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RateShapeTest {
    @Test
    void shapes() {
        assertEquals(10, new RateShape.Step(10, 40, 5).rps(4.9));
        assertEquals(40, new RateShape.Step(10, 40, 5).rps(5));
        assertEquals(25, new RateShape.Ramp(10, 40, 10).rps(5), 1e-9);
        assertEquals(40, new RateShape.Ramp(10, 40, 10).rps(50));
        assertEquals(100, new RateShape.Spike(10, 100, 5, 2).rps(6));
        assertEquals(10, new RateShape.Spike(10, 100, 5, 2).rps(7));
        assertEquals(15, new RateShape.Sine(10, 5, 4).rps(1), 1e-9);
    }

    @Test
    void aTraceIsReadScaledInTimeAndRate() throws IOException {
        Path f = Files.createTempFile("trace", ".csv");
        Files.writeString(f, "t_seconds,rps\n0,1\n60,2\n120,4\n");
        RateShape.Trace t = RateShape.Trace.read(f, 0.1, 10);
        assertEquals(10, t.rps(0));
        assertEquals(20, t.rps(6.5));
        assertEquals(40, t.rps(12));
        assertEquals(18, t.durationSec(), 1e-9);
    }

    @Test
    void badTraceRowsAreNamed() throws IOException {
        Path f = Files.createTempFile("trace", ".csv");
        Files.writeString(f, "t_seconds,rps\n0,1\n60,x\n");
        IOException e = assertThrows(IOException.class, () -> RateShape.Trace.read(f, 1, 1));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        Files.writeString(f, "t_seconds,rps\n60,1\n0,2\n");
        assertTrue(assertThrows(IOException.class, () -> RateShape.Trace.read(f, 1, 1)).getMessage().contains("increase"));
    }

    @Test
    void onlyLoopbackTargetsAreAllowed() {
        LoadGenerator.requireLoopback(URI.create("http://127.0.0.1:8080/"));
        LoadGenerator.requireLoopback(URI.create("http://localhost:8080/"));
        assertThrows(IllegalArgumentException.class, () -> LoadGenerator.requireLoopback(URI.create("http://10.1.2.3/")));
        assertThrows(IllegalArgumentException.class, () -> LoadGenerator.requireLoopback(URI.create("http://192.168.0.1/")));
    }
}
