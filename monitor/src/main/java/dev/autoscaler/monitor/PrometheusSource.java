package dev.autoscaler.monitor;

import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.monitor.PrometheusClient.Answer;
import dev.autoscaler.monitor.PrometheusClient.ByLabel;
import dev.autoscaler.monitor.PrometheusClient.Failed;
import dev.autoscaler.monitor.PrometheusClient.NoSeries;
import dev.autoscaler.monitor.PrometheusClient.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A window's latency and traffic read from Prometheus with PromQL (MONITOR_SOURCE=prometheus): p50/p95/p99 from the
 * histogram's buckets, rps from the request counter's rate, all summed over the replicas the selector matches. When
 * Prometheus cannot answer with real numbers the window is skipped, never filled in: each reason is counted
 * ({@code autoscaler_monitor_prometheus_skipped_total{reason}}) and logged the first time it happens.
 */
final class PrometheusSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrometheusSource.class);

    /** Why a window was not published. */
    enum Skip { UNREACHABLE, REJECTED, MALFORMED, NO_SERIES, NO_TRAFFIC, BEYOND_BUCKETS }

    /** A window, or why there is none (with the detail worth one log line). */
    record Outcome(LatencyMetrics window, Skip skipped, String detail) {
        static Outcome skip(Skip why, String detail) { return new Outcome(null, why, detail); }
    }

    private final List<String> targets;
    private final PrometheusSettings s;
    private final PrometheusQueries q;
    private final PrometheusClient client;
    private final Map<Skip, Counter> skipCounters = new EnumMap<>(Skip.class);
    private final Set<Skip> logged = EnumSet.noneOf(Skip.class);
    private final AtomicLong skipped = new AtomicLong();
    private long skippedSinceLastWindow;

    PrometheusSource(String target, PrometheusSettings s, MeterRegistry meters) {
        this(List.of(target), s, meters);
    }

    /** Several targets need {@code s.targetLabel()}: the answers are grouped by it. */
    PrometheusSource(List<String> targets, PrometheusSettings s, MeterRegistry meters) {
        if (targets.size() > 1 && s.targetLabel() == null) throw new IllegalArgumentException("several targets need a target label");
        this.targets = List.copyOf(targets);
        this.s = s;
        this.q = new PrometheusQueries(s);
        this.client = new PrometheusClient(s.url(), s.shownUrl(), s.timeoutSec());
        for (Skip k : Skip.values()) {
            skipCounters.put(k, Counter.builder("autoscaler_monitor_prometheus_skipped")
                    .description("Windows not published because Prometheus gave no usable numbers")
                    .tag("reason", k.name().toLowerCase(Locale.ROOT)).register(meters));
        }
    }

    /** The one target's window, or empty (counted, and logged the first time for each reason). */
    Optional<LatencyMetrics> window(int replicas) {
        return windows(t -> replicas).stream().findFirst();
    }

    /** Every target's window that Prometheus had real numbers for; the others are counted and logged once per reason. */
    synchronized List<LatencyMetrics> windows(ToIntFunction<String> replicas) {
        List<LatencyMetrics> out = new ArrayList<>();
        int skippedNow = 0;
        for (Outcome o : read(replicas).values()) {
            if (o.window() != null) {
                out.add(o.window());
                continue;
            }
            skipped.incrementAndGet();
            skippedNow++;
            skipCounters.get(o.skipped()).increment();
            if (logged.add(o.skipped())) {
                log.warn("prometheus: window skipped ({}): {} [logged once per reason; see autoscaler_monitor_prometheus_skipped_total]",
                        o.skipped().name().toLowerCase(Locale.ROOT), o.detail());
            }
        }
        // "again" after a run of rounds that published nothing, not after one idle target among busy ones
        if (out.isEmpty()) {
            skippedSinceLastWindow += skippedNow;
        } else {
            if (skippedSinceLastWindow > 0) log.info("prometheus: windows again after {} skipped", skippedSinceLastWindow);
            skippedSinceLastWindow = 0;
        }
        return out;
    }

    long skipped() {
        return skipped.get();
    }

    /**
     * Runs the queries concurrently, each bounded by TIMEOUT_S, and turns the answers into each target's window or
     * skip (in the order of the targets).
     */
    Map<String, Outcome> read(ToIntFunction<String> replicas) {
        String by = s.targetLabel();
        var p50 = client.query(q.quantile(0.5), by);
        var p95 = client.query(q.quantile(0.95), by);
        var p99 = client.query(q.quantile(0.99), by);
        var rps = client.query(q.rps(), by);
        var mean = client.query(q.mean(), by);
        CompletableFuture<Answer> errors = s.statusLabel().isEmpty()
                ? CompletableFuture.completedFuture(by == null ? new NoSeries() : new ByLabel(Map.of())) : client.query(q.errors(), by);
        CompletableFuture.allOf(p50, p95, p99, rps, mean, errors).join();
        Map<String, Outcome> out = new LinkedHashMap<>();
        for (String t : targets) {
            out.put(t, assemble(t, replicas.applyAsInt(t), of(rps.join(), t), of(p50.join(), t), of(p95.join(), t), of(p99.join(), t),
                    of(mean.join(), t), of(errors.join(), t)));
        }
        return out;
    }

    /** One target's part of an answer: its series of a grouped one; a single answer or a failure as it is. */
    private static Answer of(Answer a, String target) {
        return a instanceof ByLabel b ? b.of(target) : a;
    }

    Outcome assemble(String target, int replicas, Answer rps, Answer p50, Answer p95, Answer p99, Answer mean, Answer errors) {
        for (Answer a : new Answer[] {rps, p95, p50, p99, mean}) {
            if (a instanceof Failed f) {
                Skip why = switch (f.why()) {
                    case UNREACHABLE -> Skip.UNREACHABLE;
                    case REJECTED -> Skip.REJECTED;
                    case MALFORMED -> Skip.MALFORMED;
                };
                return Outcome.skip(why, s.shownUrl() + ": " + f.detail());
            }
        }
        if (!(rps instanceof Value r) || !(p95 instanceof Value v95)) {
            return Outcome.skip(Skip.NO_SERIES, forTarget(target) + "no series match " + q.rps() + " or " + q.quantile(0.95));
        }
        if (!(r.value() > 0)) return Outcome.skip(Skip.NO_TRAFFIC, forTarget(target) + "rps is " + r.value() + " over " + s.rangeSec() + " s");
        double[] quantiles = {value(p50), v95.value(), value(p99)};
        double meanSec = value(mean);
        for (double d : quantiles) {
            if (Double.isInfinite(d)) return Outcome.skip(Skip.BEYOND_BUCKETS, forTarget(target) + "a quantile lies beyond the largest finite bucket (+Inf)");
        }
        for (double d : new double[] {quantiles[0], quantiles[1], quantiles[2], meanSec}) {
            if (!(d >= 0)) return Outcome.skip(Skip.NO_SERIES, forTarget(target) + "no bucket series match " + q.quantile(0.95) + " (rps " + r.value() + ")");
        }
        Double success = errors instanceof Value e && e.value() >= 0 ? Math.max(0, Math.min(1, 1 - e.value() / r.value()))
                : errors instanceof NoSeries ? 1.0 : null;
        double rate = round(r.value(), 3);
        return new Outcome(new LatencyMetrics(LatencyMetrics.KIND, target, endpoint(), s.rangeSec(),
                (int) Math.round(r.value() * s.rangeSec()), success == null ? null : round(success, 4), ms(meanSec),
                ms(quantiles[0]), ms(quantiles[1]), ms(quantiles[2]),
                // a histogram keeps no maximum; its highest quantile read is the honest upper number
                ms(quantiles[2]),
                // Prometheus counts a request when it completes: the rate is served traffic, and the only rate known
                rate, rate, null, replicas, "prometheus", System.currentTimeMillis() / 1000.0), null, null);
    }

    /** With several targets a skip's detail names the one it was. */
    private String forTarget(String target) {
        return targets.size() > 1 ? target + ": " : "";
    }

    /** What the numbers describe, for the message's {@code endpoint}. */
    String endpoint() {
        return s.shownUrl() + " " + s.histogram() + (s.selector().isEmpty() ? "" : "{" + s.selector() + "}");
    }

    private static double value(Answer a) {
        return a instanceof Value v ? v.value() : Double.NaN;
    }

    private static double ms(double seconds) {
        return round(seconds * 1000, 2);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    @Override
    public void close() {
        client.close();
    }
}
