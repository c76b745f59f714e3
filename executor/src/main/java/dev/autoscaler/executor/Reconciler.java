package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.Outcome;
import dev.autoscaler.executor.backend.ResultLog;
import dev.autoscaler.executor.backend.TargetLoop;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.backend.ReplicaRecord;
import dev.autoscaler.common.bus.DesiredReplicas;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.ReplicaSet.State;
import dev.autoscaler.executor.backend.ReplicaBackend;
import io.lettuce.core.ScriptOutputType;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered reconcile of one target's replicas to {@code desired:{target}}, like a Kubernetes
 * controller: whatever event woke it, it compares what runs with what is wanted and closes the gap.
 * A new replica is registered {@code starting} and announced ready only after its {@code /health} answers: a watcher
 * off the lane promotes it, so the reconcile that started it returns at once and the next plan is acted on without
 * waiting for the start. A removed one is drained first (marked draining so the watcher takes it out of nginx, then
 * SIGTERM with a grace period). Only the holder of the target's {@link TargetLease} acts; it stops starting and
 * stopping replicas as soon as it notices that it lost the lease.
 */
public final class Reconciler implements TargetLoop, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    /** How often a starting replica's readiness is asked: a replica joins nginx within this of its first answer. */
    private static final long HEALTH_POLL_MS = 100;
    /**
     * Marks a replica ready only if the registry still holds that very replica as starting: a drain (or a stop) that
     * began while its /health was asked must win, or nginx would get back a replica about to be stopped.
     */
    private static final String PROMOTE = """
            local v = redis.call('HGET', KEYS[1], ARGV[1])
            if not v then return 0 end
            local ok, r = pcall(cjson.decode, v)
            if not ok or r.state ~= 'starting' or r.handle ~= ARGV[2] then return 0 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            return 1""";

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
    private final TargetLease lease;
    /** Asks the target's lane for a reconcile (a starting replica died or ran out of time). */
    private final Runnable wake;
    /** Starting replicas whose readiness a watcher asks now, by id. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /** The lease holding under which the running replicas were last taken in; 0 before the first. */
    private long adoptedUnder;
    private volatile boolean closed;

    /** A loop that acts alone and is woken by nobody (tests of the loop by itself). */
    public Reconciler(String target, ExecutorSettings settings, ReplicaBackend backend, RedisBus bus,
                      Map<String, Set<String>> upstreamByTarget) {
        this(target, settings, backend, bus, upstreamByTarget, TargetLease.alone(), () -> {});
    }

    public Reconciler(String target, ExecutorSettings settings, ReplicaBackend backend, RedisBus bus,
                      Map<String, Set<String>> upstreamByTarget, TargetLease lease, Runnable wake) {
        this.target = target;
        this.settings = settings;
        this.backend = backend;
        this.bus = bus;
        this.keys = bus.keys();
        this.upstreamByTarget = upstreamByTarget;
        this.lease = lease;
        this.wake = wake;
    }


    /** Adopts what already runs, if this executor holds the lease: a standby takes nothing in. */
    @Override
    public synchronized void adopt() {
        adoptUnderLease();
    }

    /** What adoption gave up on (replicas that never answered), for the outcome of a reconcile that adopted. */
    private List<String> adoptUnderLease() {
        if (!lease.held()) {
            log.info("{}: standing by; the executor lease is held by {}", target, holderSeen());
            return List.of();
        }
        long holding = lease.token();
        List<String> gaveUp = takeIn();
        adoptedUnder = holding;
        return gaveUp;
    }

    /** Registry entries that are alive, and live replicas the registry lost; returns what it gave up on. */
    private List<String> takeIn() {
        List<String> gaveUp = new ArrayList<>();
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
                // the last executor stopped before it answered: the watcher promotes it, or reconcile gives up in time
                log.info("{}: {} does not answer /health yet, started {} s ago; keeping it as starting", target, r.id(),
                        Math.round(ageSec(known)));
                write(known.with(State.starting));
                watch(known.with(State.starting));
            } else if (lease.held()) {
                log.warn("{}: {} runs but does not answer /health; stopping it", target, r.id());
                backend.stop(known, Duration.ofSeconds(2));
                bus.redis().hdel(keys.registry(target), r.id());
                gaveUp.add(r.id() + " did not become healthy");
            }
        }
        log.info("{}: adopted {} running replica(s)", target, adopted);
        publishSet();
        return gaveUp;
    }

    @Override
    public synchronized Outcome reconcile() {
        if (!lease.held()) return standingBy();
        // a new holding (a takeover, or Redis lost the lease key with everything else): take in what runs first
        List<String> gaveUp = adoptedUnder != lease.token() ? adoptUnderLease() : List.of();
        Map<String, ReplicaRecord> reg = readRegistry();
        adoptStrays(reg);
        dropDead(reg);
        promoteAnswering(reg);
        int before = count(reg, State.ready);
        if (!gaveUp.isEmpty()) return gaveUpOn(gaveUp, before);
        List<ReplicaRecord> active = reg.values().stream().filter(r -> r.state() != State.draining).toList();
        int desired = desired(active.size());
        if (active.size() < desired) {
            // the counter alone may have been lost (evicted, deleted): new ids must not take a registered one's
            keepCounterAtLeast(reg.values().stream().mapToLong(ReplicaRecord::seq).max().orElse(0));
            return reportDied(scaleUp(desired - active.size(), before));
        } else if (active.size() > desired) {
            return reportDied(scaleDown(active, active.size() - desired, before));
        }
        // finish anything left in draining state by an earlier crash
        for (ReplicaRecord r : reg.values()) {
            if (r.state() == State.draining && !drain(List.of(r))) break;
        }
        gaveUp = giveUpOnSilent(reg);
        if (!gaveUp.isEmpty()) return gaveUpOn(gaveUp, before);
        int starting = count(reg, State.starting);
        return reportDied(new Outcome(before, before, "noop", desired + " replica(s) as desired"
                + (starting > 0 ? " (" + starting + " starting)" : "")));
    }

    /** An error of its own in the results; the reconcile it asks for replaces what was given up on. */
    private Outcome gaveUpOn(List<String> gaveUp, int before) {
        wake.run();
        return reportDied(new Outcome(before, readyCount(), "error", String.join("; ", gaveUp) + "; the next reconcile replaces it"));
    }

    private Outcome standingBy() {
        int ready = readyCount();
        return Outcome.standingBy(ready, "standing by: the executor lease is held by " + holderSeen());
    }

    private String holderSeen() {
        return lease.holderSeen().isEmpty() ? "nobody yet" : lease.holderSeen();
    }

    /** Replicas that died on their own leave the registry; the reconcile replaces them. */
    private void dropDead(Map<String, ReplicaRecord> reg) {
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
    }

    /**
     * Starting replicas that answer become ready (their watcher may not have asked yet, or belonged to an executor that
     * stopped); the others still within START_TIMEOUT_SEC are watched.
     */
    private void promoteAnswering(Map<String, ReplicaRecord> reg) {
        for (ReplicaRecord r : List.copyOf(reg.values())) {
            if (r.state() != State.starting) continue;
            if (healthy(r)) {
                if (promote(r)) reg.put(r.id(), r.with(State.ready));
                else reread(reg, r.id()); // its watcher was first, or it is gone
            } else if (stillStarting(r)) {
                watch(r);
            }
        }
    }

    /**
     * Starting replicas past START_TIMEOUT_SEC (adopted while starting, or left starting by a start that failed
     * half-way) are stopped, never having served. Returns what was given up on.
     */
    private List<String> giveUpOnSilent(Map<String, ReplicaRecord> reg) {
        List<String> gaveUp = new ArrayList<>();
        for (ReplicaRecord r : List.copyOf(reg.values())) {
            if (r.state() != State.starting || stillStarting(r) || !lease.held()) continue;
            log.warn("{}: {} not healthy {} s after its start; stopping it", target, r.id(), Math.round(ageSec(r)));
            backend.stop(r, Duration.ofSeconds(2));
            bus.redis().hdel(keys.registry(target), r.id());
            reg.remove(r.id());
            publishSet();
            gaveUp.add(r.id() + " did not become healthy");
        }
        return gaveUp;
    }

    private void reread(Map<String, ReplicaRecord> reg, String id) {
        String json = bus.redis().hget(keys.registry(target), id);
        if (json == null) reg.remove(id);
        else reg.put(id, Json.read(json, ReplicaRecord.class));
    }

    private static int count(Map<String, ReplicaRecord> reg, State s) {
        return (int) reg.values().stream().filter(r -> r.state() == s).count();
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

    /**
     * Starts {@code count} replicas and returns once they are registered {@code starting}: their watchers announce them
     * ready when /health answers, so the lane is free for the next plan meanwhile. {@code after} counts them with the
     * ready ones (the replicas now asked for), as the kubernetes backend counts the pods it asked for.
     */
    private Outcome scaleUp(int count, int before) {
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<ReplicaRecord>> starts = new ArrayList<>();
        for (int i = 0; i < count; i++) starts.add(pool.submit(this::startOne));
        List<String> started = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int skipped = 0;
        for (Future<ReplicaRecord> f : starts) {
            try {
                ReplicaRecord r = f.get();
                if (r != null) started.add(r.id());
                else skipped++;
            } catch (ExecutionException e) {
                errors.add(String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            } catch (InterruptedException e) {
                // the executor is stopping: what started is registered by its task, the rest is for the next executor
                Thread.currentThread().interrupt();
                errors.add("interrupted");
                break;
            }
        }
        pool.shutdown();
        int after = activeCount();
        boolean leaseLost = skipped > 0;
        String msg = "started " + (started.isEmpty() ? "none" : String.join(", ", started))
                + (started.isEmpty() ? "" : " (starting; announced ready once /health answers)")
                + (errors.isEmpty() ? "" : "; failed: " + String.join("; ", errors))
                + (leaseLost ? "; lost the executor lease, started no more" : "");
        return new Outcome(before, after, errors.isEmpty() && !leaseLost ? "ok" : "error", msg);
    }

    /** One new replica, registered as starting and watched; null, starting nothing, once the lease is lost. */
    private ReplicaRecord startOne() throws Exception {
        if (!lease.held()) return null;
        long seq = bus.redis().incr(keys.replicaCounter(target));
        ReplicaRecord r = backend.start(target, target + "-dup-" + seq, seq);
        // registered even if the lease went meanwhile: it runs, and whoever holds the lease must know it
        write(r);
        publishSet();
        watch(r);
        return r;
    }

    private Outcome scaleDown(List<ReplicaRecord> active, int count, int before) {
        // starting replicas go first (they serve nothing yet), then the newest
        List<ReplicaRecord> victims = active.stream()
                .sorted(Comparator.comparing((ReplicaRecord r) -> r.state() == State.starting ? 0 : 1)
                        .thenComparing(ReplicaRecord::seq, Comparator.reverseOrder()))
                .limit(count).toList();
        List<String> ids = victims.stream().map(ReplicaRecord::id).toList();
        if (!drain(victims)) {
            // no Redis call here: on an interrupted thread (the executor stopping) it would only throw
            return new Outcome(before, active.size() - victims.size(), "error", "drain of " + ids + " stopped short (lost the "
                    + "executor lease, or stopping); what was marked draining is finished by the next reconcile");
        }
        return new Outcome(before, activeCount(), "ok", "drained and stopped " + ids);
    }

    /**
     * Marks the victims draining, waits until nginx left them, then stops them. False when it stopped short: the lease
     * was lost or the executor is stopping; what was marked stays draining, and the next drain (of whoever holds the
     * lease) finishes it.
     */
    private boolean drain(List<ReplicaRecord> victims) {
        if (!lease.held()) return false;
        for (ReplicaRecord v : victims) write(v.with(State.draining));
        publishSet();
        Set<String> addresses = new HashSet<>();
        victims.forEach(v -> addresses.add(v.address()));
        if (!waitOutOfUpstreams(addresses) || !pause((long) (settings.drainSettleSec() * 1000))) return false;
        if (!lease.held()) {
            log.warn("{}: lost the executor lease while draining {}; leaving them draining for the holder", target,
                    victims.stream().map(ReplicaRecord::id).toList());
            return false;
        }
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch done = new CountDownLatch(victims.size());
        for (ReplicaRecord v : victims) {
            pool.submit(() -> {
                try {
                    backend.stop(v, Duration.ofMillis((long) (settings.graceSec() * 1000)));
                    // an interrupted stop may leave it running: it stays draining, drained again next time
                    if (Thread.currentThread().isInterrupted()) return;
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
        boolean finished = await(done);
        if (!finished) pool.shutdownNow();
        else pool.shutdown();
        publishSet();
        return finished;
    }

    /** True once nginx no longer serves {@code addresses}, or DRAIN_SEC passed; false if interrupted. */
    private boolean waitOutOfUpstreams(Set<String> addresses) {
        long deadline = System.nanoTime() + (long) (settings.drainSec() * 1e9);
        while (System.nanoTime() < deadline) {
            Set<String> inNginx = upstreamByTarget.get(target);
            if (inNginx != null && addresses.stream().noneMatch(inNginx::contains)) return true;
            if (!pause(50)) return false;
        }
        log.info("{}: no upstream update without {} within DRAIN_SEC; stopping anyway", target, addresses);
        return true;
    }

    /**
     * Follows a starting replica off the lane: marks it ready the moment its readiness answers, and wakes the lane
     * when it dies or runs out of START_TIMEOUT_SEC, so the reconcile replaces it at once. One watcher per replica.
     */
    private void watch(ReplicaRecord r) {
        if (closed || !watched.add(r.id())) return;
        Thread.ofVirtual().name("health-" + r.id()).start(() -> {
            try {
                followStart(r);
            } catch (RuntimeException e) {
                // Redis or the backend erred: the lane's next reconcile looks again (and watches anew)
                log.warn("{}: following the start of {} failed ({})", target, r.id(), e.getMessage());
            } finally {
                watched.remove(r.id());
            }
        });
    }

    private void followStart(ReplicaRecord r) {
        while (!closed && lease.held()) {
            if (!backend.isAlive(r) || !stillStarting(r)) {
                wake.run();
                return;
            }
            if (healthy(r)) {
                if (promote(r)) log.info("{}: {} answers; ready after {} s", target, r.id(), Math.round(ageSec(r) * 10) / 10.0);
                return;
            }
            if (!pause(HEALTH_POLL_MS)) return;
        }
    }

    /** Whether a watcher follows the start of replica {@code id} now. */
    boolean watching(String id) {
        return watched.contains(id);
    }

    /** Marks {@code r} ready and announces it, unless it is no longer the starting replica registered (see PROMOTE). */
    private boolean promote(ReplicaRecord r) {
        if (!lease.held()) return false;
        Long done = bus.redis().eval(PROMOTE, ScriptOutputType.INTEGER, new String[] {keys.registry(target)}, r.id(), r.handle(),
                Json.write(r.with(State.ready)));
        if (done == null || done != 1L) return false;
        publishSet();
        return true;
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

    /** Ready and starting: the replicas asked for, not on their way out. */
    private int activeCount() {
        return (int) readRegistry().values().stream().filter(r -> r.state() != State.draining).count();
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

    /** Only the lease holder reports: a standby's "nothing done" would double every result. */
    @Override
    public void publishResult(String planId, String action, String reason, Outcome o) {
        if (!lease.held()) return;
        ResultLog.publish(bus, new ExecResult(System.currentTimeMillis() / 1000.0, planId, action, target, reason,
                o.before(), o.after(), new ExecResult.Outcome(o.status(), o.message())));
    }

    @Override
    public Map<String, Object> health() {
        return lease.health();
    }

    /** Stops the watchers of starting replicas (the replicas run on; the next holder adopts them). */
    @Override
    public void close() {
        closed = true;
    }

    /** Sleeps; false if interrupted (the flag kept), so a wait loop stops instead of spinning to its deadline. */
    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits for the stops; false if interrupted (the flag kept) or not done in ten minutes. */
    private static boolean await(CountDownLatch l) {
        try {
            return l.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
