package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.peers.PeerVectors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A KPA step's {@code specUpdate}: Knative's {@code Update} between two {@code Scale} calls, as verify-peers runs it. */
class KpaSpecUpdateTest {
    @TempDir
    Path dir;

    /**
     * knative/serving pkg/autoscaler/scaling/autoscaler_test.go TestAutoscalerUpdateTarget, restated. Stable 100 and
     * panic 101 concurrency throughout. Created with 1 ready pod, target 10, TBC 77: 10 pods (11/1 ≥ 2 also enters panic),
     * EBC expectedEBC(10, 77, 101, 1) = ⌊13.33 − 77 − 101⌋ = −165. Then 10 ready pods and Update to target 1, TBC 71:
     * ⌈100/1⌉ = 100 pods (the up-rate allows 10 × 10), EBC expectedEBC(1, 71, 101, 10) = ⌊13.33 − 71 − 101⌋ = −159.
     * Upstream's Update passes a whole DeciderSpec literal, so the fields it leaves out are Go zeros: of those only
     * {@code reachable} (true → false) is modelled by the decider, and it is listed; ActivatorCapacity is not modelled.
     */
    static String updateTarget(String specUpdate, int expectedAfterUpdate) {
        return """
                {
                  "name": "UpdateTarget",
                  "source": "knative/serving:pkg/autoscaler/scaling/autoscaler_test.go func TestAutoscalerUpdateTarget",
                  "spec": {
                    "scalingMetric": "concurrency", "targetValue": 10, "totalValue": 13.333333333333334,
                    "targetBurstCapacity": 77, "panicThreshold": 2.0, "maxScaleUpRate": 10.0, "maxScaleDownRate": 10.0,
                    "stableWindowSeconds": 60, "scaleDownDelaySeconds": 0, "reachable": true, "activationScale": 0
                  },
                  "initialReadyPods": 1,
                  "steps": [
                    {"tSeconds": 0, "readyPods": 1, "stableValue": 100, "panicValue": 101,
                     "expectedDesiredPodCount": 10, "expectedExcessBurstCapacity": -165},
                    {"tSeconds": 0, "readyPods": 10, "stableValue": 100, "panicValue": 101,%s
                     "expectedDesiredPodCount": %d, "expectedExcessBurstCapacity": -159}
                  ],
                  "note": "Update(target 1, TBC 71) between the two Scale calls applies from the second."
                }""".formatted(specUpdate == null ? "" : "\n \"specUpdate\": " + specUpdate + ",", expectedAfterUpdate);
    }

    static final String UPDATE = """
            {"targetValue": 1, "totalValue": 1.3333333333333333, "targetBurstCapacity": 71, "reachable": false}""";

    /**
     * knative/serving TestAutoscalerScaleDownDelayNotReachable, restated: a partial specUpdate (only {@code reachable})
     * keeps the rest of the spec, and an unreachable revision skips the 5-minute delay window at once.
     */
    static final String DELAY_NOT_REACHABLE = """
            {
              "name": "ScaleDownDelayNotReachable",
              "source": "knative/serving:pkg/autoscaler/scaling/autoscaler_test.go func TestAutoscalerScaleDownDelayNotReachable",
              "spec": {
                "scalingMetric": "", "targetValue": 10, "totalValue": 0, "targetBurstCapacity": 0, "panicThreshold": 100,
                "maxScaleUpRate": 10, "maxScaleDownRate": 10, "stableWindowSeconds": 0, "scaleDownDelaySeconds": 300,
                "reachable": true, "activationScale": 0
              },
              "initialReadyPods": 0,
              "steps": [
                {"tSeconds": 2, "readyPods": 0, "stableValue": 40, "panicValue": 40, "expectedDesiredPodCount": 4, "expectedExcessBurstCapacity": 0},
                {"tSeconds": 60, "readyPods": 0, "stableValue": 0, "panicValue": 0, "expectedDesiredPodCount": 4, "expectedExcessBurstCapacity": 0},
                {"tSeconds": 2, "readyPods": 0, "stableValue": 0, "panicValue": 0, "specUpdate": {"reachable": false},
                 "expectedDesiredPodCount": 0, "expectedExcessBurstCapacity": 0}
              ]
            }""";

    /**
     * Ours, not upstream: the panic state survives an update. Panic entered at t=0 with 4 pods; at t=10 the target
     * doubles to 20 and the load needs 2, but panic holds max panic pods (4); at t=61 panic has lasted a stable window
     * and ends, and the new target gives ⌈40/20⌉ = 2 (the old one would give 4).
     */
    static final String KEEPS_PANIC = """
            {
              "name": "UpdateKeepsPanicState",
              "source": "bench KpaSpecUpdateTest (not upstream)",
              "spec": {
                "scalingMetric": "rps", "targetValue": 10, "totalValue": 10, "targetBurstCapacity": 0, "panicThreshold": 2,
                "maxScaleUpRate": 10, "maxScaleDownRate": 10, "stableWindowSeconds": 60, "scaleDownDelaySeconds": 0,
                "reachable": true, "activationScale": 0
              },
              "initialReadyPods": 1,
              "steps": [
                {"tSeconds": 0, "readyPods": 1, "stableValue": 10, "panicValue": 40, "expectedDesiredPodCount": 4},
                {"tSeconds": 10, "readyPods": 4, "stableValue": 40, "panicValue": 40, "specUpdate": {"targetValue": 20},
                 "expectedDesiredPodCount": 4},
                {"tSeconds": 61, "readyPods": 4, "stableValue": 40, "panicValue": 40, "expectedDesiredPodCount": 2}
              ]
            }""";

    record Run(PeerVectors pv, String out) {}

    Run verify(String... cases) throws Exception {
        Files.writeString(dir.resolve("kpa_autoscaler.json"), "[\n" + String.join(",\n", cases) + "\n]\n");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PeerVectors pv = new PeerVectors(new PrintStream(buf, true));
        assertTrue(pv.runAll(dir));
        return new Run(pv, buf.toString());
    }

    @Test
    void knativeUpdateTargetPassesWithTheNewTargetFromTheNextStep() throws Exception {
        Run r = verify(updateTarget(UPDATE, 100), DELAY_NOT_REACHABLE, KEEPS_PANIC);
        assertEquals(0, r.pv().failed(), r.out());
        assertEquals(3, r.pv().passed(), r.out());
        assertTrue(r.out().contains("PASS kpa_autoscaler/UpdateTarget  expected [10/ebc=-165,100/ebc=-159]"), r.out());
    }

    @Test
    void aWrongExpectationAfterTheUpdateFails() throws Exception {
        // 10 is what the old target would still give; the update must change the count to 100.
        Run r = verify(updateTarget(UPDATE, 10));
        assertEquals(1, r.pv().failed(), r.out());
        assertEquals(0, r.pv().passed(), r.out());
        assertTrue(r.out().contains("FAIL kpa_autoscaler/UpdateTarget  expected [10/ebc=-165,10/ebc=-159], got [10/ebc=-165,100/ebc=-159]"),
                r.out());
    }

    @Test
    void withoutTheSpecUpdateTheUpstreamExpectationFails() throws Exception {
        // The vector discriminates: ignoring specUpdate (target still 10, 101/10 → 11 panic pods) cannot pass it.
        Run r = verify(updateTarget(null, 100));
        assertEquals(1, r.pv().failed(), r.out());
        assertTrue(r.out().contains("FAIL kpa_autoscaler/UpdateTarget  expected [10/ebc=-165,100/ebc="), r.out());
    }

    @Test
    void anUnknownSpecUpdateFieldIsAClearErrorNamingTheCase() throws Exception {
        Run r = verify(updateTarget("{\"targetValu\": 1}", 100), KEEPS_PANIC);
        assertEquals(1, r.pv().failed(), r.out());
        assertEquals(1, r.pv().passed(), r.out());
        assertTrue(r.out().contains("FAIL kpa_autoscaler/UpdateTarget  error: step 2 specUpdate: unknown field targetValu (known: "),
                r.out());
        assertTrue(r.out().contains("PASS kpa_autoscaler/UpdateKeepsPanicState"), r.out());
    }

    @Test
    void aMistypedSpecUpdateFieldIsAnError() throws Exception {
        Run r = verify(updateTarget("{\"targetValue\": \"1\"}", 100));
        assertEquals(1, r.pv().failed(), r.out());
        assertTrue(r.out().contains("FAIL kpa_autoscaler/UpdateTarget  error: step 2 specUpdate: field targetValue has the wrong type"),
                r.out());
    }
}
