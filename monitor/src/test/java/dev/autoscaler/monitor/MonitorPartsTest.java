package dev.autoscaler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.LatencyMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class MonitorPartsTest {
    static String line(double seconds, int status) {
        return "{\"ts\":1.0,\"status\":" + status + ",\"request_time\":" + seconds + ",\"upstream_response_time\":\"0.01\"}\n";
    }

    @Test
    void theTailerReadsOnlyNewCompleteLinesAndSurvivesRotation() throws Exception {
        Path log = Files.createTempFile("access", ".json");
        Files.writeString(log, line(9, 200)); // before the monitor started: not counted
        AccessLogTailer t = new AccessLogTailer(log);
        Files.writeString(log, line(0.010, 200) + line(0.020, 200) + line(0.5, 502) + "{\"ts\":1,\"status\":200,\"requ",
                StandardOpenOption.APPEND);
        LatencySample s = t.drain();
        assertEquals(3, s.total());
        assertEquals(2, s.ok());
        assertEquals(500, s.maxMs(), 1);
        Files.writeString(log, "est_time\":0.030}\nnot json\n", StandardOpenOption.APPEND);
        LatencySample rest = t.drain();
        assertEquals(1, rest.total(), "the partial line completed");
        assertEquals(30, rest.maxMs(), 0.1);
        assertEquals(1, t.malformed());
        // rotation: a new, shorter file is read from its start
        Files.delete(log);
        Files.writeString(log, line(0.040, 200));
        assertEquals(1, t.drain().total());
    }

    @Test
    void stubStatusIsParsed() {
        String body = "Active connections: 3 \nserver accepts handled requests\n 10 10 1234 \nReading: 0 Writing: 2 Waiting: 1 \n";
        var s = StubStatusReader.parse(body).orElseThrow();
        assertEquals(1234, s.requests());
        assertEquals(2, s.writing());
        assertTrue(StubStatusReader.parse("garbage").isEmpty());
    }

    @Test
    void aWindowUsesTheAccessLogWhenItHasEnoughRequestsElseTheProbes() {
        MonitorSettings s = MonitorSettings.from(new Env(Map.of("MIN_LOG_REQUESTS", "3")));
        Histogram probeH = LatencySample.newHistogram();
        probeH.recordValue(50_000);
        LatencySample probes = new LatencySample(probeH, 1, 1);
        Histogram logH = LatencySample.newHistogram();
        for (int i = 1; i <= 100; i++) logH.recordValue(i * 1000L);
        LatencySample logged = new LatencySample(logH, 99, 100);
        LatencyMetrics m = MonitorService.assemble(s, 2.0, probes, logged, new StubStatusReader.Rate(80, 4), 2);
        assertEquals("access_log", m.source());
        assertEquals(95, m.p95Ms(), 1);
        assertEquals(80, m.rps(), "arrivals from stub_status");
        assertEquals(50, m.servedRps(), "completions from the log");
        assertEquals(0.99, m.successRate());
        LatencyMetrics few = MonitorService.assemble(s, 2.0, probes, new LatencySample(LatencySample.newHistogram(), 0, 0), null, 1);
        assertEquals("probe", few.source());
        assertEquals(50, few.p95Ms(), 0.1);
    }
}
