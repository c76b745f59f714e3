package dev.autoscaler.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
    @Test
    void thePocsAlertParsesWithTheDefaultTarget() {
        String poc = "{\"kind\":\"latency_metrics\",\"endpoint\":\"http://lb/\",\"window_sec\":3.0,\"requests\":40,\"success_rate\":0.975,"
                + "\"avg_ms\":214.7,\"p95_ms\":1180.6,\"replicas\":2,\"ts\":1761581000.52}";
        LatencyMetrics m = Json.read(poc, LatencyMetrics.class);
        assertEquals("app", m.target());
        assertEquals(1180.6, m.p95Ms());
        assertEquals(2, m.replicas());
        assertNull(m.servedRps());
        assertEquals(0, m.rps());
    }

    @Test
    void thePocsPlanParsesAndOursKeepsItsFieldNames() throws Exception {
        String poc = "{\"ts\":1761581001.07,\"kind\":\"plan\",\"container\":\"app\",\"decision\":{\"action\":\"scale_up\",\"target\":\"app\","
                + "\"reason\":\"9.4x baseline (cadence)\"},\"telemetry\":{\"p95_ms\":1180.6,\"baseline_ms\":125.9,\"sigma_ms\":3.1,"
                + "\"low_windows\":[false,false,false],\"replicas\":2}}";
        Plan p = Json.read(poc, Plan.class);
        assertEquals(Plan.Action.scale_up, p.decision().action());
        assertEquals(List.of(false, false, false), p.telemetry().lowWindows());
        assertEquals("app", p.target(), "taken from decision.target");
        JsonNode out = Json.MAPPER.readTree(Json.write(p));
        assertEquals("scale_up", out.at("/decision/action").asText());
        assertEquals("app", out.at("/target").asText());
        assertEquals(125.9, out.at("/telemetry/baseline_ms").asDouble());
        assertTrue(out.at("/decision/target_replicas").isMissingNode(), "absent fields are not written as null");
    }

    @Test
    void malformedMessagesAreRejectedWithAReason() {
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("not json", LatencyMetrics.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"p95_ms\":-1}", LatencyMetrics.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"p95_ms\":5,\"success_rate\":1.5}", LatencyMetrics.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"kind\":\"latency_metrics\",\"ts\":1}", LatencyMetrics.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"target\":\"a b\"}", LatencyMetrics.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"kind\":\"plan\"}", Plan.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"decision\":{\"action\":\"explode\"}}", Plan.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"target\":\"app\"}", ReplicaSet.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"target\":\"app\"}", ExecResult.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("{\"target\":\"app\"}", Upstreams.class));
        assertThrows(Json.MalformedMessageException.class, () -> Json.read("[1,2]", LatencyMetrics.class));
    }

    @Test
    void unknownFieldsAreIgnored() {
        ReplicaSet s = Json.read("{\"target\":\"app\",\"replicas\":[{\"id\":\"app-dup-1\",\"address\":\"127.0.0.1:9101\","
                + "\"state\":\"ready\",\"pid\":42}],\"ts\":1,\"extra\":true}", ReplicaSet.class);
        assertEquals(1, s.ready().size());
    }
}
