package dev.autoscaler.monitor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Active probes, paced evenly across each window and sent concurrently, each bounded by TIMEOUT_S. Unlike the
 * PoC's serial loop a window never stretches under overload: a slow probe lands in whichever window is open
 * when it finishes, and a timed-out probe counts as TIMEOUT_S and as a failure.
 */
final class ProbeSampler implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("probe-pacer").daemon().factory());
    private final Recorder recorder = new Recorder(LatencySample.MAX_MICROS, 3);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final URI url;
    private final Duration timeout;

    ProbeSampler(URI url, double intervalSec, int probesPerWindow, double timeoutSec) {
        this.url = url;
        this.timeout = Duration.ofMillis((long) (timeoutSec * 1000));
        if (probesPerWindow > 0) {
            long periodMicros = (long) (intervalSec * 1e6 / probesPerWindow);
            pacer.scheduleAtFixedRate(this::probe, 0, Math.max(1000, periodMicros), TimeUnit.MICROSECONDS);
        }
    }

    private void probe() {
        long start = System.nanoTime();
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", "autoscaler-monitor").GET().build();
        http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            long micros = Math.min((System.nanoTime() - start) / 1000, LatencySample.MAX_MICROS);
            if (err != null) micros = Math.max(micros, timeout.toNanos() / 1000);
            recorder.recordValue(micros);
            total.incrementAndGet();
            if (err == null && resp.statusCode() < 400) ok.incrementAndGet();
        });
    }

    /** Everything finished since the last call. */
    LatencySample drain() {
        return new LatencySample(recorder.getIntervalHistogram(), ok.getAndSet(0), total.getAndSet(0));
    }

    @Override
    public void close() {
        pacer.shutdownNow();
    }
}
