package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.cli.LocalStack;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two targets behind one nginx, measured by one monitor from the one access log (keyed by upstream): load on one of
 * them scales it, and the other's windows show only its own traffic. Real redis-server, nginx, services and app replicas.
 */
class ManyTargetsIT {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void oneMonitorMeasuresEachTargetFromTheSharedLogAndTheLoadedOneScales() throws Exception {
        Path dir = Files.createTempDirectory("it-many");
        Map<String, String> settings = new HashMap<>(PipelineIT.fastSettings());
        settings.put("PROBE_REQUESTS", "10");
        try (LocalStack stack = new LocalStack(dir, settings).targets(List.of("app", "shop")).start()) {
            List<LatencyMetrics> windows = new CopyOnWriteArrayList<>();
            stack.bus().subscribe(Channels.ALERTS, LatencyMetrics.class, windows::add);
            String shop = stack.lbUrl("shop");
            assertTrue(shop.endsWith("/t/shop/"), shop);
            assertEquals(0, PipelineIT.load(shop, new RateShape.Constant(80), 5).failed(), "warm-up through /t/shop/");
            // 280 rps needs two replicas or more (one serves 200 at most); app gets only the monitor's probes
            LoadReport step = PipelineIT.load(shop, new RateShape.Constant(280), 30);
            assertTrue(step.ok() > 7000, step.toString());
            assertTrue(stack.readyReplicas("shop") >= 2, "shop scaled up: " + stack.readyReplicas("shop"));
            // not asserted: that app keeps one replica. On two cores shop's new replica JVMs slow app's probes too, and
            // its planner may learn a low capacity from that and add one (seen in 1 of 2 runs): a noisy neighbour, not a
            // mix-up of the two targets' numbers, which is what this test checks

            List<LatencyMetrics> busy = windows.stream().filter(w -> w.target().equals("shop") && w.rps() > 200).toList();
            assertTrue(busy.size() >= 10, "shop's windows under load: " + busy.size());
            assertTrue(busy.stream().allMatch(w -> "access_log".equals(w.source()) && w.endpoint().endsWith("/t/shop/")), busy.toString());
            List<LatencyMetrics> idle = windows.stream().filter(w -> w.target().equals("app")).toList();
            assertTrue(idle.size() >= 10, "app still has windows: " + idle.size());
            assertTrue(idle.stream().allMatch(w -> w.rps() < 20), "app's rate is its own, not the whole nginx's: "
                    + idle.stream().map(LatencyMetrics::rps).toList());

            JsonNode health = Json.MAPPER.readTree(Http.get("http://127.0.0.1:" + stack.opsPorts().get("monitor") + "/health").body());
            assertEquals(2, health.path("targets").asInt(), health.toString());
            assertEquals(0, health.path("access_log_unattributed").asLong(), health.toString());
            assertEquals(List.of(), stack.bus().redis().aclLog(), "Redis ACL denials");
        }
    }
}
