package dev.autoscaler.cli.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts child processes with their output in log files, and stops them (SIGTERM, grace, SIGKILL) in reverse order. */
public final class ProcessSupervisor implements AutoCloseable {
    /** The launcher's main class, which runs any service by name. */
    private static final String MAIN = "dev.autoscaler.cli.Main";

    private final Map<String, Process> children = new LinkedHashMap<>();
    private final Path logDir;

    public ProcessSupervisor(Path logDir) throws IOException {
        this.logDir = Files.createDirectories(logDir);
    }

    /** The command that runs one of our services in a fresh JVM with this JVM's classpath. */
    public static List<String> serviceCommand(String service) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String opts = System.getenv().getOrDefault("SERVICE_JAVA_OPTS",
                "-Xms16m -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=128m -Xss512k -XX:+ExitOnOutOfMemoryError");
        for (String o : opts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN); // by name: a class reference to the command tree would make this package depend back on it
        cmd.add(service);
        return cmd;
    }

    /** Starts {@code command} with this process's environment and {@code env} over it; a null value removes the variable. */
    /** Deletes {@code dir} and everything under it (a run directory); nothing when it is not there. */
    public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        if (!java.nio.file.Files.exists(dir)) return;
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public synchronized Process start(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(name).toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        children.put(name, p);
        return p;
    }

    public Path logFile(String name) {
        return logDir.resolve(name + ".log");
    }

    public synchronized Process get(String name) {
        return children.get(name);
    }

    /** SIGKILL: for tests of crash recovery. */
    public synchronized void kill(String name) throws InterruptedException {
        Process p = children.remove(name);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    public synchronized void stop(String name) {
        Process p = children.remove(name);
        if (p != null) stop(p);
    }

    static void stop(Process p) {
        if (!p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        List<String> names = new ArrayList<>(children.keySet());
        java.util.Collections.reverse(names);
        for (String n : names) stop(children.get(n));
        children.clear();
    }
}
