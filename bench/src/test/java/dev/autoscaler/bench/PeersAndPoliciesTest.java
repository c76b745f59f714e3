package dev.autoscaler.bench;

import dev.autoscaler.bench.run.BenchRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.bench.peers.PeerVectors;
import dev.autoscaler.bench.policy.OraclePolicy;
import dev.autoscaler.bench.report.Summary;
import dev.autoscaler.bench.sim.SimConfig;
import dev.autoscaler.bench.sim.SimResult;
import dev.autoscaler.bench.sim.Simulator;
import dev.autoscaler.bench.trace.Trace;
import dev.autoscaler.common.msg.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeersAndPoliciesTest {
    static final SimConfig CFG = SimConfig.defaults();

    @Test
    void everyUpstreamVectorPasses() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PeerVectors pv = new PeerVectors(new PrintStream(buf, true));
        assertTrue(pv.runAll(Path.of(getClass().getResource("/vectors").toURI())));
        assertEquals(0, pv.failed(), buf.toString());
        assertTrue(pv.passed() >= 61, buf.toString());
    }

    /** A ramp, a plateau, a flash crowd and a drop, at second resolution. */
    static double[] shape() {
        double[] a = new double[3600];
        for (int s = 0; s < a.length; s++) {
            double r = s < 600 ? 300 : s < 1200 ? 300 + (s - 600) * 2 : s < 1800 ? 1500 : s < 1860 ? 3000 : s < 2400 ? 1500 : 200;
            a[s] = r;
        }
        return a;
    }

    static SimResult run(String policy) {
        return new Simulator(CFG).run("shape", shape(), new BenchRunner(CFG, Map.of()).policy(policy));
    }

    @Test
    void theOracleNeverViolatesAndCannotGiveUpAReplicaAnySecond() {
        SimResult oracle = run("oracle");
        assertEquals(0, oracle.violationPct());
        OraclePolicy o = new OraclePolicy(CFG.model(), CFG.sloMs(), CFG.startupSec());
        double[] a = shape();
        for (int s = 0; s < a.length; s++) {
            int need = o.need(a[s]);
            // one ready replica fewer than needed would break the SLO in that second
            if (need > 1) assertTrue(CFG.model().p95Ms(a[s] / (need - 1)) > CFG.sloMs(), "second " + s);
            assertTrue(oracle.ready()[s] >= need, "second " + s);
        }
    }

    @Test
    void everyPolicyFollowsTheLoadUpAndDown() {
        for (String p : List.of("ours", "hpa", "hpa-behavior", "kpa", "poc")) {
            SimResult r = run(p);
            int atPlateau = r.replicas()[1790];
            int atEnd = r.replicas()[3599];
            assertTrue(atPlateau > r.replicas()[500], p + " scaled up for the plateau: " + atPlateau);
            assertTrue(atEnd < atPlateau, p + " scaled down after the drop: " + atEnd);
            assertTrue(r.replicaSeconds() >= run("oracle").replicaSeconds() * 0.5, p);
        }
    }

    @Test
    void oursMeetsTheSloBetterThanHpaAndKpaOnAFlashCrowd() {
        SimResult ours = run("ours");
        assertTrue(ours.violationPct() < run("hpa").violationPct(), "ours " + ours.violationPct());
        assertTrue(ours.violationPct() < run("kpa").violationPct(), "ours " + ours.violationPct());
    }

    @Test
    void runsAreDeterministicForASeedAndTheReportHasTheContractFields() throws Exception {
        Path dir = Files.createTempDirectory("bench");
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n600,40\n1200,5\n");
        BenchRunner runner = new BenchRunner(CFG, Map.of());
        List<Summary> a = runner.runAll(List.of(trace), BenchRunner.ALL, dir.resolve("a"), new PrintStream(new ByteArrayOutputStream()));
        List<Summary> b = runner.runAll(List.of(trace), BenchRunner.ALL, dir.resolve("b"), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(a, b);
        var json = Json.MAPPER.readTree(dir.resolve("a/results.json").toFile());
        assertEquals(20, json.at("/config/peak_replicas").asInt());
        var first = json.at("/results/0");
        for (String f : List.of("trace", "policy", "violation_pct", "replica_seconds", "oracle_ratio", "actions", "worst_p95_ms")) {
            assertTrue(first.has(f), f);
        }
        assertEquals("t.csv", first.get("trace").asText());
        assertTrue(Files.size(dir.resolve("a/t.png")) > 10_000);
        String md = Files.readString(dir.resolve("a/results.md"));
        assertTrue(md.contains("| t.csv | ours |"));
        assertTrue(md.contains("## ours against each policy\n\n| trace | ours violation % | ours × oracle | against hpa | against kpa | against poc |\n"), md);
    }
}
