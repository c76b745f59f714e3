package dev.autoscaler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.LatencyMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
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
        AccessLogTailer t = new AccessLogTailer(log, List.of("app"));
        Files.writeString(log, line(0.010, 200) + line(0.020, 200) + line(0.5, 502) + "{\"ts\":1,\"status\":200,\"requ",
                StandardOpenOption.APPEND);
        LatencySample s = t.drain().get("app");
        assertEquals(3, s.total());
        assertEquals(2, s.ok());
        assertEquals(500, s.maxMs(), 1);
        Files.writeString(log, "est_time\":0.030}\nnot json\n", StandardOpenOption.APPEND);
        LatencySample rest = t.drain().get("app");
        assertEquals(1, rest.total(), "the partial line completed");
        assertEquals(30, rest.maxMs(), 0.1);
        assertEquals(1, t.malformed());
        // rotation: a new, shorter file is read from its start
        Files.delete(log);
        Files.writeString(log, line(0.040, 200));
        assertEquals(1, t.drain().get("app").total());
    }

    static String line(String pool, double seconds, int status) {
        return "{\"ts\":1.0,\"status\":" + status + ",\"request_time\":" + seconds + ",\"pool\":\"" + pool + "\"}\n";
    }

    @Test
    void oneTailerSplitsTheLogByUpstream() throws Exception {
        Path log = Files.createTempFile("access", ".json");
        AccessLogTailer t = new AccessLogTailer(log, List.of("app", "shop.eu", "idle"));
        Files.writeString(log, line("app_pool", 0.010, 200) + line("shop_eu_pool", 0.2, 200) + line("shop_eu_pool", 0.3, 503)
                + line("app_pool", 0.020, 200) + line("billing_pool", 5, 200) + line(0.9, 200), StandardOpenOption.APPEND);
        Map<String, LatencySample> w = t.drain();
        assertEquals(java.util.Set.of("app", "shop.eu", "idle"), w.keySet(), "every measured target has an entry, idle ones too");
        assertEquals(2, w.get("app").total());
        assertEquals(20, w.get("app").maxMs(), 0.1);
        assertEquals(2, w.get("shop.eu").total());
        assertEquals(1, w.get("shop.eu").ok());
        assertEquals(0, w.get("idle").total());
        assertEquals(1, t.unattributed(), "a line without a pool, with several targets: nobody's");
        assertEquals(0, t.malformed(), "another target's line is not malformed");
        // with one target, a line without a pool (an older nginx configuration) is that target's
        AccessLogTailer one = new AccessLogTailer(log, List.of("app"));
        Files.writeString(log, line(0.9, 200) + line("app_pool", 0.1, 200) + line("shop_eu_pool", 0.3, 200), StandardOpenOption.APPEND);
        assertEquals(2, one.drain().get("app").total());
        assertEquals(0, one.unattributed());
    }

    @Test
    void severalProbedTargetsNeedAUrlPerTarget() {
        var e = assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(Map.of("TARGETS", "a,b",
                "TARGET_URL", "http://127.0.0.1:8081/"))));
        assertTrue(e.getMessage().contains("TARGET_URL") && e.getMessage().contains("{target}"), e.getMessage());
        var s = MonitorSettings.from(new Env(Map.of("TARGETS", "a,b", "TARGET_URL", "http://127.0.0.1:8081/t/{target}/")));
        assertEquals(List.of("a", "b"), s.targets());
        assertEquals("http://127.0.0.1:8081/t/b/", s.targetUrl("b").toString());
        var unprobed = MonitorSettings.from(new Env(Map.of("TARGETS", "a,b", "PROBE_REQUESTS", "0")));
        assertEquals("http://127.0.0.1:8080/", unprobed.targetUrl("a").toString(), "no probes: one URL is fine");
        assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(Map.of("TARGET_URL", "ftp://x/{target}"))));
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
        LatencyMetrics m = MonitorService.assemble(s, "app", 2.0, probes, logged, new StubStatusReader.Rate(80, 4), 2);
        assertEquals("access_log", m.source());
        assertEquals(95, m.p95Ms(), 1);
        assertEquals(80, m.rps(), "arrivals from stub_status");
        assertEquals(50, m.servedRps(), "completions from the log");
        assertEquals(0.99, m.successRate());
        LatencyMetrics few = MonitorService.assemble(s, "app", 2.0, probes, new LatencySample(LatencySample.newHistogram(), 0, 0), null, 1);
        assertEquals("probe", few.source());
        assertEquals(50, few.p95Ms(), 0.1);
    }
}
