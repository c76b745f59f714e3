package dev.autoscaler.bench.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An nginx access log read as per-second arrivals, request times and upstreams: both formats, gzip, bad lines. */
public class LogReplayTest {
    @TempDir
    Path dir;

    public static String json(double ts, double requestTime, String upstream) {
        return String.format(java.util.Locale.ROOT, "{\"ts\":%.3f,\"status\":200,\"request_time\":%.3f,\"upstream_response_time\":\"%.3f\","
                + "\"upstream_addr\":\"%s\",\"uri\":\"/\",\"ua\":\"curl/8\"}", ts, requestTime, requestTime, upstream);
    }

    @Test
    void theProjectsJsonLogBecomesRequestsPerSecondWithTheirMeanTimeAndUpstreams() throws IOException {
        Path log = write("access.json", List.of(
                json(1001.2, 0.010, "127.0.0.1:9001"),
                json(1001.7, 0.030, "127.0.0.1:9002"),
                "not a log line",
                json(1003.1, 0.020, "127.0.0.1:9001"),
                json(1000.9, 0.040, "127.0.0.1:9001, 127.0.0.1:9003"), // written late: its request ended earlier
                "",
                "{\"status\":200}"));
        LogReplay r = LogReplay.read(log, null, null);
        assertEquals(AccessLogParser.Format.json, r.format());
        assertEquals(7, r.lines());
        assertEquals(2, r.bad());
        assertEquals(List.of(3L, 7L), r.firstBad(), "the bad lines by number");
        assertEquals(1000, r.firstSec());
        assertArrayEquals(new double[] {1, 2, 0, 1}, r.arrivals());
        assertEquals(40, r.latencyMs()[0], 1e-3);
        assertEquals(20, r.latencyMs()[1], 1e-3, "the mean of 10 and 30 ms");
        assertTrue(Double.isNaN(r.latencyMs()[2]));
        assertEquals(3, r.upstreams()[1], "9001, 9002 and 9003 (the one that answered after a retry) in those 10 s");
    }

    @Test
    void nginxsCombinedFormatWithOrWithoutATrailingRequestTimeAndGzipToo() throws IOException {
        String a = "203.0.113.7 - - [06/Dec/2026:10:00:00 +0100] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11)\"";
        String b = "203.0.113.8 - - [06/Dec/2026:10:00:01 +0100] \"GET /a HTTP/1.1\" 200 512 \"https://x/\" \"curl/8\" 0.015";
        String bad = "203.0.113.9 - - [06/Foo/2026:10:00:01 +0100] \"GET / HTTP/1.1\" 200 512 \"-\" \"-\"";
        Path gz = dir.resolve("access.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(String.join("\n", a, a, b, bad, b).concat("\n").getBytes(StandardCharsets.UTF_8));
        }
        LogReplay r = LogReplay.read(gz, null, null);
        assertEquals(AccessLogParser.Format.combined, r.format());
        assertEquals(java.time.Instant.parse("2026-12-06T09:00:00Z").getEpochSecond(), r.firstSec(), "the zone applied");
        assertArrayEquals(new double[] {2, 2}, r.arrivals());
        assertEquals(List.of(4L), r.firstBad());
        assertTrue(Double.isNaN(r.latencyMs()[0]), "no request time on the plain combined lines");
        assertEquals(15, r.latencyMs()[1], 1e-3, "the trailing $request_time");
        assertNull(r.upstreams(), "combined names no upstream");
    }

    @Test
    void spacedJsonAByteOrderMarkABlankFirstLineAnOddTrailingFieldAndAFarTimestampAreHandled() throws IOException {
        Path log = write("odd.json", List.of("", "\uFEFF{\"ts\": 2000.5, \"request_time\": 0.010, \"upstream_addr\": \"10.0.0.1:80\"}",
                "{\"ts\": 2001.5, \"request_time\": \"0.030\"}", "{\"ts\": 100000000.0, \"request_time\": 0.01}"));
        LogReplay r = LogReplay.read(log, null, null);
        assertEquals(AccessLogParser.Format.json, r.format(), "guessed from the first line that has something");
        assertArrayEquals(new double[] {1, 1}, r.arrivals());
        assertEquals(30, r.latencyMs()[1], 1e-3, "a quoted number");
        assertEquals(List.of(4L), r.firstBad(), "a timestamp decades away is a bad line, not the end of the replay");

        Path combined = write("upstream.log", List.of(
                "1.2.3.4 - - [06/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" 10.0.0.1:80"));
        LogReplay c = LogReplay.read(combined, null, null);
        assertEquals(0, c.bad(), "a trailing field that is no request time leaves the line counted");
        assertNull(c.latencyMs());
    }

    @Test
    void aLogWhereNothingParsesIsAnErrorNamingTheFirstBadLines() throws IOException {
        Path log = write("junk.log", List.of("{\"hello\":1}", "{\"ts\":\"soon\"}"));
        IOException e = assertThrows(IOException.class, () -> LogReplay.read(log, "json", null));
        assertTrue(e.getMessage().contains("no line parses") && e.getMessage().contains("[1, 2]"), e.getMessage());
        assertThrows(IOException.class, () -> LogReplay.read(write("empty.log", List.of()), null, null));
    }

    @Test
    void progressIsShownEveryMillionLines() throws IOException {
        Path log = dir.resolve("big.json");
        try (var w = Files.newBufferedWriter(log)) {
            for (int i = 0; i < 1_000_001; i++) w.write("{\"ts\":" + (5000 + i / 1000) + ".5,\"request_time\":0.01}\n");
        }
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        LogReplay r = LogReplay.read(log, null, new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertEquals(1_000_001, r.lines());
        assertEquals(1001, r.durationSec());
        assertTrue(progress.toString(StandardCharsets.UTF_8).startsWith("read 1,000,000 lines ("), progress.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCapacityComesFromTheOptionOrFromTheRatesServedNearTheLowLoadLatency() throws IOException {
        // one upstream; up to 100 rps the request time stays at 10 ms, above it it climbs
        StringBuilder lines = new StringBuilder();
        for (int s = 0; s < 200; s++) {
            int rate = 20 + s;
            double rt = rate <= 100 ? 0.010 : 0.010 + (rate - 100) * 0.001;
            for (int i = 0; i < rate; i++) lines.append(json(10_000 + s + i / (double) rate, rt, "10.0.0.1:80")).append('\n');
        }
        Path log = dir.resolve("knee.json");
        Files.writeString(log, lines);
        LogReplay r = LogReplay.read(log, null, null);
        ReplicaEstimate e = ReplicaEstimate.of(r, null, null);
        assertEquals(10, e.serviceMs(), 1e-3);
        assertTrue(e.capacityRps() >= 100 && e.capacityRps() <= 105, "the highest rate within 1.5x of 10 ms: " + e.capacityRps());
        assertTrue(e.capacityFrom().contains("estimated from the log"), e.capacityFrom());
        assertEquals(250, ReplicaEstimate.of(r, 250.0, null).capacityRps());
        var noTimes = LogReplay.read(write("plain.log",
                List.of("1.2.3.4 - - [06/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"")), null, null);
        var missing = assertThrows(IllegalArgumentException.class, () -> ReplicaEstimate.of(noTimes, null, null));
        assertTrue(missing.getMessage().contains("--capacity-rps"), missing.getMessage());
        assertEquals(20, ReplicaEstimate.of(noTimes, 50.0, null).serviceMs(), "the toy app's without request times");
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }
}
