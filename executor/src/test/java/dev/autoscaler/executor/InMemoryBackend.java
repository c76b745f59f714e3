package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.ProcessBackend;
import dev.autoscaler.executor.backend.ReplicaRecord;
import com.sun.net.httpserver.HttpServer;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.executor.backend.ReplicaBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link ReplicaBackend} without processes: replicas live in a map, keyed by their handle (like a pid: two
 * replicas may carry the same id, as two processes could). Each replica is a tiny HTTP server on 127.0.0.1 whose
 * {@code /health} answer the test switches, so the {@link Reconciler}'s real health probe is exercised.
 */
final class InMemoryBackend implements ReplicaBackend, AutoCloseable {

    /** One replica: an HTTP server on a free loopback port answering {@code /health} with 200 or 503. */
    static final class Replica {
        final String id;
        final String target;
        final long seq;
        final String handle;
        final String address;
        private final HttpServer server;
        private volatile boolean healthy;
        volatile boolean alive = true;
        final AtomicInteger probes = new AtomicInteger();
        /** System.nanoTime() of the first 200 answer to /health, 0 before. */
        final AtomicLong firstHealthyAnswerNanos = new AtomicLong();

        Replica(String id, String target, long seq, String handle, boolean healthy) throws IOException {
            this.id = id;
            this.target = target;
            this.seq = seq;
            this.handle = handle;
            this.healthy = healthy;
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/health", ex -> {
                probes.incrementAndGet();
                boolean ok = this.healthy;
                if (ok) firstHealthyAnswerNanos.compareAndSet(0, System.nanoTime());
                byte[] body = (ok ? "{\"ok\":true}" : "{\"ok\":false}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(ok ? 200 : 503, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            this.address = "127.0.0.1:" + server.getAddress().getPort();
        }

        void healthy(boolean h) {
            this.healthy = h;
        }

        ReplicaRecord record(State state) {
            return new ReplicaRecord(id, target, address, handle, state, seq, 0);
        }

        private void halt() {
            alive = false;
            server.stop(0);
        }
    }

    private final Map<String, Replica> byHandle = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    /** Ids passed to {@link #start}, in order. */
    final List<String> started = new CopyOnWriteArrayList<>();
    /** Ids passed to {@link #stop} while alive, in order. */
    final List<String> stopped = new CopyOnWriteArrayList<>();
    /** Whether replicas started by the reconciler answer /health at once. */
    volatile boolean healthyOnStart = true;
    /** A replica id whose {@link #isAlive} fails, as a daemon that errs on one call; null for none. */
    volatile String failIsAliveOf;
    /** Called at the start of {@link #stop}, before the replica goes away, to record what the world looked like. */
    volatile Consumer<ReplicaRecord> onStop = r -> {};

    /** A replica that already runs (started by an earlier executor), for adoption tests. */
    Replica run(String target, long seq, boolean healthy) throws IOException {
        return add(target, target + "-dup-" + seq, seq, healthy);
    }

    private Replica add(String target, String id, long seq, boolean healthy) throws IOException {
        Replica r = new Replica(id, target, seq, "mem-" + handles.incrementAndGet(), healthy);
        byHandle.put(r.handle, r);
        return r;
    }

    /** The replicas that run now (a crashed or stopped one is gone). */
    List<Replica> running() {
        return byHandle.values().stream().filter(r -> r.alive).toList();
    }

    Replica byId(String id) {
        List<Replica> matches = byHandle.values().stream().filter(r -> r.id.equals(id)).toList();
        if (matches.size() != 1) throw new IllegalStateException(matches.size() + " replicas carry id " + id);
        return matches.get(0);
    }

    /** The replica dies on its own (a crash, not a stop). */
    void crash(Replica r) {
        r.halt();
    }

    @Override
    public List<ReplicaRecord> discover(String target) {
        // like ProcessBackend: what runs, in state starting; the reconciler probes /health itself
        List<ReplicaRecord> out = new ArrayList<>();
        for (Replica r : running()) if (r.target.equals(target)) out.add(r.record(State.starting));
        return out;
    }

    @Override
    public ReplicaRecord start(String target, String id, long seq) throws IOException {
        started.add(id);
        ReplicaRecord r = add(target, id, seq, healthyOnStart).record(State.starting);
        // started now, as the real backends report it: START_TIMEOUT_SEC runs from here
        return new ReplicaRecord(r.id(), r.target(), r.address(), r.handle(), r.state(), r.seq(), System.currentTimeMillis() / 1000.0);
    }

    @Override
    public boolean isAlive(ReplicaRecord r) {
        if (r.id().equals(failIsAliveOf)) throw new IllegalStateException("the backend cannot tell whether " + r.id() + " runs");
        Replica found = byHandle.get(r.handle());
        return found != null && found.alive && found.id.equals(r.id());
    }

    @Override
    public void stop(ReplicaRecord r, Duration grace) {
        Replica found = byHandle.get(r.handle());
        if (found == null || !found.alive) return;
        onStop.accept(r);
        stopped.add(r.id());
        found.halt();
    }

    @Override
    public void close() {
        byHandle.values().forEach(Replica::halt);
    }
}
