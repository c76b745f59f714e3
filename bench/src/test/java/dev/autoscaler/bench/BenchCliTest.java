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
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int exit = new CommandLine(new BenchCli.Frontier()).execute(args);
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
