package dev.autoscaler.monitor;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import io.micrometer.core.instrument.Counter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.net.URI;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one {@code latency_metrics} per target per SAMPLE_INTERVAL, on schedule; one monitor measures every target
 * of TARGETS with one access-log reader, one prober and one set of Prometheus queries. Latency comes from the access
 * log when it saw at least MIN_LOG_REQUESTS of the target's requests in the window (the real traffic's distribution),
 * else from the probes; rps is the arrival rate from stub_status when configured and there is one target (its counter
 * is the whole nginx's), else the access log's rate. With MONITOR_SOURCE=prometheus a {@link PrometheusSource} reads
 * the windows instead and nothing else runs.
 */
public final class MonitorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(MonitorService.class);

    private final MonitorSettings s;
    private final RedisBus bus;
    private final ProbeSampler probes;
    private final AccessLogTailer accessLog;
    private final StubStatusReader status;
    private final PrometheusSource prometheus;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("window").daemon().factory());
    private final AtomicLong published = new AtomicLong();
    private final Map<String, LatencyMetrics> last = new ConcurrentHashMap<>();
    /** Windows published per target, each counter there from the start so that a target that never had one shows 0. */
    private final Map<String, Counter> windows = new LinkedHashMap<>();
    private long lastTickNanos = System.nanoTime();

    public MonitorService(ServiceContext ctx) {
        this.s = MonitorSettings.from(ctx.env());
        this.bus = ctx.bus();
        this.prometheus = s.prometheus() != null ? new PrometheusSource(s.targets(), s.prometheus(), ctx.meters()) : null;
        // in prometheus mode nothing probes or tails: Prometheus already sees every request
        boolean nginx = prometheus == null;
        Map<String, URI> urls = new LinkedHashMap<>();
        for (String t : s.targets()) urls.put(t, s.targetUrl(t));
        this.probes = new ProbeSampler(urls, s.sampleIntervalSec(), nginx ? s.probeRequests() : 0, s.timeoutSec());
        this.accessLog = nginx && s.accessLog() != null ? new AccessLogTailer(s.accessLog(), s.targets()) : null;
        boolean oneTarget = s.targets().size() == 1;
        this.status = nginx && s.statusUrl() != null && oneTarget ? new StubStatusReader(s.statusUrl()) : null;
        if (status != null) status.sample();
        if (nginx && s.statusUrl() != null && !oneTarget) {
            log.info("monitor: stub_status counts the whole nginx, not one target: with {} targets each one's rps is its access-log rate",
                    s.targets().size());
        }
        ctx.meters().gauge("autoscaler_monitor_access_log_malformed", this, m -> m.accessLog == null ? 0 : m.accessLog.malformed());
        ctx.meters().gauge("autoscaler_monitor_access_log_unattributed", this, m -> m.accessLog == null ? 0 : m.accessLog.unattributed());
        for (String t : s.targets()) {
            windows.put(t, Counter.builder("autoscaler_monitor_windows").tag("target", t)
                    .description("latency windows published for the target").register(ctx.meters()));
        }
        long period = (long) (s.sampleIntervalSec() * 1000);
        ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        String targets = s.targets().size() <= 5 ? String.join(",", s.targets()) : s.targets().size() + " targets";
        if (prometheus != null) {
            log.info("monitor: {} from prometheus {} every {} s (rate over {} s)", targets, prometheus.endpoint(), s.sampleIntervalSec(),
                    s.prometheus().rangeSec());
        } else {
            log.info("monitor: {} at {} every {} s ({} probes, access log {}, stub_status {})", targets, s.targetUrl(), s.sampleIntervalSec(),
                    s.probeRequests(), s.accessLog() == null ? "off" : s.accessLog(), status == null ? "off" : s.statusUrl());
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            double windowSec = (now - lastTickNanos) / 1e9;
            // a tick that waited (on Redis away) is followed at once by the ticks it held up: windows of milliseconds,
            // where one request reads as a hundred a second; their time joins the next window instead
            if (windowSec < s.sampleIntervalSec() / 2) return;
            lastTickNanos = now;
            if (prometheus != null) {
                Map<String, Integer> ready = ReplicaRegistry.ready(bus, s.targets());
                prometheus.windows(t -> ready.getOrDefault(t, 0)).forEach(this::publish);
                return;
            }
            // drained before Redis is asked: a window lost to Redis away must not pile its requests onto the next one
            Map<String, LatencySample> logged = accessLog != null ? accessLog.drain() : Map.of();
            Optional<StubStatusReader.Rate> rate = status != null ? status.sample() : Optional.empty();
            Map<String, LatencySample> probed = new LinkedHashMap<>();
            for (String t : s.targets()) probed.put(t, probes.drain(t));
            Map<String, Integer> ready = ReplicaRegistry.ready(bus, s.targets());
            for (String t : s.targets()) {
                LatencyMetrics m = assemble(s, t, windowSec, probed.get(t), logged.get(t), rate.orElse(null), ready.getOrDefault(t, 0));
                if (m != null) publish(m);
            }
        } catch (RuntimeException e) {
            log.warn("window not published: {}", e.getMessage());
        }
    }

    private void publish(LatencyMetrics m) {
        last.put(m.target(), m);
        bus.publish(Channels.ALERTS, m);
        published.incrementAndGet();
        Counter c = windows.get(m.target());
        if (c != null) c.increment();
    }

    static LatencyMetrics assemble(MonitorSettings s, String target, double windowSec, LatencySample probe, LatencySample logged,
                                   StubStatusReader.Rate rate, int replicas) {
        boolean useLog = logged != null && logged.total() >= s.minLogRequests();
        LatencySample src = useLog ? logged : probe;
        if (src.total() == 0 && (logged == null || logged.total() == 0)) {
            if (probe.total() == 0) return null; // nothing finished at all: no information, publish nothing
        }
        if (src.total() == 0) src = logged;
        Double served = logged != null ? logged.total() / windowSec : null;
        double rps = rate != null ? rate.arrivalsPerSec() : served != null ? served : probe.total() / windowSec;
        return new LatencyMetrics(LatencyMetrics.KIND, target, s.targetUrl(target).toString(), round(windowSec, 3),
                (int) src.total(), round(src.successRate(), 4), round(src.meanMs(), 2), round(src.percentileMs(50), 2),
                round(src.percentileMs(95), 2), round(src.percentileMs(99), 2), round(src.maxMs(), 2), round(rps, 3),
                served == null ? null : round(served, 3), rate == null ? null : rate.inFlight(), replicas,
                useLog ? "access_log" : "probe", System.currentTimeMillis() / 1000.0);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    @Override
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("windows", published.get());
        d.put("targets", s.targets().size());
        LatencyMetrics first = last.get(s.targets().get(0));
        d.put("last_p95_ms", first == null ? null : first.p95Ms());
        d.put("last_rps", first == null ? null : first.rps());
        d.put("last_source", first == null ? null : first.source());
        if (s.targets().size() > 1) d.put("targets_with_windows", last.size());
        if (accessLog != null) d.put("access_log_unattributed", accessLog.unattributed());
        if (prometheus != null) d.put("prometheus_skipped", prometheus.skipped());
        return new OpsServer.Health(true, d);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        probes.close();
        if (prometheus != null) prometheus.close();
    }
}
