package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command and subcommand of {@code ./autoscaler}, found by walking the command tree (so a new one is covered
 * without being listed): {@code --help} answers with its usage and exit 0, {@code --version} with the build's version,
 * and an unknown option with one line naming it and exit 2 — before anything starts.
 */
class CommandTreeTest {
    record Outcome(int rc, String out, String err) {}

    static Outcome run(List<String> args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        var o = new ByteArrayOutputStream();
        var e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int rc = Main.run(args.toArray(String[]::new));
            return new Outcome(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Each command's path below {@code autoscaler}: [], [demo], [bench], [bench, scale], ... */
    static List<List<String>> paths(CommandLine cl, List<String> prefix) {
        List<List<String>> out = new ArrayList<>();
        out.add(prefix);
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) return; // an alias
            List<String> p = new ArrayList<>(prefix);
            p.add(name);
            out.addAll(paths(sub, p));
        });
        return out;
    }

    @Test
    void everyCommandAnswersHelpAndVersionAndRefusesABadOptionInOneLine() {
        List<List<String>> all = paths(Main.commandLine(), List.of());
        assertTrue(all.size() >= 20 && all.contains(List.of("bench", "scale")), "the tree: " + all);
        for (List<String> path : all) {
            String name = String.join(" ", path);
            Outcome help = run(concat(path, "--help"));
            assertEquals(0, help.rc(), name + " --help: " + help.err());
            assertTrue(help.out().startsWith("Usage: autoscaler" + (path.isEmpty() ? "" : " " + name)), name + " --help: " + help.out());

            Outcome version = run(concat(path, "--version"));
            assertEquals(0, version.rc(), name + " --version: " + version.err());
            assertEquals("autoscaler " + Version.current(), version.out().strip(), name + " --version");

            Outcome bad = run(concat(path, "--no-such-option"));
            assertEquals(2, bad.rc(), name + " --no-such-option: " + bad.out() + bad.err());
            List<String> lines = bad.err().lines().toList();
            assertEquals(1, lines.size(), name + ": one line, not the usage: " + bad.err());
            assertTrue(lines.get(0).startsWith("autoscaler" + (path.isEmpty() ? "" : " " + name) + ": "), lines.get(0));
            assertTrue(lines.get(0).contains("--no-such-option") || lines.get(0).contains("Missing required"), lines.get(0));
        }
        assertTrue(!Version.current().equals("unknown"), "the version comes from the build: " + Version.current());
    }

    /** The commands the launcher script runs itself answer help without installing or starting anything. */
    @Test
    void theLaunchersOwnCommandsAnswerHelp() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of("").toAbsolutePath().getParent();
        for (String cmd : List.of("test", "compose", "release")) {
            Process p = new ProcessBuilder("bash", root.resolve("autoscaler").toString(), cmd, "--help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), cmd + ": " + out);
            assertTrue(out.startsWith("Usage: autoscaler " + cmd), cmd + ": " + out);
        }
    }

    private static List<String> concat(List<String> path, String arg) {
        List<String> out = new ArrayList<>(path);
        out.addAll(Arrays.asList(arg));
        return out;
    }
}
