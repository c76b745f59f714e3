package dev.autoscaler.cli.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One process's resident memory and CPU time, from {@code /proc} (Linux): what {@code bench scale} reports per process.
 *
 * @param rssBytes resident set size
 * @param cpuSec   user and system CPU seconds since it started
 */
public record ProcStats(long rssBytes, double cpuSec) {
    /** Clock ticks a second in {@code /proc/PID/stat}: 100 on every Linux this runs on (USER_HZ). */
    private static final double TICKS = 100;

    public static ProcStats of(long pid) {
        try {
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name may hold spaces: fields are counted after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
            return new ProcStats(rss, cpu);
        } catch (IOException | RuntimeException gone) {
            return new ProcStats(0, 0);
        }
    }

    /**
     * The bytes of live objects on a JVM's heap, from {@code jcmd PID GC.class_histogram} (which collects first), or -1
     * when jcmd is missing or fails: unlike RSS, this does not grow with the heap the JVM merely reserved.
     */
    public static long liveHeapBytes(long pid) {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.class_histogram")
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) return -1;
            for (String line : out.lines().toList()) {
                if (line.startsWith("Total")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[f.length - 1]);
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
