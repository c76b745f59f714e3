package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole pipeline with real parts: redis-server, nginx, the four services and app replicas as processes.
 * One replica serves 200 rps (4 workers × 20 ms); the SLO is 100 ms.
 */
class PipelineIT {

    static Map<String, String> fastSettings() {
        return Map.ofEntries(Map.entry("SLO_P95_MS", "100"), Map.entry("SAMPLE_INTERVAL", "1"), Map.entry("WORK_MS", "20"),
                Map.entry("WORKERS", "4"), Map.entry("MIN_REPLICAS", "1"), Map.entry("MAX_REPLICAS", "6"),
                Map.entry("UP_COOLDOWN_SEC", "4"), Map.entry("COOLDOWN_SEC", "4"), Map.entry("DOWN_STABILIZATION_SEC", "8"),
                Map.entry("LOW_NEED_N", "2"), Map.entry("MAX_STEP_DOWN", "10"), Map.entry("RECONCILE_SEC", "1"),
                Map.entry("DRAIN_SEC", "5"), Map.entry("PROBE_REQUESTS", "5"));
    }

    static LoadReport load(String url, RateShape shape, double seconds) throws InterruptedException {
        return new LoadGenerator(LoadGenerator.Config.bounded(URI.create(url), shape, seconds)).run(null);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aStepLoadScalesUpRestoresTheSloAndScalesBackDownWithoutAFailedRequest() throws Exception {
        Path dir = Files.createTempDirectory("it-step");
        try (LocalStack stack = new LocalStack(dir, fastSettings()).start()) {
            String lb = stack.lbUrl();
            assertEquals(1, stack.readyReplicas());
            // a fresh replica JVM is slow until its JIT warms up: judge one replica at 80 rps after that
            assertEquals(0, load(lb, new RateShape.Constant(80), 5).failed());
            LoadReport before = load(lb, new RateShape.Constant(80), 8);
            assertEquals(0, before.failed());
            assertTrue(before.p95Ms() < 100, "one replica handles 80 rps: " + before);

            // 4x step: 320 rps needs 2 replicas at 100 % and 3 at the 70 % target utilisation
            LoadReport overload = load(lb, new RateShape.Constant(320), 30);
            int peakReplicas = stack.readyReplicas();
            assertTrue(peakReplicas >= 2, "replicas after the step: " + peakReplicas);
            LoadReport settled = load(lb, new RateShape.Constant(320), 10);
            assertTrue(settled.p95Ms() < 100, "p95 back under the SLO at 320 rps with " + peakReplicas + " replicas: " + settled
                    + " (overload phase: " + overload + ")");

            // the load goes: replicas fall to MIN_REPLICAS while light traffic keeps flowing, none of it failing
            // on a thread of its own: the JDK HttpClient needs the common ForkJoin pool, which has a single worker here
            var loader = java.util.concurrent.Executors.newSingleThreadExecutor();
            java.util.concurrent.Future<LoadReport> light = loader.submit(() -> load(lb, new RateShape.Constant(20), 60));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(55);
            while (System.nanoTime() < deadline && stack.readyReplicas() > 1) Thread.sleep(500);
            assertEquals(1, stack.readyReplicas(), "replicas fall to the minimum when the load goes");
            LoadReport during = light.get();
            loader.shutdown();
            assertEquals(0, during.failed(), "failed requests during scale-down: " + during);
            assertTrue(during.ok() > 1000, during.toString());
            assertEquals(1, stack.replicaProcesses().size(), "drained replicas are stopped, not orphaned");
            // each service ran as its own ACL user (RedisAccess) and was never refused a command, key or channel
            assertEquals(List.of(), stack.bus().redis().aclLog(), "Redis ACL denials");
        }
    }
}
