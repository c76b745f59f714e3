package dev.autoscaler.executor.backend;

import dev.autoscaler.common.config.Env;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Hands out loopback ports for replicas that share the host's network (processes, host-network containers): the
 * lowest port from {@code base} that no registered replica holds, no other start has reserved, and that binds. A
 * reservation holds until the replica shows up as registered (the caller writes the registry after the start
 * returns, and another target's start may run meanwhile), or {@link #release} on a failed start, or {@link #HOLD}.
 */
public final class LoopbackPorts {
    private static final int RANGE = 2000;
    /** A replica not registered by then failed to start; its port is free again. */
    static final Duration HOLD = Duration.ofMinutes(2);

    private final int base;
    private final Supplier<Set<Integer>> inUse;
    private final Map<Integer, Long> reserved = new ConcurrentHashMap<>();

    /** {@code APP_PORT_BASE}: where every backend's loopback replicas take their ports from. */
    public static int base(Env env) {
        return env.integer("APP_PORT_BASE", 9101, 1024, 65000);
    }

    public LoopbackPorts(int base, Supplier<Set<Integer>> inUse) {
        this.base = base;
        this.inUse = inUse;
    }

    /** Reserves a free port for a replica about to start. */
    public int reserve() throws IOException {
        Set<Integer> used = inUse.get();
        long now = System.nanoTime();
        reserved.entrySet().removeIf(e -> used.contains(e.getKey()) || now - e.getValue() > HOLD.toNanos());
        for (int port = base; port < base + RANGE && port < 65536; port++) {
            if (used.contains(port) || reserved.putIfAbsent(port, now) != null) continue;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException busy) {
                reserved.remove(port);
            }
        }
        throw new IOException("no free port in " + base + ".." + (base + RANGE));
    }

    /** Gives back the port of a start that failed. */
    public void release(int port) {
        reserved.remove(port);
    }
}
