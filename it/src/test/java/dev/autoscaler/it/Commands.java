package dev.autoscaler.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command line run to its end by a test: its exit code and merged output, or a failure when it outlives its deadline. */
final class Commands {
    private Commands() {}

    record Run(int exit, String output) {}

    /**
     * Runs {@code command} in {@code dir}. The output goes to a file, not a pipe, so a command that hangs is stopped at
     * the deadline instead of holding the test on a read that never ends.
     *
     * @param env the whole environment, or null to inherit the test's
     */
    static Run run(Path dir, Map<String, String> env, Duration deadline, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("command", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            boolean exited = p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (!exited) throw new AssertionError("no exit within " + deadline.toSeconds() + " s: " + command + "\n" + text);
            return new Run(p.exitValue(), text);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
