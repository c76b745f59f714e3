package dev.autoscaler.monitor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Active probes, paced evenly across each window and sent concurrently, each bounded by TIMEOUT_S. Unlike the
 * PoC's serial loop a window never stretches under overload: a slow probe lands in whichever window is open
 * when it finishes, and a timed-out probe counts as TIMEOUT_S and as a failure. One pacer and one HTTP client serve
 * every target: each pace sends one probe to each target's URL.
 */
final class ProbeSampler implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("probe-pacer").daemon().factory());
    private final Map<String, Probed> targets = new LinkedHashMap<>();
    private final Duration timeout;

    /** One target's probes: where they go and what came back. */
    private record Probed(URI url, Recorder recorder, AtomicLong ok, AtomicLong total) {}

    ProbeSampler(Map<String, URI> urls, double intervalSec, int probesPerWindow, double timeoutSec) {
        this.timeout = Duration.ofMillis((long) (timeoutSec * 1000));
        urls.forEach((t, u) -> targets.put(t, new Probed(u, new Recorder(LatencySample.MAX_MICROS, 3), new AtomicLong(), new AtomicLong())));
        if (probesPerWindow > 0) {
            long periodMicros = (long) (intervalSec * 1e6 / probesPerWindow);
            pacer.scheduleAtFixedRate(() -> targets.values().forEach(this::probe), 0, Math.max(1000, periodMicros), TimeUnit.MICROSECONDS);
        }
    }

    private void probe(Probed p) {
        long start = System.nanoTime();
        HttpRequest req = HttpRequest.newBuilder(p.url()).timeout(timeout).header("User-Agent", "autoscaler-monitor").GET().build();
        http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            long micros = Math.min((System.nanoTime() - start) / 1000, LatencySample.MAX_MICROS);
            if (err != null) micros = Math.max(micros, timeout.toNanos() / 1000);
            p.recorder().recordValue(micros);
            p.total().incrementAndGet();
            if (err == null && resp.statusCode() < 400) p.ok().incrementAndGet();
        });
    }

    /** Everything of {@code target}'s finished since the last call. */
    LatencySample drain(String target) {
        Probed p = targets.get(target);
        return new LatencySample(p.recorder().getIntervalHistogram(), p.ok().getAndSet(0), p.total().getAndSet(0));
    }

    @Override
    public void close() {
        pacer.shutdownNow();
        http.shutdownNow();
    }
}
