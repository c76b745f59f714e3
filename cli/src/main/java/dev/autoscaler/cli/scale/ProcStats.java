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
}
