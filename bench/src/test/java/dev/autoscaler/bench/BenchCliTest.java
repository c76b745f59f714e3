package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCliTest {
    record Outcome(int exit, String out, String err) {}

    static Outcome frontier(String... args) {
        return execute(new BenchCli.Frontier(), args);
    }

    /** Runs a subcommand with stdout and stderr captured. */
    static Outcome execute(Object command, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int exit = new CommandLine(command).execute(args);
            return new Outcome(exit, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void frontierPrintsOneMarkdownRowPerPolicyAndHeadroom() throws Exception {
        Path trace = Files.createTempDirectory("frontier").resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n600,40\n1200,5\n");
        Outcome r = frontier("--trace", trace.toString(), "--policies", "ours,kpa", "--headrooms", "1.0,1.5");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("| trace | policy | violation % | replica-seconds | × oracle | actions | worst p95 ms |", lines[0]);
        assertEquals(2 + 4, lines.length, r.out());
        assertTrue(lines[2].startsWith("| t.csv | ours |"), lines[2]);
        assertTrue(lines[5].startsWith("| t.csv | informed-1.50 |"), lines[5]);
    }

    @Test
    void replayRunsALogThroughThePoliciesAndSaysWhatItAssumedFirst() throws Exception {
        Path dir = Files.createTempDirectory("replay");
        Path log = dir.resolve("access.json");
        StringBuilder lines = new StringBuilder();
        for (int s = 0; s < 900; s++) {
            int rate = s < 300 ? 60 : s < 600 ? 240 : 60; // a step the policies must follow
            for (int i = 0; i < rate; i++) {
                lines.append(dev.autoscaler.bench.replay.LogReplayTest.json(1_765_000_000 + s + i / (double) rate, 0.02,
                        "127.0.0.1:" + (9000 + i % 3))).append('\n');
            }
        }
        lines.append("garbage\n");
        Files.writeString(log, lines);
        Path out = dir.resolve("out");
        Outcome r = execute(new BenchCli.Replay(), "--access-log", log.toString(), "--capacity-rps", "100", "--out", out.toString(),
                "--policies", "ours,hpa,kpa,oracle");
        assertEquals(0, r.exit(), r.err());
        String md = Files.readString(out.resolve("results.md"));
        String[] head = md.split("\n");
        assertEquals("# Replay of access.json", head[0]);
        assertTrue(head[2].startsWith("- 108,001 lines read (json format), 1 that did not parse (first at lines [108001])"), head[2]);
        assertTrue(md.contains("- one replica's capacity: 100.0 rps, from --capacity-rps"), md);
        assertTrue(md.contains("- service time: 20.0 ms, the log's low-load mean request time"), md);
        assertTrue(md.contains("(median 3)"), md);
        for (String p : new String[] {"ours", "hpa", "kpa", "oracle"}) assertTrue(r.out().contains("| access | " + p + " |"), r.out());
        assertTrue(Files.size(out.resolve("access.png")) > 10_000, "the chart");
        assertTrue(Files.readString(out.resolve("results.json")).contains("\"assumptions\""));

        Outcome badFormat = execute(new BenchCli.Replay(), "--access-log", log.toString(), "--format", "apache");
        assertEquals(2, badFormat.exit());
        assertTrue(badFormat.err().contains("--format must be json or combined"), badFormat.err());
        Path plain = dir.resolve("plain.log");
        Files.writeString(plain, "1.2.3.4 - - [06/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n");
        Outcome noCapacity = execute(new BenchCli.Replay(), "--access-log", plain.toString(), "--out", out.toString());
        assertEquals(2, noCapacity.exit());
        assertEquals("autoscaler bench replay: the log has no $request_time to estimate one replica's capacity from: give --capacity-rps",
                noCapacity.err().strip());
    }

    static Outcome run(String... args) {
        return execute(new BenchCli.Run(), args);
    }

    @Test
    void theDemosSettingsRunAtAbsoluteRatesAndPrintTheSettledCount() throws Exception {
        Path dir = Files.createTempDirectory("run");
        Path trace = dir.resolve("flat300.csv");
        StringBuilder csv = new StringBuilder("t_seconds,rps\n");
        for (int t = 0; t < 600; t += 10) csv.append(t).append(",300\n");
        Files.writeString(trace, csv);
        Outcome r = run("--trace", trace.toString(), "--policies", "ours,oracle", "--absolute-rps", "--cold-start", "--rslo-rps", "203",
                "--startup-sec", "2", "--max-replicas", "8", "--set", "SAMPLE_INTERVAL=2,REPLICA_STARTUP_SEC=5", "--out", dir.resolve("out").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("peak 300.0 rps scaled x1.00"), r.out());
        // 300 rps on replicas of r_slo 203 need 2: the oracle settles there
        assertTrue(r.out().contains("oracle 0.000% 1.000x settled 2") || r.out().matches("(?s).*oracle \\d+\\.\\d+% 1\\.000x settled 2.*"), r.out());
        assertTrue(r.out().matches("(?s).*ours \\d+\\.\\d+% \\d+\\.\\d+x settled \\d+.*"), r.out());
        var config = dev.autoscaler.common.msg.Json.MAPPER.readTree(dir.resolve("out/results.json").toFile()).get("config");
        assertEquals(203, config.get("replica_rslo_rps").asDouble(), 0.01);
        assertTrue(config.get("cold_start").asBoolean() && config.get("absolute_rps").asBoolean());
    }

    @Test
    void theSimulatorsOwnOptionsAreCheckedToo() throws Exception {
        Path trace = Files.createTempDirectory("run").resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n");
        Outcome window = run("--trace", trace.toString(), "--policies", "ours", "--set", "SAMPLE_INTERVAL=2.5");
        assertEquals(2, window.exit());
        assertTrue(window.err().contains("SAMPLE_INTERVAL must be a whole number of seconds"), window.err());
        Outcome both = run("--trace", trace.toString(), "--rslo-rps", "203", "--service-ms", "20");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("--rslo-rps sets the service time"), both.err());
        Outcome warmup = run("--trace", trace.toString(), "--warmup-start", "1.5");
        assertEquals(2, warmup.exit());
        assertTrue(warmup.err().contains("warm-up start fraction"), warmup.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        Path trace = Files.createTempDirectory("frontier").resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n");
        Outcome headroom = frontier("--trace", trace.toString(), "--headrooms", "0");
        assertEquals(2, headroom.exit());
        assertEquals("autoscaler bench frontier: --headrooms must be numbers in (0, 100], got [0.0]", headroom.err().strip());
        Outcome missing = frontier("--trace", trace.resolveSibling("nope.csv").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().strip().startsWith("autoscaler bench frontier: no such trace file: "), missing.err());
        Outcome policy = frontier("--trace", trace.toString(), "--policies", "ours,magic");
        assertEquals(2, policy.exit());
        assertTrue(policy.err().contains("unknown policy 'magic'"), policy.err());
    }
}
