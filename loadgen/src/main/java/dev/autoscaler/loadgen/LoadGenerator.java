package dev.autoscaler.loadgen;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open-loop load: requests are sent on a schedule set by the {@link RateShape}, whatever the server does, and
 * each latency is measured from the request's <em>scheduled</em> time, so a stalled server cannot hide its
 * stall (no coordinated omission). Bounded by duration, request count and concurrency; requests beyond the
 * concurrency bound are counted as failed ("dropped"), as a real client's would time out.
 */
public final class LoadGenerator {
    public record Config(URI url, RateShape shape, double durationSec, long maxRequests, int maxInFlight, double timeoutSec,
                         boolean poisson, long seed) {
        /** The bounds the demo, the pipeline bench and the tests use: 4000 in flight, 10 s timeout, even pacing. */
        public static Config bounded(URI url, RateShape shape, double durationSec) {
            return new Config(url, shape, durationSec, 10_000_000, 4000, 10, false, 1);
        }
    }

    /** A progress snapshot, once a second. */
    public record Progress(double tSec, double targetRps, long sent, long ok, long failed, double p95Ms) {}

    private static final long MAX_MICROS = 3_600_000_000L;

    private final Config cfg;
    private volatile boolean stopped;

    public LoadGenerator(Config cfg) {
        this.cfg = cfg;
    }

    public void stop() {
        stopped = true;
    }

    /** Refuses anything but loopback: load tests never leave this machine. */
    public static void requireLoopback(URI url) {
        try {
            for (InetAddress a : InetAddress.getAllByName(url.getHost())) {
                if (!a.isLoopbackAddress()) throw new IllegalArgumentException("refusing to send load to " + url.getHost()
                        + " (" + a.getHostAddress() + "): only loopback targets are allowed");
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + url.getHost());
        }
    }

    /** Sends the load and waits for it; safe to call from any thread, a common-pool task included. */
    public LoadReport run(Consumer<Progress> progress) throws InterruptedException {
        // the JDK's HttpClient completes responses on the common ForkJoinPool: a caller on one of its threads (say,
        // supplyAsync on 2 cores, where the pool has one) must let the pool add a thread, or no response is counted
        var blocker = new ForkJoinPool.ManagedBlocker() {
            LoadReport report;

            @Override
            public boolean block() throws InterruptedException {
                report = send(progress);
                return true;
            }

            @Override
            public boolean isReleasable() {
                return report != null;
            }
        };
        ForkJoinPool.managedBlock(blocker);
        return blocker.report;
    }

    private LoadReport send(Consumer<Progress> progress) throws InterruptedException {
        requireLoopback(cfg.url());
        var executor = Executors.newVirtualThreadPerTaskExecutor();
        HttpClient http = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(5)).build();
        Recorder interval = new Recorder(MAX_MICROS, 3);
        Histogram all = new Histogram(MAX_MICROS, 3);
        AtomicLong sent = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        FailureKinds errors = new FailureKinds();
        Semaphore inFlight = new Semaphore(cfg.maxInFlight());
        Duration timeout = Duration.ofMillis((long) (cfg.timeoutSec() * 1000));
        Random rnd = new Random(cfg.seed());
        HttpRequest request = HttpRequest.newBuilder(cfg.url()).timeout(timeout).GET().build();

        long start = System.nanoTime();
        long end = start + (long) (cfg.durationSec() * 1e9);
        double t = 0;
        long nextProgress = start + 1_000_000_000L;
        Histogram progressHist = null;
        try {
            while (!stopped && sent.get() < cfg.maxRequests()) {
                double rate = cfg.shape().rps(t);
                double gap = rate <= 0 ? 0.05 : (cfg.poisson() ? -Math.log(1 - rnd.nextDouble()) / rate : 1.0 / rate);
                t += gap;
                long scheduled = start + (long) (t * 1e9);
                if (scheduled >= end) break;
                long now;
                while ((now = System.nanoTime()) < scheduled) {
                    if (now >= nextProgress) break;
                    pause(scheduled - now);
                }
                if (now >= nextProgress) {
                    progressHist = interval.getIntervalHistogram(progressHist);
                    all.add(progressHist);
                    if (progress != null) {
                        progress.accept(new Progress((now - start) / 1e9, rate, sent.get(), ok.get(), failed.get(),
                                progressHist.getTotalCount() == 0 ? 0 : progressHist.getValueAtPercentile(95) / 1000.0));
                    }
                    nextProgress += 1_000_000_000L;
                    while ((now = System.nanoTime()) < scheduled) pause(scheduled - now);
                }
                if (rate <= 0) continue;
                sent.incrementAndGet();
                if (!inFlight.tryAcquire()) {
                    failed.incrementAndGet();
                    dropped.incrementAndGet();
                    errors.note("dropped: " + cfg.maxInFlight() + " in flight");
                    continue;
                }
                final long sched = scheduled;
                http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
                    inFlight.release();
                    interval.recordValue(Math.min(MAX_MICROS, Math.max(1, (System.nanoTime() - sched) / 1000)));
                    if (err == null && resp.statusCode() < 400) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        errors.note(err == null ? "status " + resp.statusCode() : describe(err));
                    }
                });
            }
        } catch (InterruptedException e) {
            // stop at once: no request in flight is waited for
            http.shutdownNow();
            executor.shutdownNow();
            throw e;
        }
        // wait for requests in flight (bounded by their timeout)
        inFlight.tryAcquire(cfg.maxInFlight(), (long) (cfg.timeoutSec() * 1000) + 2000, TimeUnit.MILLISECONDS);
        all.add(interval.getIntervalHistogram());
        double elapsed = (System.nanoTime() - start) / 1e9;
        executor.shutdownNow();
        http.close();
        long n = all.getTotalCount();
        return new LoadReport(sent.get(), ok.get(), failed.get(), ms(all, 50, n), ms(all, 95, n), ms(all, 99, n),
                n == 0 ? 0 : all.getMaxValue() / 1000.0, n == 0 ? 0 : Math.round(all.getMean()) / 1000.0,
                Math.round(elapsed * 1000) / 1000.0, Math.round(sent.get() / elapsed * 100) / 100.0, dropped.get(), errors.counts());
    }

    /**
     * Parks up to a millisecond; an interrupt ends the run (parkNanos returns at once while the flag is set, so a loop
     * that ignored it would spin at full speed until the run's end).
     */
    private static void pause(long nanos) throws InterruptedException {
        LockSupport.parkNanos(Math.min(nanos, 1_000_000L));
        if (Thread.interrupted()) throw new InterruptedException("load run interrupted");
    }

    /** A failure's kind: the exception's class and message, without the request's details. */
    static String describe(Throwable err) {
        Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** How many failures of each kind, for the first {@value #KINDS} kinds seen (a failed run says why it failed). */
    static final class FailureKinds {
        static final int KINDS = 5;
        private final java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();

        synchronized void note(String kind) {
            if (counts.containsKey(kind) || counts.size() < KINDS) counts.merge(kind, 1L, Long::sum);
        }

        synchronized java.util.Map<String, Long> counts() {
            return java.util.Map.copyOf(counts);
        }
    }

    private static double ms(Histogram h, double p, long n) {
        return n == 0 ? 0 : h.getValueAtPercentile(p) / 1000.0;
    }
}
