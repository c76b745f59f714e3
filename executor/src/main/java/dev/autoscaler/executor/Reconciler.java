package dev.autoscaler.executor;

import dev.autoscaler.common.bus.DesiredReplicas;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.executor.backend.ReplicaBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered reconcile of one target's replicas to {@code desired:{target}}, like a Kubernetes
 * controller: whatever event woke it, it compares what runs with what is wanted and closes the gap.
 * A new replica is announced ready only after its {@code /health} answers; a removed one is drained first
 * (marked draining so the watcher takes it out of nginx, then SIGTERM with a grace period).
 */
public final class Reconciler implements TargetLoop {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final String target;
    private final ExecutorSettings settings;
    private final ReplicaBackend backend;
    private final RedisBus bus;
    private final Keys keys;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** Addresses the watcher reported as in nginx, to know when a draining replica has left the upstreams. */
    private final Map<String, Set<String>> upstreamByTarget;
    /** Replicas found dead and dropped from the registry but not yet named in a returned outcome. */
    private final List<String> unreportedDeaths = new ArrayList<>();
    /** Not this object's monitor: reconcile() holds that while its start tasks publish. */
    private final Object publishing = new Object();

    public Reconciler(String target, ExecutorSettings settings, ReplicaBackend backend, RedisBus bus,
                      Map<String, Set<String>> upstreamByTarget) {
        this.target = target;
        this.settings = settings;
        this.backend = backend;
        this.bus = bus;
        this.keys = bus.keys();
        this.upstreamByTarget = upstreamByTarget;
    }

    public record Outcome(int before, int after, String status, String message) {}

    /** Adopts what already runs: registry entries that are alive, and live replicas the registry lost. */
    @Override
    public void adopt() {
        Map<String, ReplicaRecord> registry = readRegistry();
        Map<String, ReplicaRecord> live = new ConcurrentHashMap<>();
        for (ReplicaRecord found : backend.discover(target)) live.put(found.id(), found);
        for (ReplicaRecord r : registry.values()) {
            if (!backend.isAlive(r)) {
                log.info("{}: {} is gone; dropping it from the registry", target, r.id());
                bus.redis().hdel(keys.registry(target), r.id());
                live.remove(r.id());
            } else {
                live.putIfAbsent(r.id(), r);
            }
        }
        int adopted = 0;
        for (ReplicaRecord r : live.values()) {
            ReplicaRecord known = registry.getOrDefault(r.id(), r);
            keepCounterAtLeast(known.seq());
            if (known.state() == State.draining) {
                // an executor that stopped mid-drain had already taken it out of nginx: reconcile finishes the drain
                write(known);
            } else if (healthy(known)) {
                write(known.with(State.ready));
                adopted++;
            } else if (stillStarting(known)) {
                // the last executor stopped before it answered: reconcile promotes it, or gives up on it in time
                log.info("{}: {} does not answer /health yet, started {} s ago; keeping it as starting", target, r.id(),
                        Math.round(ageSec(known)));
                write(known.with(State.starting));
            } else {
                log.warn("{}: {} runs but does not answer /health; stopping it", target, r.id());
                backend.stop(known, Duration.ofSeconds(2));
                bus.redis().hdel(keys.registry(target), r.id());
            }
        }
        log.info("{}: adopted {} running replica(s)", target, adopted);
        publishSet();
    }

    @Override
    public synchronized Outcome reconcile() {
        Map<String, ReplicaRecord> reg = readRegistry();
        adoptStrays(reg);
        // replicas that died on their own leave the registry; reconcile below replaces them
        for (ReplicaRecord r : reg.values().stream().sorted(Comparator.comparing(ReplicaRecord::seq)).toList()) {
            if (!backend.isAlive(r)) {
                log.warn("{}: {} died; removing it", target, r.id());
                // kept until an outcome names it: a reconcile that fails after this point must not lose the news
                unreportedDeaths.add(r.id());
                bus.redis().hdel(keys.registry(target), r.id());
                reg.remove(r.id());
                publishSet();
            }
        }
        List<ReplicaRecord> active = reg.values().stream().filter(r -> r.state() != State.draining).toList();
        int before = (int) active.stream().filter(r -> r.state() == State.ready).count();
        int desired = desired(active.size());
        if (active.size() < desired) {
            // the counter alone may have been lost (evicted, deleted): new ids must not take a registered one's
            keepCounterAtLeast(reg.values().stream().mapToLong(ReplicaRecord::seq).max().orElse(0));
            return reportDied(scaleUp(desired - active.size(), before));
        } else if (active.size() > desired) {
            return reportDied(scaleDown(active, active.size() - desired, before));
        }
        // finish anything left in draining state by an earlier crash
        for (ReplicaRecord r : reg.values()) if (r.state() == State.draining) drain(List.of(r));
        List<String> gaveUp = new ArrayList<>();
        for (ReplicaRecord r : active) {
            if (r.state() != State.starting) continue;
            if (healthy(r)) {
                write(r.with(State.ready));
                publishSet();
            } else if (!stillStarting(r)) {
                // adopted while starting, or left starting by a start that failed half-way: never ready, so never served
                log.warn("{}: {} not healthy {} s after its start; stopping it", target, r.id(), Math.round(ageSec(r)));
                backend.stop(r, Duration.ofSeconds(2));
                bus.redis().hdel(keys.registry(target), r.id());
                publishSet();
                gaveUp.add(r.id() + " did not become healthy");
            }
        }
        if (!gaveUp.isEmpty()) {
            return reportDied(new Outcome(before, readyCount(), "error", String.join("; ", gaveUp) + "; the next reconcile replaces it"));
        }
        return reportDied(new Outcome(before, before, "noop", desired + " replica(s) as desired"));
    }

    /**
     * A replica that died is news even when nothing else changed: the outcome names it ("{id} died"), so it is
     * published; a death noticed by a reconcile that then failed is named by the next outcome.
     */
    private Outcome reportDied(Outcome o) {
        if (unreportedDeaths.isEmpty()) return o;
        String deaths = unreportedDeaths.stream().map(id -> id + " died").collect(Collectors.joining(", "));
        unreportedDeaths.clear();
        String status = "noop".equals(o.status()) ? "ok" : o.status();
        return new Outcome(o.before(), o.after(), status, deaths + "; " + o.message());
    }

    /**
     * Live replicas the registry does not know (Redis lost its data, or the executor died between start and
     * write) are taken back in, so they are neither duplicated nor orphaned.
     */
    private void adoptStrays(Map<String, ReplicaRecord> reg) {
        boolean adopted = false;
        for (ReplicaRecord found : backend.discover(target)) {
            if (reg.containsKey(found.id())) continue;
            ReplicaRecord r = healthy(found) ? found.with(State.ready) : found;
            log.info("{}: adopting {} ({}), missing from the registry", target, r.id(), r.state());
            write(r);
            reg.put(r.id(), r);
            adopted = true;
            keepCounterAtLeast(r.seq());
        }
        if (adopted) publishSet();
    }

    /** Keeps new ids unique even if the counter was lost with Redis: it never stays below a running replica's seq. */
    private void keepCounterAtLeast(long seq) {
        String counter = bus.redis().get(keys.replicaCounter(target));
        if (counter == null || Long.parseLong(counter) < seq) bus.redis().set(keys.replicaCounter(target), String.valueOf(seq));
    }

    /** The desired count, clamped to the executor's bounds; with no (readable) desired state, keep what runs. */
    int desired(int running) {
        return Math.max(settings.minReplicas(), Math.min(settings.maxReplicas(), DesiredReplicas.read(bus, target).orElse(running)));
    }

    private Outcome scaleUp(int count, int before) {
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<String>> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(pool.submit(() -> {
                long seq = bus.redis().incr(keys.replicaCounter(target));
                String id = target + "-dup-" + seq;
                ReplicaRecord r = backend.start(target, id, seq);
                write(r);
                publishSet();
                if (waitHealthy(r)) {
                    write(r.with(State.ready));
                    publishSet();
                    return null;
                }
                log.warn("{}: {} not healthy within {} s; stopping it", target, id, settings.startTimeoutSec());
                backend.stop(r, Duration.ofSeconds(2));
                bus.redis().hdel(keys.registry(target), id);
                publishSet();
                return id + " did not become healthy";
            }));
        }
        List<String> errors = new ArrayList<>();
        for (Future<String> f : started) {
            try {
                String err = f.get();
                if (err != null) errors.add(err);
            } catch (Exception e) {
                errors.add(String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            }
        }
        pool.shutdown();
        int after = readyCount();
        String status = errors.isEmpty() ? "ok" : "error";
        String msg = errors.isEmpty() ? "started " + count + " replica(s)" : "started " + (count - errors.size()) + " of " + count
                + ": " + String.join("; ", errors);
        return new Outcome(before, after, status, msg);
    }

    private Outcome scaleDown(List<ReplicaRecord> active, int count, int before) {
        // starting replicas go first (they serve nothing yet), then the newest
        List<ReplicaRecord> victims = active.stream()
                .sorted(Comparator.comparing((ReplicaRecord r) -> r.state() == State.starting ? 0 : 1)
                        .thenComparing(ReplicaRecord::seq, Comparator.reverseOrder()))
                .limit(count).toList();
        drain(victims);
        int after = readyCount();
        return new Outcome(before, after, "ok", "drained and stopped " + victims.stream().map(ReplicaRecord::id).toList());
    }

    private void drain(List<ReplicaRecord> victims) {
        for (ReplicaRecord v : victims) write(v.with(State.draining));
        publishSet();
        Set<String> addresses = new HashSet<>();
        victims.forEach(v -> addresses.add(v.address()));
        waitOutOfUpstreams(addresses);
        sleep((long) (settings.drainSettleSec() * 1000));
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch done = new CountDownLatch(victims.size());
        for (ReplicaRecord v : victims) {
            pool.submit(() -> {
                try {
                    backend.stop(v, Duration.ofMillis((long) (settings.graceSec() * 1000)));
                    bus.redis().hdel(keys.registry(target), v.id());
                    log.info("{}: stopped {}", target, v.id());
                } catch (RuntimeException e) {
                    // it stays registered as draining: the next reconcile drains it again
                    log.error("{}: stopping {} failed: {}", target, v.id(), e.getMessage());
                } finally {
                    done.countDown();
                }
            });
        }
        await(done);
        pool.shutdown();
        publishSet();
    }

    private void waitOutOfUpstreams(Set<String> addresses) {
        long deadline = System.nanoTime() + (long) (settings.drainSec() * 1e9);
        while (System.nanoTime() < deadline) {
            Set<String> inNginx = upstreamByTarget.get(target);
            if (inNginx != null && addresses.stream().noneMatch(inNginx::contains)) return;
            sleep(50);
        }
        log.info("{}: no upstream update without {} within DRAIN_SEC; stopping anyway", target, addresses);
    }

    private boolean waitHealthy(ReplicaRecord r) {
        long deadline = System.nanoTime() + (long) (settings.startTimeoutSec() * 1e9);
        while (System.nanoTime() < deadline) {
            if (!backend.isAlive(r)) return false;
            if (healthy(r)) return true;
            sleep(100);
        }
        return false;
    }

    /** Started less than START_TIMEOUT_SEC ago (an unknown start time counts as long ago). */
    private boolean stillStarting(ReplicaRecord r) {
        return ageSec(r) < settings.startTimeoutSec();
    }

    private static double ageSec(ReplicaRecord r) {
        return System.currentTimeMillis() / 1000.0 - r.startedTs();
    }

    /** The backend's own readiness signal when it has one (a container's health check), else {@code /health}. */
    boolean healthy(ReplicaRecord r) {
        return backend.readiness(r).orElseGet(() -> healthy(r.address()));
    }

    boolean healthy(String address) {
        try {
            HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/health"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return resp.statusCode() == 200;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return false;
        }
    }

    public Map<String, ReplicaRecord> readRegistry() {
        Map<String, ReplicaRecord> out = new ConcurrentHashMap<>();
        bus.redis().hgetall(keys.registry(target)).forEach((id, json) -> {
            try {
                out.put(id, Json.read(json, ReplicaRecord.class));
            } catch (Json.MalformedMessageException e) {
                log.warn("{}: registry entry {} unreadable ({}); ignoring it", target, id, e.getMessage());
            }
        });
        return out;
    }

    public int readyCount() {
        return (int) readRegistry().values().stream().filter(r -> r.state() == State.ready).count();
    }

    private void write(ReplicaRecord r) {
        bus.redis().hset(keys.registry(target), r.id(), Json.write(r));
    }

    /**
     * Publishes the registry as it is now. Parallel starts call this at once: reading and publishing under one lock
     * keeps the messages in the order of their snapshots, so the last one heard is never an older view.
     */
    public void publishSet() {
        synchronized (publishing) {
            List<ReplicaSet.Replica> list = readRegistry().values().stream().sorted(Comparator.comparing(ReplicaRecord::seq))
                    .map(ReplicaRecord::toMessage).toList();
            bus.publish(Channels.REPLICAS, new ReplicaSet(target, list, System.currentTimeMillis() / 1000.0));
        }
    }

    @Override
    public void publishResult(String planId, String action, String reason, Outcome o) {
        ResultLog.publish(bus, new ExecResult(System.currentTimeMillis() / 1000.0, planId, action, target, reason,
                o.before(), o.after(), new ExecResult.Outcome(o.status(), o.message())));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
