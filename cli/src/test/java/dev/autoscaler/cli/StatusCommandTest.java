package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.status.ServiceInfo;
import dev.autoscaler.common.status.StatusReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The text {@code autoscaler status} prints: the target lines as before, then the services. */
class StatusCommandTest {
    @Test
    void targetLinesStayAsTheyWereAndTheServicesFollow() {
        var row = new StatusReader.TargetStatus("app", "enforce", "advise", 3, 3, 21.0, 320.4, 1.0,
                new StatusReader.LastDecision("noop", 3, "p95 21.0 ms within threshold 100.0 ms", "heuristic", 0.9, 1.0), null,
                Map.of("llm", "advise"), new ExecResult(1.0, "p1", "reconcile", "app", "level-triggered", 3, 3, new ExecResult.Outcome("noop", "3 replica(s) as desired")));
        var services = List.of(new ServiceInfo("executor", "vm-812", "http://127.0.0.1:40125", "0.1.0", 1.0, 3725.4),
                new ServiceInfo("planner", "vm-811", "http://127.0.0.1:40123", "0.1.0", 1.0, 42.9));

        String out = capture(o -> {
            StatusCommand.print(List.of(row), o);
            StatusCommand.printServices(services, o);
        });

        assertEquals("""
                TARGET       MODE     DESIRED READY    P95_MS      RPS  LAST DECISION
                app          enforce        3     3      21.0    320.4  noop -> 3: p95 21.0 ms within threshold 100.0 ms

                SERVICE    INSTANCE                     OPS URL                      AGE
                executor   vm-812                       http://127.0.0.1:40125       1h02m
                planner    vm-811                       http://127.0.0.1:40123       42s
                """, out);
    }

    @Test
    void theShadowTotalsFollowTheTargetLineNamedAsEstimates() {
        var shadow = new Plan.Shadow(new Plan.Peer(4, 14_800, 0), new Plan.Peer(3, 12_010.4, 12), new Plan.Peer(3, 11_200, 40),
                1000.0, "estimates: as the planner says");
        var row = new StatusReader.TargetStatus("app", "enforce", null, 3, 3, 21.0, 320.4, 1000.0 + 3725, null, null, Map.of(),
                null, shadow, null);
        String out = capture(o -> StatusCommand.print(List.of(row), o));
        assertTrue(out.endsWith("\n             shadow over 1h02m: ours 3 now, 11200 replica-s, 40 s over; hpa 4 now, 14800 replica-s, "
                + "0 s over; kpa 3 now, 12010 replica-s, 12 s over (estimates: as the planner says)\n"), out);
    }

    @Test
    void thePlannerThatDecidedTheTargetFollowsItsLine() {
        var row = new StatusReader.TargetStatus("app", "enforce", null, 3, 3, 21.0, 320.4, 1.0, null, null, Map.of(), null, null,
                "host-a/4242/1a2b3c4d");
        String out = capture(o -> StatusCommand.print(List.of(row), o));
        assertTrue(out.contains("\n             planner host-a/4242/1a2b3c4d\n"), out);
        var alone = new StatusReader.TargetStatus("app", "enforce", null, 3, 3, 21.0, 320.4, 1.0, null, null, Map.of(), null);
        assertTrue(!capture(o -> StatusCommand.print(List.of(alone), o)).contains("planner "), "no line where no planner is known");
    }

    @Test
    void anExecutorThatCouldNotActSaysWhyUnderItsTarget() {
        var refused = new ExecResult(2.0, "p2", "scale_up", "web", "p95 above SLO", 2, 2, new ExecResult.Outcome("error",
                "refused: HorizontalPodAutoscaler shop/web-cpu also scales Deployment shop/web"));
        var row = new StatusReader.TargetStatus("web", "enforce", null, 6, 2, 180.0, 400.0, 2.0, null, null, Map.of(), refused);
        String out = capture(o -> StatusCommand.print(List.of(row), o));
        assertTrue(out.contains("executor error: refused: HorizontalPodAutoscaler shop/web-cpu also scales Deployment shop/web"), out);
    }

    @Test
    void aServiceWithALeaseSaysWhetherItActsOrStandsBy() {
        var services = List.of(
                new ServiceInfo("planner", "vm-811", "http://127.0.0.1:40123", "0.1.0", 1.0, 42.9,
                        new ServiceInfo.Lease("planner", "active", "vm/811/a1b2")),
                new ServiceInfo("planner", "vm-907", "http://127.0.0.1:40127", "0.1.0", 1.0, 12.0,
                        new ServiceInfo.Lease("planner", "standby", "vm/811/a1b2")));
        String out = capture(o -> StatusCommand.printServices(services, o));
        assertTrue(out.contains("42s  active\n"), out);
        assertTrue(out.contains("12s  standby (lease held by vm/811/a1b2)\n"), out);
    }

    @Test
    void noServicesSaysSo() {
        assertEquals("\nno services with a heartbeat (none running, or all older than this version)\n",
                capture(o -> StatusCommand.printServices(List.of(), o)));
    }

    @Test
    void agesAreShortAndExact() {
        assertEquals(List.of("0s", "59s", "1m00s", "59m59s", "1h00m", "23h59m", "1d00h", "3d04h"),
                List.of(0.4, 59.9, 60.0, 3599.0, 3600.0, 86399.0, 86400.0, 273600.0).stream().map(StatusCommand::age).toList());
    }

    private static String capture(java.util.function.Consumer<PrintStream> print) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            print.accept(o);
        }
        return buf.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
