package dev.autoscaler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.LatencyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The Prometheus source against {@link FakePrometheusServer}, which speaks Prometheus' real /api/v1/query JSON. */
class PrometheusSourceTest {
    static PrometheusSettings settings(FakePrometheusServer fake, String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("PROMETHEUS_URL", fake.url().toString()));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return PrometheusSettings.from(new Env(env), "app", 3, 1);
    }

    /** Answers like a Prometheus scraping two replicas at 120 rps, 3 of them 503s, p95 193.3 ms. */
    static FakePrometheusServer.Reply healthy(String q) {
        if (q.startsWith("histogram_quantile(0.5,")) return FakePrometheusServer.vector("0.0412");
        if (q.startsWith("histogram_quantile(0.95,")) return FakePrometheusServer.vector("0.1933");
        if (q.startsWith("histogram_quantile(0.99,")) return FakePrometheusServer.vector("0.31");
        if (q.contains("_sum")) return FakePrometheusServer.vector("0.0605");
        if (q.contains("status=~")) return FakePrometheusServer.vector("3");
        if (q.startsWith("sum(rate(")) return FakePrometheusServer.vector("120");
        return FakePrometheusServer.badData("unexpected query " + q);
    }

    @Test
    void theQueriesAreTheDocumentedPromQl() {
        var s = new PrometheusSettings(java.net.URI.create("http://127.0.0.1:9090"), "http_server_requests_seconds",
                "http_server_requests_seconds_count", "job=\"app\"", 10, "status", 1);
        var q = new PrometheusQueries(s);
        assertEquals("histogram_quantile(0.95, sum by (le) (rate(http_server_requests_seconds_bucket{job=\"app\"}[10000ms])))",
                q.quantile(0.95));
        assertEquals("sum(rate(http_server_requests_seconds_count{job=\"app\"}[10000ms]))", q.rps());
        assertEquals("sum(rate(http_server_requests_seconds_sum{job=\"app\"}[10000ms])) / "
                + "sum(rate(http_server_requests_seconds_count{job=\"app\"}[10000ms]))", q.mean());
        assertEquals("sum(rate(http_server_requests_seconds_count{job=\"app\",status=~\"5..\"}[10000ms]))", q.errors());
        var bare = new PrometheusQueries(new PrometheusSettings(s.url(), "lat", "reqs_total", "", 2.5, "code", 1));
        assertEquals("histogram_quantile(0.5, sum by (le) (rate(lat_bucket[2500ms])))", bare.quantile(0.5));
        assertEquals("sum(rate(reqs_total{code=~\"5..\"}[2500ms]))", bare.errors());
    }

    @Test
    void settingsHaveDefaultsAndATargetTemplate() {
        var s = PrometheusSettings.from(new Env(Map.of("PROMETHEUS_URL", "http://127.0.0.1:9090/",
                "PROM_SELECTOR", "job=\"{target}\",env!=\"dev\"")), "checkout", 3, 2.5);
        assertEquals("http_server_requests_seconds", s.histogram());
        assertEquals("http_server_requests_seconds_count", s.count());
        assertEquals("job=\"checkout\",env!=\"dev\"", s.selector());
        assertEquals(3, s.rangeSec(), "the range defaults to SAMPLE_INTERVAL");
        assertEquals("status", s.statusLabel());
        var m = MonitorSettings.from(new Env(Map.of()));
        assertEquals("nginx", m.source(), "the access log and probes stay the default");
        assertNull(m.prometheus());
        var p = MonitorSettings.from(new Env(Map.of("MONITOR_SOURCE", "prometheus", "PROMETHEUS_URL", "https://prom.example:9090",
                "SAMPLE_INTERVAL", "5", "PROM_RANGE_SEC", "15")));
        assertEquals(15, p.prometheus().rangeSec());
    }

    @Test
    void badSettingsNameTheVariable() {
        String[][] bad = {{"MONITOR_SOURCE", "graphite"}, {"PROMETHEUS_URL", "ftp://127.0.0.1/"}, {"PROMETHEUS_URL", "not a url"},
                {"PROM_SELECTOR", "{job=\"app\"}"}, {"PROM_SELECTOR", "job=app"}, {"PROM_SELECTOR", "job=\"a\"} or vector(1) or x{"},
                {"PROM_HISTOGRAM", "http-latency"}, {"PROM_COUNT", "1abc"}, {"PROM_RANGE_SEC", "0.2"}, {"PROM_STATUS_LABEL", "st atus"}};
        for (String[] kv : bad) {
            Map<String, String> env = new HashMap<>(Map.of("MONITOR_SOURCE", "prometheus", "PROMETHEUS_URL", "http://127.0.0.1:9090"));
            env.put(kv[0], kv[1]);
            var e = assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(env)), kv[0] + "=" + kv[1]);
            assertTrue(e.getMessage().contains(kv[0]) && e.getMessage().contains(kv[1]), e.getMessage());
        }
        var missing = assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(Map.of("MONITOR_SOURCE", "prometheus"))));
        assertTrue(missing.getMessage().contains("PROMETHEUS_URL"), missing.getMessage());
        // a bad URL is reported even while the nginx source is chosen
        assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(Map.of("PROMETHEUS_URL", "localhost:9090"))));
    }

    @Test
    void aWindowCarriesPrometheusNumbersInMilliseconds() throws Exception {
        try (var fake = new FakePrometheusServer();
             var src = new PrometheusSource("app", settings(fake, "PROM_SELECTOR", "job=\"{target}\""), new SimpleMeterRegistry())) {
            fake.answer(PrometheusSourceTest::healthy);
            LatencyMetrics m = src.window(2).orElseThrow();
            assertEquals(193.3, m.p95Ms());
            assertEquals(41.2, m.p50Ms());
            assertEquals(310, m.p99Ms());
            assertEquals(60.5, m.avgMs());
            assertEquals(120, m.rps());
            assertEquals(120, m.servedRps());
            assertEquals(0.975, m.successRate(), "3 of 120 per second were 5xx");
            assertEquals(360, m.requests(), "rps x the 3 s range");
            assertEquals(3, m.windowSec());
            assertEquals(2, m.replicas());
            assertEquals("prometheus", m.source());
            assertEquals(6, fake.queries().size());
            assertTrue(fake.queries().contains(
                    "histogram_quantile(0.95, sum by (le) (rate(http_server_requests_seconds_bucket{job=\"app\"}[3000ms])))"), fake.queries().toString());
            assertEquals(Map.of("/api/v1/query", 6), fake.paths());
        }
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndNeverShown() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(PrometheusSource.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try (var fake = new FakePrometheusServer()) {
            String url = "http://scraper:s3cret@127.0.0.1:" + fake.url().getPort() + "/";
            var s = PrometheusSettings.from(new Env(Map.of("PROMETHEUS_URL", url)), "app", 3, 1);
            try (var src = new PrometheusSource("app", s, new SimpleMeterRegistry())) {
                fake.answer(PrometheusSourceTest::healthy);
                LatencyMetrics m = src.window(1).orElseThrow();
                assertEquals("Basic c2NyYXBlcjpzM2NyZXQ=", fake.authorization());
                fake.answer(q -> new FakePrometheusServer.Reply(401, "{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":\"no\"}"));
                assertTrue(src.window(1).isEmpty());
                String shown = m.endpoint() + " " + s + " " + logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
                assertTrue(shown.contains("127.0.0.1") && !shown.contains("s3cret"), shown);
            }
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void aBasePathIsKept() throws Exception {
        try (var fake = new FakePrometheusServer()) {
            var s = PrometheusSettings.from(new Env(Map.of("PROMETHEUS_URL", fake.url() + "/prom/")), "app", 3, 1);
            try (var src = new PrometheusSource("app", s, new SimpleMeterRegistry())) {
                fake.answer(PrometheusSourceTest::healthy);
                assertTrue(src.window(1).isPresent());
                assertEquals(Map.of("/prom/api/v1/query", 6), fake.paths());
            }
        }
    }

    @Test
    void unusableAnswersSkipTheWindowCountedAndLoggedOncePerReason() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(PrometheusSource.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        var meters = new SimpleMeterRegistry();
        try (var fake = new FakePrometheusServer(); var src = new PrometheusSource("app", settings(fake), meters)) {
            // HTTP 400 bad_data, as Prometheus answers a query it cannot parse
            fake.answer(q -> FakePrometheusServer.badData("1:10: parse error: unexpected character"));
            assertEquals(Optional.empty(), src.window(1));
            assertEquals(Optional.empty(), src.window(1));
            // no series: the selector matches nothing
            fake.answer(q -> FakePrometheusServer.empty());
            assertEquals(Optional.empty(), src.window(1));
            // series but no traffic: rate 0 and a NaN quantile; publishing 0 ms would be a made-up number
            fake.answer(q -> q.startsWith("histogram_quantile") || q.contains("_sum") ? FakePrometheusServer.vector("NaN")
                    : FakePrometheusServer.vector("0"));
            assertEquals(Optional.empty(), src.window(1));
            // p95 in the +Inf bucket
            fake.answer(q -> q.startsWith("histogram_quantile") ? FakePrometheusServer.vector("+Inf") : healthy(q));
            assertEquals(Optional.empty(), src.window(1));
            // not Prometheus at all
            fake.answer(q -> new FakePrometheusServer.Reply(200, "<html>login</html>"));
            assertEquals(Optional.empty(), src.window(1));
            // and back to normal
            fake.answer(PrometheusSourceTest::healthy);
            assertTrue(src.window(1).isPresent());
            assertEquals(6, src.skipped());
            assertEquals(2, count(meters, "rejected"));
            assertEquals(1, count(meters, "no_series"));
            assertEquals(1, count(meters, "no_traffic"));
            assertEquals(1, count(meters, "beyond_buckets"));
            assertEquals(1, count(meters, "malformed"));
            long warnings = logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).count();
            assertEquals(5, warnings, "one line per reason, not per window: " + logs.list);
            assertTrue(logs.list.get(0).getFormattedMessage().contains("parse error"), logs.list.get(0).getFormattedMessage());
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void anUnreachableOrHungPrometheusSkipsWithinTheTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        var meters = new SimpleMeterRegistry();
        var down = PrometheusSettings.from(new Env(Map.of("PROMETHEUS_URL", "http://127.0.0.1:" + closed)), "app", 3, 1);
        try (var src = new PrometheusSource("app", down, meters)) {
            assertEquals(Optional.empty(), src.window(1));
            assertEquals(1, count(meters, "unreachable"));
        }
        // accepts the connection and never answers: the query timeout bounds the window
        try (ServerSocket hung = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            var s = PrometheusSettings.from(new Env(Map.of("PROMETHEUS_URL", "http://127.0.0.1:" + hung.getLocalPort())), "app", 3, 0.3);
            try (var src = new PrometheusSource("app", s, meters)) {
                long t0 = System.nanoTime();
                var o = src.read(t -> 1).get("app");
                double sec = (System.nanoTime() - t0) / 1e9;
                assertEquals(PrometheusSource.Skip.UNREACHABLE, o.skipped());
                assertTrue(sec < 2, "bounded by TIMEOUT_S: " + sec);
            }
        }
    }

    @Test
    void parsingFollowsPrometheusWireFormat() {
        assertEquals(new PrometheusClient.Value(0.1933), PrometheusClient.parse(200, FakePrometheusServer.vector("0.1933").body()));
        assertInstanceOf(PrometheusClient.NoSeries.class, PrometheusClient.parse(200, FakePrometheusServer.empty().body()));
        assertEquals(new PrometheusClient.Value(2),
                PrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1764687600.1,\"2\"]}}"));
        var rejected = (PrometheusClient.Failed) PrometheusClient.parse(400, FakePrometheusServer.badData("bad range").body());
        assertEquals(PrometheusClient.Failure.REJECTED, rejected.why());
        assertTrue(rejected.detail().contains("bad_data") && rejected.detail().contains("bad range"), rejected.detail());
        var proxy = (PrometheusClient.Failed) PrometheusClient.parse(502, "<html>Bad Gateway</html>");
        assertEquals(PrometheusClient.Failure.REJECTED, proxy.why());
        var two = (PrometheusClient.Failed) PrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                + "{\"metric\":{\"job\":\"a\"},\"value\":[1,\"1\"]},{\"metric\":{\"job\":\"b\"},\"value\":[1,\"2\"]}]}}");
        assertEquals(PrometheusClient.Failure.MALFORMED, two.why());
    }

    @Test
    void severalTargetsAreOneGroupedQueryPerNumber() throws Exception {
        try (var fake = new FakePrometheusServer()) {
            Map<String, String> env = Map.of("PROMETHEUS_URL", fake.url().toString(), "PROM_SELECTOR", "env=\"prod\",job=\"{target}\"");
            var s = PrometheusSettings.from(new Env(env), List.of("app", "shop.eu", "idle", "gone"), 3, 1);
            assertEquals("job", s.targetLabel());
            assertEquals("env=\"prod\",job=~\"app|shop\\\\.eu|idle|gone\"", s.selector(), "a dot in a name is literal in the regex");
            var q = new PrometheusQueries(s);
            assertEquals("histogram_quantile(0.95, sum by (le, job) (rate(http_server_requests_seconds_bucket{env=\"prod\","
                    + "job=~\"app|shop\\\\.eu|idle|gone\"}[3000ms])))", q.quantile(0.95));
            assertTrue(q.rps().startsWith("sum by (job) (rate(http_server_requests_seconds_count{"), q.rps());
            // app and shop.eu have traffic, idle has series at rate 0, gone has none
            fake.answer(query -> {
                // the single-target query each grouped one stands for, answered as healthy() answers it
                String single = query.replace("sum by (le, job)", "sum by (le)").replace("sum by (job) (", "sum(");
                String v = healthy(single).body().replaceAll(".*\"value\":\\[[^,]*,\"([^\"]*)\"\\].*", "$1");
                boolean rate = single.startsWith("sum(rate(http_server_requests_seconds_count{") && !single.contains("status=~");
                boolean quantile = single.startsWith("histogram_quantile") || single.contains("_sum");
                return FakePrometheusServer.vectorBy("job", Map.of("app", v, "shop.eu", rate ? "40" : v,
                        "idle", quantile ? "NaN" : "0"));
            });
            var meters = new SimpleMeterRegistry();
            try (var src = new PrometheusSource(List.of("app", "shop.eu", "idle", "gone"), s, meters)) {
                List<LatencyMetrics> w = src.windows(t -> t.equals("app") ? 2 : 1);
                assertEquals(List.of("app", "shop.eu"), w.stream().map(LatencyMetrics::target).toList());
                assertEquals(193.3, w.get(0).p95Ms());
                assertEquals(120, w.get(0).rps());
                assertEquals(2, w.get(0).replicas());
                assertEquals(40, w.get(1).rps());
                assertEquals(1, w.get(1).replicas());
                assertEquals(6, fake.queries().size(), "six queries for four targets: " + fake.queries());
                assertEquals(1, count(meters, "no_traffic"));
                assertEquals(1, count(meters, "no_series"));
            }
        }
        var noLabel = assertThrows(ConfigException.class, () -> MonitorSettings.from(new Env(Map.of("TARGETS", "a,b", "PROBE_REQUESTS", "0",
                "MONITOR_SOURCE", "prometheus", "PROMETHEUS_URL", "http://127.0.0.1:9090", "PROM_SELECTOR", "job=\"web\""))));
        assertTrue(noLabel.getMessage().contains("PROM_SELECTOR") && noLabel.getMessage().contains("{target}"), noLabel.getMessage());
    }

    @Test
    void aGroupedAnswerIsReadBySeries() {
        var a = (PrometheusClient.ByLabel) PrometheusClient.parse(200, FakePrometheusServer.vectorBy("job", Map.of("a", "1.5", "b", "NaN")).body(), "job");
        assertEquals(new PrometheusClient.Value(1.5), a.of("a"));
        assertTrue(Double.isNaN(((PrometheusClient.Value) a.of("b")).value()));
        assertInstanceOf(PrometheusClient.NoSeries.class, a.of("c"));
        assertInstanceOf(PrometheusClient.Failed.class, PrometheusClient.parse(400, FakePrometheusServer.badData("x").body(), "job"));
        var scalar = PrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}", "job");
        assertEquals(PrometheusClient.Failure.MALFORMED, ((PrometheusClient.Failed) scalar).why());
    }

    static double count(SimpleMeterRegistry meters, String reason) {
        return meters.get("autoscaler_monitor_prometheus_skipped").tag("reason", reason).counter().count();
    }
}
