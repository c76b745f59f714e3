package dev.autoscaler.executor.backend;

import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.ReplicaSet;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas as local processes on loopback ports (the embedded default). Each process carries the environment
 * variable {@code AUTOSCALER_REPLICA=<scope>/<target>/<id>/<port>}, read back from {@code /proc/<pid>/environ},
 * so a restarted executor finds exactly its own replicas (and a recycled pid is never mistaken for one).
 * Replicas run in their own session ({@code setsid}) so they outlive an executor crash and a terminal's Ctrl-C
 * reaches only the services; the executor or the demo stops them explicitly.
 */
public final class ProcessBackend implements ReplicaBackend {
    private static final Logger log = LoggerFactory.getLogger(ProcessBackend.class);
    public static final String MARKER = "AUTOSCALER_REPLICA";
    /**
     * The autoscaler's own credentials, kept from the replicas that inherit the executor's environment: an app has no
     * use for them, and anyone who can read its /proc/PID/environ could. (REDIS_URL too when it carries a password.)
     */
    static final Set<String> WITHHELD = Set.of("LLM_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "ADMIN_TOKEN");

    private final String scope;
    private final List<String> command;
    private final Map<String, String> extraEnv;
    private final Path logDir;
    private final LoopbackPorts ports;
    /** Told the target of a replica that exited; each replica process is watched once. */
    private volatile Consumer<String> exited = t -> {};
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();

    public ProcessBackend(String scope, List<String> command, Map<String, String> extraEnv, int portBase, Path logDir,
                          Supplier<Set<Integer>> portsInUse) {
        this.scope = scope;
        this.command = List.copyOf(command);
        this.extraEnv = Map.copyOf(extraEnv);
        this.logDir = logDir;
        this.ports = new LoopbackPorts(portBase, portsInUse);
    }

    /**
     * Tells {@code wake} the target of every replica that exits, started or adopted: a replica that dies is replaced at
     * once, not at the next periodic reconcile (a noop plan does not reconcile). A stop's exit wakes it too (harmless:
     * the reconcile finds nothing to do).
     */
    public ProcessBackend onExit(Consumer<String> wake) {
        this.exited = wake;
        return this;
    }

    private void watch(String target, ProcessHandle p) {
        if (!watched.add(p.pid())) return;
        p.onExit().thenRun(() -> {
            watched.remove(p.pid());
            exited.accept(target);
        });
    }

    static void withholdCredentials(Map<String, String> env) {
        env.keySet().removeAll(WITHHELD);
        String redis = env.get("REDIS_URL");
        if (redis != null && !RedisSettings.withoutCredentials(redis).equals(redis)) env.remove("REDIS_URL");
    }

    /** The default replica command: this JVM's java and classpath running the toy app. */
    public static List<String> defaultAppCommand(String javaOpts) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) cmd.add("/usr/bin/setsid");
        cmd.add(java);
        for (String opt : javaOpts.trim().split("\\s+")) if (!opt.isEmpty()) cmd.add(opt);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.autoscaler.app.AppMain");
        return cmd;
    }

    @Override
    public List<ReplicaRecord> discover(String target) {
        List<ReplicaRecord> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> marker(p.pid()).ifPresent(m -> {
            String[] parts = m.split("/");
            if (parts.length == 4 && parts[0].equals(scope) && parts[1].equals(target)) {
                long seq = seqOf(parts[2]);
                double started = p.info().startInstant().map(i -> i.toEpochMilli() / 1000.0).orElse(0.0);
                found.add(new ReplicaRecord(parts[2], target, "127.0.0.1:" + parts[3], String.valueOf(p.pid()),
                        ReplicaSet.State.starting, seq, started));
                watch(target, p);
            }
        }));
        return found;
    }

    static long seqOf(String id) {
        int dash = id.lastIndexOf('-');
        try {
            return Long.parseLong(id.substring(dash + 1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Optional<String> marker(long pid) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ"));
            String prefix = MARKER + "=";
            for (String kv : new String(env, StandardCharsets.UTF_8).split("\0")) {
                if (kv.startsWith(prefix)) return Optional.of(kv.substring(prefix.length()));
            }
        } catch (IOException | SecurityException e) {
            // not ours to read, or gone already
        }
        return Optional.empty();
    }

    @Override
    public ReplicaRecord start(String target, String id, long seq) throws IOException {
        int port = ports.reserve();
        try {
            Files.createDirectories(logDir);
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> env = pb.environment();
            withholdCredentials(env);
            env.putAll(extraEnv);
            env.put("PORT", String.valueOf(port));
            env.put("HOST", "127.0.0.1");
            env.put("REPLICA_ID", id);
            env.put(MARKER, scope + "/" + target + "/" + id + "/" + port);
            File logFile = logDir.resolve(id + ".log").toFile();
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            log.info("started {} pid {} on 127.0.0.1:{} (log {})", id, p.pid(), port, logFile);
            watch(target, p.toHandle());
            return new ReplicaRecord(id, target, "127.0.0.1:" + port, String.valueOf(p.pid()), ReplicaSet.State.starting, seq,
                    System.currentTimeMillis() / 1000.0);
        } catch (IOException | RuntimeException e) {
            ports.release(port);
            throw e;
        }
    }

    private Optional<ProcessHandle> handle(ReplicaRecord r) {
        try {
            long pid = Long.parseLong(r.handle());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> marker(pid).map(m -> m.startsWith(scope + "/" + r.target() + "/" + r.id() + "/")).orElse(false));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isAlive(ReplicaRecord r) {
        return handle(r).isPresent();
    }

    @Override
    public void stop(ReplicaRecord r, Duration grace) {
        handle(r).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // the executor is stopping: the replica got SIGTERM and finishes its requests on its own
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("{} did not stop within {} s; killing it", r.id(), grace.toSeconds());
                kill(p);
            }
        });
    }

    private static void kill(ProcessHandle p) {
        p.destroyForcibly();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // it is gone or beyond our reach; the next reconcile looks again
        }
    }
}
