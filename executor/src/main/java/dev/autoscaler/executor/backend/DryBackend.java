package dev.autoscaler.executor.backend;

import dev.autoscaler.common.msg.ReplicaSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code EXECUTOR_BACKEND=dry}: runs nothing and only records. A start registers a replica that is ready at once (at a
 * loopback address nothing listens on), a stop forgets it; everything above it (leases, lanes, the registry, results)
 * is the real executor's. For measuring the control plane alone ({@code bench scale}) and for trying plans out without
 * starting anything. What it holds is this process's: a restarted dry executor finds no replica and starts anew.
 */
public final class DryBackend implements ReplicaBackend {
    private final Map<String, ReplicaRecord> running = new ConcurrentHashMap<>();
    /** Ports for the addresses only, so that every replica's address differs, as the watcher expects. */
    private final AtomicInteger port = new AtomicInteger(20_000);
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong stops = new AtomicLong();

    @Override
    public List<ReplicaRecord> discover(String target) {
        return running.values().stream().filter(r -> r.target().equals(target)).toList();
    }

    @Override
    public ReplicaRecord start(String target, String id, long seq) {
        int p = port.getAndUpdate(x -> x >= 65_000 ? 20_000 : x + 1);
        ReplicaRecord r = new ReplicaRecord(id, target, "127.0.0.1:" + p, "dry", ReplicaSet.State.starting, seq,
                System.currentTimeMillis() / 1000.0);
        running.put(id, r);
        starts.incrementAndGet();
        return r;
    }

    @Override
    public boolean isAlive(ReplicaRecord r) {
        return running.containsKey(r.id());
    }

    @Override
    public void stop(ReplicaRecord r, Duration grace) {
        if (running.remove(r.id()) != null) stops.incrementAndGet();
    }

    /** Ready the moment it is started: there is nothing to wait for. */
    @Override
    public Optional<Boolean> readiness(ReplicaRecord r) {
        return Optional.of(running.containsKey(r.id()));
    }

    public long starts() {
        return starts.get();
    }

    public long stops() {
        return stops.get();
    }
}
