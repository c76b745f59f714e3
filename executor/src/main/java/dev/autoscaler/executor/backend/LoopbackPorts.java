package dev.autoscaler.executor.backend;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Hands out loopback ports for replicas that share the host's network (processes, host-network containers): the
 * lowest port from {@code base} that no registered replica holds, no concurrent start has reserved, and that binds.
 */
public final class LoopbackPorts {
    private static final int RANGE = 2000;

    private final int base;
    private final Supplier<Set<Integer>> inUse;
    private final Set<Integer> reserved = ConcurrentHashMap.newKeySet();

    public LoopbackPorts(int base, Supplier<Set<Integer>> inUse) {
        this.base = base;
        this.inUse = inUse;
    }

    /** Reserves a free port; {@link #release} it once the replica holding it is registered. */
    public int reserve() throws IOException {
        Set<Integer> used = inUse.get();
        for (int port = base; port < base + RANGE && port < 65536; port++) {
            if (used.contains(port) || !reserved.add(port)) continue;
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

    public void release(int port) {
        reserved.remove(port);
    }
}
