package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.Outcome;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.backend.ReplicaRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.RedisLease;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.ReplicaSet.State;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Reconciler} against a real redis-server and an {@link InMemoryBackend} whose replicas are tiny HTTP servers on
 * 127.0.0.1 (no processes). Each test uses a target of its own, so keys and messages of one test never reach another.
 * A stand-in watcher turns every {@code replicas} message into the upstream set (the ready addresses), as the real
 * watcher reports on {@code upstreams}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReconcilerTest {
    private static final AtomicInteger TARGETS = new AtomicInteger();
    private static RedisServer redis;
    private static RedisBus bus;
    private static volatile ReconcilerTest current;

    private final String target = "rt" + TARGETS.incrementAndGet();
    private final InMemoryBackend backend = new InMemoryBackend();
    private final Map<String, Set<String>> upstreams = new ConcurrentHashMap<>();
    private final List<Seen> replicaMessages = new CopyOnWriteArrayList<>();
    private final List<JsonNode> resultMessages = new CopyOnWriteArrayList<>();
    /** Whether the stand-in watcher follows every {@code replicas} message by itself; else the test moves upstreams. */
    private volatile boolean autoWatcher = true;
    /** Runs a reconcile that the test watches while it waits; its own threads, so a failed test cannot block the next. */
    private final ExecutorService async = Executors.newVirtualThreadPerTaskExecutor();
    /** Times a reconciler asked its lane for a reconcile (a start's watcher, a give-up). */
    private final AtomicInteger wakes = new AtomicInteger();
    private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

    /** A {@code replicas} message and when this test received it. */
    record Seen(ReplicaSet set, long receivedNanos) {
        State stateOf(String id) {
            return set.replicas().stream().filter(r -> r.id().equals(id)).map(ReplicaSet.Replica::state).findFirst().orElse(null);
        }

        Set<String> ids(State s) {
            return set.replicas().stream().filter(r -> r.state() == s).map(ReplicaSet.Replica::id).collect(Collectors.toSet());
        }
    }

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
        bus = redis.bus("rtest:");
        bus.subscribe(Channels.REPLICAS, ReplicaSet.class, m -> {
            ReconcilerTest t = current;
            if (t != null && t.target.equals(m.target())) t.onReplicas(m);
        });
        bus.subscribe(Channels.RESULTS, JsonNode.class, m -> {
            ReconcilerTest t = current;
            if (t != null && t.target.equals(m.path("target").asText())) t.resultMessages.add(m);
        });
    }

    @AfterAll
    static void stopRedis() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    @BeforeEach
    void register() {
        current = this;
    }

    @AfterEach
    void cleanUp() throws Exception {
        current = null;
        async.shutdownNow();
        for (AutoCloseable c : closeAfter) c.close();
        backend.close();
    }

    /** The stand-in watcher: nginx serves the ready replicas of the latest set. */
    private void onReplicas(ReplicaSet m) {
        replicaMessages.add(new Seen(m, System.nanoTime()));
        if (autoWatcher) upstreams.put(target, readyAddresses(m));
    }

    // ---- scale up ----

    @Test
    void scaleUpReturnsWithReplicasStartingAndAnnouncesThemReadyOnlyAfterTheirHealthAnswers() throws Exception {
        backend.healthyOnStart = false;
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(2);

        Outcome o = rec.reconcile();

        String one = target + "-dup-1";
        String two = target + "-dup-2";
        assertEquals("ok", o.status(), o.message());
        assertEquals(0, o.before());
        assertEquals(2, o.after(), "the replicas asked for, both still starting");
        assertEquals(Set.of(one, two), Set.copyOf(backend.started), "ids come from the Redis counter");
        Map<String, ReplicaRecord> reg = registry();
        assertEquals(Set.of(one, two), reg.keySet());
        reg.values().forEach(r -> assertEquals(State.starting, r.state(), r.id() + " is registered as starting"));
        await("both announced as starting", () -> replicaMessages.stream().anyMatch(s -> s.ids(State.starting).equals(Set.of(one, two))));
        await("each probed twice while unhealthy, off the lane",
                () -> backend.running().size() == 2 && backend.running().stream().allMatch(r -> r.probes.get() >= 2));
        Outcome meanwhile = rec.reconcile();
        assertEquals("noop", meanwhile.status(), "a reconcile while they start neither waits for them nor starts more");
        assertNoReadyAnnounced();

        backend.running().forEach(r -> r.healthy(true));

        await("both ready in the registry", () -> registry().values().stream().allMatch(r -> r.state() == State.ready));
        await("both announced ready", () -> last().ids(State.ready).equals(Set.of(one, two)));
        for (Seen s : replicaMessages) {
            for (String id : s.ids(State.ready)) {
                long healthyAt = backend.byId(id).firstHealthyAnswerNanos.get();
                assertTrue(healthyAt != 0 && s.receivedNanos() > healthyAt, id + " was announced ready before /health answered 200");
            }
        }
        assertEquals(2, backend.started.size(), "no extra starts");
    }

    @Test
    void aReplicaThatNeverAnswersHealthIsNeverAnnouncedReadyAndIsStoppedByTheReconcileItsWatcherAsksFor() {
        backend.healthyOnStart = false;
        Reconciler rec = reconciler(settings(1, 5, 1.0));
        setDesired(1);
        assertEquals("ok", rec.reconcile().status());
        String id = target + "-dup-1";
        await("its watcher asks for a reconcile once START_TIMEOUT_SEC has passed", () -> wakes.get() >= 1);

        Outcome o = rec.reconcile();

        assertEquals("error", o.status());
        assertEquals(0, o.after());
        assertTrue(o.message().contains(id + " did not become healthy"), o.message());
        assertTrue(backend.byId(id).probes.get() > 0, "its /health was probed");
        assertEquals(List.of(id), backend.stopped, "stopped after START_TIMEOUT_SEC");
        assertTrue(backend.running().isEmpty());
        assertTrue(registry().isEmpty(), "removed from the registry: " + registry());
        assertTrue(wakes.get() >= 2, "and asks for the reconcile that replaces it");
        await("announced as starting, then the empty set", () -> replicaMessages.size() >= 2
                && replicaMessages.stream().anyMatch(s -> s.stateOf(id) == State.starting)
                && last().set().replicas().isEmpty());
        assertNoReadyAnnounced();
    }

    @Test
    void aPlanThatComesWhileReplicasStartIsActedOnAtOnce() throws Exception {
        backend.healthyOnStart = false;
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(3);
        assertEquals("ok", rec.reconcile().status());
        upstreams.put(target, Set.of()); // nginx serves none of them yet
        setDesired(1);

        Outcome down = rec.reconcile();

        String first = target + "-dup-1";
        assertEquals("ok", down.status(), down.message());
        assertEquals(Set.of(target + "-dup-2", target + "-dup-3"), Set.copyOf(backend.stopped), "the two newest starting ones go");
        assertTrue(backend.started.stream().allMatch(id -> backend.byId(id).firstHealthyAnswerNanos.get() == 0),
                "acted on before any of the starts answered");
        assertEquals(Set.of(first), registry().keySet());
        backend.byId(first).healthy(true);
        await("the one kept is announced ready once it answers", () -> registry().get(first).state() == State.ready
                && !replicaMessages.isEmpty() && last().ids(State.ready).equals(Set.of(first)));
    }

    @Test
    void aDrainBegunWhileAReplicaStartsIsNotUndoneWhenItsHealthAnswers() throws Exception {
        backend.healthyOnStart = false;
        Reconciler rec = reconciler(settings(0, 5, 20));
        setDesired(1);
        assertEquals("ok", rec.reconcile().status());
        String id = target + "-dup-1";
        autoWatcher = false; // the test plays the watcher: the drain waits until it says nginx left the replica
        upstreams.put(target, Set.of(registry().get(id).address()));
        setDesired(0);

        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(rec::reconcile, async);
        await("marked draining", () -> registry().get(id).state() == State.draining);
        backend.byId(id).healthy(true);
        await("its watcher heard /health answer and let go", () -> backend.byId(id).firstHealthyAnswerNanos.get() != 0 && !rec.watching(id));

        assertEquals(State.draining, registry().get(id).state(), "an answer during the drain did not make it ready again");
        upstreams.put(target, Set.of());
        Outcome o = run.get(15, TimeUnit.SECONDS);
        assertEquals("ok", o.status(), o.message());
        assertEquals(List.of(id), backend.stopped);
        assertTrue(registry().isEmpty());
        assertNoReadyAnnounced();
    }

    @Test
    void desiredAboveMaxIsClampedToMax() {
        Reconciler rec = reconciler(settings(1, 3, 20));
        setDesired(10);

        Outcome o = rec.reconcile();

        assertEquals("ok", o.status(), o.message());
        assertEquals(3, o.after());
        assertEquals(3, backend.started.size(), "MAX_REPLICAS=3 bounds desired=10");
        assertEquals(3, registry().size());
        Outcome again = rec.reconcile();
        assertEquals("noop", again.status());
        assertEquals(3, again.before());
        assertEquals(3, backend.started.size(), "at max, nothing more is started");
    }

    @Test
    void desiredBelowMinIsClampedToMin() {
        Reconciler rec = reconciler(settings(2, 5, 20));
        setDesired(0);

        Outcome o = rec.reconcile();

        assertEquals(2, o.after());
        assertEquals(2, backend.started.size(), "MIN_REPLICAS=2 bounds desired=0");
        assertTrue(backend.stopped.isEmpty());
    }

    // ---- scale down ----

    @Test
    void scaleDownMarksTheNewestDrainingAndStopsItOnlyAfterItLeftTheUpstreams() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(3);
        assertEquals("ok", rec.reconcile().status());
        String newest = target + "-dup-3";
        String newestAddress = registry().get(newest).address();
        await("the watcher serves all three", () -> upstreams.getOrDefault(target, Set.of()).size() == 3);

        Map<String, State> registryAtStop = new ConcurrentHashMap<>();
        Map<String, Boolean> drainingAnnouncedAtStop = new ConcurrentHashMap<>();
        Map<String, Boolean> inUpstreamsAtStop = new ConcurrentHashMap<>();
        autoWatcher = false; // the test plays the watcher, to know when the replica left nginx
        backend.onStop = r -> {
            ReplicaRecord now = registry().get(r.id());
            if (now != null) registryAtStop.put(r.id(), now.state());
            drainingAnnouncedAtStop.put(r.id(), replicaMessages.stream().anyMatch(s -> s.stateOf(r.id()) == State.draining));
            inUpstreamsAtStop.put(r.id(), upstreams.getOrDefault(target, Set.of()).contains(r.address()));
        };
        setDesired(2);

        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(rec::reconcile, async);
        await("draining announced", () -> replicaMessages.stream().anyMatch(s -> s.stateOf(newest) == State.draining));
        assertTrue(backend.stopped.isEmpty(), "stopped while nginx still served it: " + backend.stopped);
        assertTrue(upstreams.get(target).contains(newestAddress));
        upstreams.put(target, readyAddresses(last().set())); // the watcher reloaded nginx without it
        Outcome o = run.get(15, TimeUnit.SECONDS);

        assertEquals(List.of(newest), backend.stopped, "the newest replica goes");
        assertEquals(State.draining, registryAtStop.get(newest), "registered as draining before the stop");
        assertEquals(Boolean.TRUE, drainingAnnouncedAtStop.get(newest), "draining was published before the stop");
        assertEquals(Boolean.FALSE, inUpstreamsAtStop.get(newest), newestAddress + " had left the upstreams before the stop");
        assertEquals("ok", o.status(), o.message());
        assertEquals(3, o.before());
        assertEquals(2, o.after());
        assertEquals(Set.of(target + "-dup-1", target + "-dup-2"), registry().keySet());
        assertEquals(Set.of(target + "-dup-1", target + "-dup-2"), runningIds());
        await("the set without it is announced",
                () -> last().ids(State.ready).equals(Set.of(target + "-dup-1", target + "-dup-2")) && last().set().replicas().size() == 2);
    }

    @Test
    void scaleDownRemovesStartingReplicasFirstThenTheNewestReady() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, false); // still starting: serves nothing yet
        var r3 = backend.run(target, 3, true);
        var r4 = backend.run(target, 4, true);
        write(r1.record(State.ready), r2.record(State.starting), r3.record(State.ready), r4.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "4");
        upstreams.put(target, Set.of(r1.address, r3.address, r4.address));
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(2);

        Outcome o = rec.reconcile();

        assertEquals(Set.of(r2.id, r4.id), Set.copyOf(backend.stopped), "the starting one, then the newest ready one");
        assertEquals(Set.of(r1.id, r3.id), registry().keySet());
        assertEquals(Set.of(r1.id, r3.id), runningIds());
        assertEquals(3, o.before(), "ready replicas before");
        assertEquals(2, o.after());
        assertTrue(backend.started.isEmpty());
    }

    @Test
    void anInterruptedDrainStopsWaitingKeepsTheFlagAndStopsNothing() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);
        write(r1.record(State.ready), r2.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "2");
        Reconciler rec = reconciler(settings(1, 5, 20));
        rec.adopt();
        autoWatcher = false; // nginx never lets r2 go: the drain would wait DRAIN_SEC (30 s)
        upstreams.put(target, Set.of(r1.address, r2.address));
        setDesired(1);
        // what the reconcile ended with: its outcome, or the Redis client's refusal to run a command once interrupted
        CompletableFuture<Object> ended = new CompletableFuture<>();
        CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
        Thread lane = Thread.ofPlatform().name("test-lane").start(() -> {
            try {
                ended.complete(rec.reconcile());
            } catch (RuntimeException e) {
                ended.complete(e);
            } finally {
                flagKept.complete(Thread.currentThread().isInterrupted());
            }
        });

        await("r2 announced draining", () -> replicaMessages.stream().anyMatch(m -> m.stateOf(r2.id) == State.draining));
        lane.interrupt(); // the executor is stopping

        Object end = ended.get(5, TimeUnit.SECONDS); // far less than DRAIN_SEC: it did not wait it out
        if (end instanceof Outcome o) assertEquals("error", o.status(), o.message());
        else assertTrue(end instanceof io.lettuce.core.RedisCommandInterruptedException, String.valueOf(end));
        assertTrue(flagKept.get(5, TimeUnit.SECONDS), "the interrupt was swallowed");
        assertTrue(backend.stopped.isEmpty(), "stopped while stopping: " + backend.stopped);
        assertEquals(State.draining, registry().get(r2.id).state(), "left draining for the next executor to finish");
    }

    // ---- adoption ----

    @Test
    void adoptKeepsLiveReplicasDropsDeadOnesAndStartsNoDuplicates() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);   // the executor died before announcing it ready
        var r3 = backend.run(target, 3, true);   // runs, but the registry lost it
        var r4 = backend.run(target, 4, false);  // runs, does not answer /health: adopt stops it
        var r5 = backend.run(target, 5, true);
        backend.crash(r5);                       // in the registry, but gone
        write(r1.record(State.ready), r2.record(State.starting), r4.record(State.starting), r5.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "5");
        setDesired(3);
        Reconciler rec = reconciler(settings(1, 5, 20));

        rec.adopt();

        Map<String, ReplicaRecord> reg = registry();
        assertEquals(Set.of(r1.id, r2.id, r3.id), reg.keySet(), "dead " + r5.id + " dropped, unhealthy " + r4.id + " removed");
        reg.values().forEach(r -> assertEquals(State.ready, r.state(), r.id()));
        assertEquals(r3.handle, reg.get(r3.id).handle(), "the stray is adopted with its own handle");
        assertEquals(List.of(r4.id), backend.stopped);
        assertTrue(backend.started.isEmpty(), "adopt starts nothing");
        await("the adopted set is announced", () -> !replicaMessages.isEmpty()
                && last().ids(State.ready).equals(Set.of(r1.id, r2.id, r3.id)) && last().set().replicas().size() == 3);

        Outcome o = rec.reconcile();

        assertEquals("noop", o.status(), o.message());
        assertEquals(3, o.before());
        assertEquals(3, o.after());
        assertTrue(backend.started.isEmpty(), "no duplicate starts: " + backend.started);
        assertEquals(Set.of(r1.id, r2.id, r3.id), runningIds());
    }

    @Test
    void aReplicaAdoptedWhileStillStartingIsKeptAsStartingAndPromotedOnceItAnswers() throws Exception {
        var r1 = backend.run(target, 1, false); // the executor stopped while it was starting
        write(startedSecondsAgo(r1, 2));
        bus.redis().set(bus.keys().replicaCounter(target), "1");
        setDesired(1);
        Reconciler rec = reconciler(settings(1, 5, 20));

        rec.adopt();

        assertEquals(State.starting, registry().get(r1.id).state());
        assertTrue(backend.stopped.isEmpty(), "not stopped within START_TIMEOUT_SEC of its start");
        assertEquals("noop", rec.reconcile().status());
        assertEquals(State.starting, registry().get(r1.id).state(), "not ready before /health answers");
        r1.healthy(true);
        rec.reconcile();
        assertEquals(State.ready, registry().get(r1.id).state());
        assertTrue(backend.started.isEmpty(), "no duplicate start: " + backend.started);
    }

    @Test
    void aStartingReplicaThatNeverAnswersIsStoppedAfterTheStartTimeoutAndReplaced() throws Exception {
        var r1 = backend.run(target, 1, false); // left starting by a start that failed half-way
        write(startedSecondsAgo(r1, 30));
        bus.redis().set(bus.keys().replicaCounter(target), "1");
        setDesired(1);
        Reconciler rec = reconciler(settings(1, 5, 20));

        Outcome o = rec.reconcile();

        assertEquals("error", o.status(), o.message());
        assertTrue(o.message().contains(r1.id + " did not become healthy"), o.message());
        assertEquals(List.of(r1.id), backend.stopped);
        assertTrue(registry().isEmpty());
        assertEquals("ok", rec.reconcile().status());
        assertEquals(List.of(target + "-dup-2"), backend.started);
    }

    private ReplicaRecord startedSecondsAgo(InMemoryBackend.Replica r, double seconds) {
        ReplicaRecord rec = r.record(State.starting);
        return new ReplicaRecord(rec.id(), rec.target(), rec.address(), rec.handle(), State.starting, rec.seq(),
                System.currentTimeMillis() / 1000.0 - seconds);
    }

    /**
     * Redis lost everything (registry, counter) while replicas ran, and the executor restarts: adopt() takes them back,
     * and the next start must not reuse an id that runs (the counter restarts at 0 otherwise).
     */
    @Test
    void aReplicaLeftDrainingByAnExecutorThatStoppedIsNotAnnouncedReadyAgainAndItsDrainIsFinished() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);   // healthy, but the executor stopped while draining it
        write(r1.record(State.ready), r2.record(State.draining));
        bus.redis().set(bus.keys().replicaCounter(target), "2");
        setDesired(1);
        Reconciler rec = reconciler(settings(1, 5, 20));

        rec.adopt();

        assertEquals(State.draining, registry().get(r2.id).state(), "still draining after adoption");
        await("the adopted set is announced", () -> !replicaMessages.isEmpty() && last().ids(State.ready).equals(Set.of(r1.id)));
        assertTrue(replicaMessages.stream().noneMatch(m -> m.ids(State.ready).contains(r2.id)), "never announced ready again");

        Outcome o = rec.reconcile();

        assertEquals(Set.of(r1.id), runningIds(), o.message());
        assertEquals(List.of(r2.id), backend.stopped);
        assertEquals(Set.of(r1.id), registry().keySet());
    }

    @Test
    void afterRedisLostItsDataAdoptedReplicasKeepTheirIdsAndNewOnesGetFreshIds() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);
        assertNull(bus.redis().get(bus.keys().replicaCounter(target)));
        Reconciler rec = reconciler(settings(1, 5, 20));
        rec.adopt();
        setDesired(3);

        Outcome o = rec.reconcile();

        assertEquals("ok", o.status(), o.message());
        assertEquals(1, backend.started.size());
        String fresh = backend.started.get(0);
        assertNotEquals(r1.id, fresh);
        assertNotEquals(r2.id, fresh);
        assertEquals(target + "-dup-3", fresh, "the counter continues after the highest running seq");
        Map<String, ReplicaRecord> reg = registry();
        assertEquals(3, reg.size(), "three distinct ids: " + reg.keySet());
        Set<String> runningHandles = backend.running().stream().map(r -> r.handle).collect(Collectors.toSet());
        Set<String> registeredHandles = reg.values().stream().map(ReplicaRecord::handle).collect(Collectors.toSet());
        assertEquals(runningHandles, registeredHandles, "every running replica is in the registry, none orphaned");
    }

    @Test
    void aLostCounterAloneDoesNotHandOutARegisteredId() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(2);
        assertEquals("ok", rec.reconcile().status());
        bus.redis().del(bus.keys().replicaCounter(target)); // the registry survives, the counter does not
        setDesired(3);

        Outcome o = rec.reconcile();

        assertEquals("ok", o.status(), o.message());
        // the first two start side by side, in either order: what matters is three distinct ids
        assertEquals(3, backend.started.size(), String.valueOf(backend.started));
        assertEquals(Set.of(target + "-dup-1", target + "-dup-2", target + "-dup-3"), Set.copyOf(backend.started));
        assertEquals(3, backend.running().size(), "no replica lost its registry entry to a new one");
        assertEquals(Set.of(target + "-dup-1", target + "-dup-2", target + "-dup-3"), registry().keySet());
    }

    @Test
    void aReplicaThatDiedOnItsOwnIsDroppedAndReplaced() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(2);
        assertEquals("ok", rec.reconcile().status());
        InMemoryBackend.Replica victim = backend.byId(target + "-dup-1");
        backend.crash(victim);

        Outcome o = rec.reconcile();

        assertEquals("ok", o.status(), o.message());
        assertEquals(1, o.before(), "only the survivor was ready");
        assertEquals(2, o.after());
        assertEquals(Set.of(target + "-dup-2", target + "-dup-3"), registry().keySet());
        assertTrue(backend.stopped.isEmpty(), "a dead replica needs no stop");
    }

    @Test
    void aDeathNoticedByAReconcileThatFailedIsNamedByTheNextOutcome() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(2);
        assertEquals("ok", rec.reconcile().status());
        backend.crash(backend.byId(target + "-dup-1"));
        // replicas are checked oldest first: dup-1 is dropped, then the check of dup-2 fails
        backend.failIsAliveOf = target + "-dup-2";
        assertThrows(IllegalStateException.class, rec::reconcile);
        assertFalse(registry().containsKey(target + "-dup-1"), "the first reconcile already dropped the dead replica");
        backend.failIsAliveOf = null;

        Outcome o = rec.reconcile();

        assertTrue(o.message().startsWith(target + "-dup-1 died; "), o.message());
        assertEquals(Set.of(target + "-dup-2", target + "-dup-3"), registry().keySet());
        assertFalse(rec.reconcile().message().contains("died"), "named once");
    }

    @Test
    void withNoDesiredStateItHoldsWhatRunsEvenAfterRedisLostTheRegistry() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);
        var r3 = backend.run(target, 3, true);
        write(r1.record(State.ready), r2.record(State.ready), r3.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "3");
        assertNull(bus.redis().hget(bus.keys().desired(target), "replicas"), "no desired count at all");
        Reconciler rec = reconciler(settings(1, 5, 20));
        rec.adopt();

        Outcome o = rec.reconcile();
        assertEquals("noop", o.status(), o.message());
        assertEquals(3, o.after());

        // Redis restarted empty: registry and counter gone, and still no desired count
        bus.redis().del(bus.keys().registry(target), bus.keys().replicaCounter(target));
        Outcome again = rec.reconcile();

        assertEquals(Set.of(r1.id, r2.id, r3.id), registry().keySet(), "re-registered from what runs");
        registry().values().forEach(r -> assertEquals(State.ready, r.state(), r.id()));
        assertEquals(3, again.before(), again.message());
        assertEquals(3, again.after());
        assertTrue(backend.started.isEmpty(), "nothing started: " + backend.started);
        assertTrue(backend.stopped.isEmpty(), "nothing stopped: " + backend.stopped);
        await("the re-registered set is announced", () -> !replicaMessages.isEmpty() && last().ids(State.ready).size() == 3);
    }

    // ---- one executor acts (the lease) ----

    @Test
    void aStandbyAdoptsStartsStopsAndPublishesNothingAndTakesOverOnceTheLeaseIsFree() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true); // runs, but the registry lost it
        write(r1.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "2");
        setDesired(3);
        RedisLease other = redisLease("executor-other");
        assertTrue(other.tryHold());
        RedisLease mine = redisLease("executor-me");
        assertFalse(mine.tryHold());
        Reconciler rec = reconciler(settings(1, 5, 20), lease(mine));

        rec.adopt();
        Outcome idle = rec.reconcile();
        rec.publishResult("plan-standby", "scale_up", "p95 above the SLO", idle);

        assertEquals(Outcome.STANDBY, idle.status());
        assertTrue(idle.message().contains("executor-other"), idle.message());
        assertTrue(backend.started.isEmpty(), "a standby starts nothing");
        assertTrue(backend.stopped.isEmpty(), "a standby stops nothing");
        assertEquals(Set.of(r1.id), registry().keySet(), "a standby adopts nothing");
        assertEquals(Map.of("lease", Map.of("name", "executor:" + target, "role", "standby", "holder", "executor-other")), rec.health());

        other.close(); // the holder stops and releases the lease
        assertTrue(mine.tryHold());
        Outcome took = rec.reconcile();
        rec.publishResult("plan-holder", "scale_up", "p95 above the SLO", took);

        assertEquals("ok", took.status(), took.message());
        assertEquals(List.of(target + "-dup-3"), backend.started, "the two that run are adopted, one more started");
        assertTrue(backend.stopped.isEmpty());
        assertEquals(Set.of(r1.id, r2.id, target + "-dup-3"), registry().keySet());
        assertEquals(Map.of("lease", Map.of("name", "executor:" + target, "role", "active", "holder", "executor-me")), rec.health());
        awaitResult("plan-holder");
        assertTrue(resultMessages.stream().noneMatch(m -> "plan-standby".equals(m.path("plan_id").asText())), "the standby published a result");
        // whatever the standby had published would lack r2, which only the holder took in
        assertTrue(replicaMessages.stream().allMatch(m -> m.stateOf(r2.id) != null), "the standby announced a replica set");
    }

    @Test
    void aHolderThatLosesTheLeaseWhileDrainingStopsNothingAndLeavesTheDrainToTheNewHolder() throws Exception {
        var r1 = backend.run(target, 1, true);
        var r2 = backend.run(target, 2, true);
        var r3 = backend.run(target, 3, true);
        write(r1.record(State.ready), r2.record(State.ready), r3.record(State.ready));
        bus.redis().set(bus.keys().replicaCounter(target), "3");
        RedisLease mine = redisLease("executor-me");
        assertTrue(mine.tryHold());
        Reconciler rec = reconciler(settings(1, 5, 20), lease(mine));
        rec.adopt();
        autoWatcher = false; // the test plays the watcher: the drain waits until it says nginx left the replica
        upstreams.put(target, Set.of(r1.address, r2.address, r3.address));
        setDesired(2);

        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(rec::reconcile, async);
        await("the newest marked draining", () -> registry().get(r3.id).state() == State.draining);
        bus.redis().set(bus.keys().lease("executor:" + target), "executor-other"); // another executor holds it now
        assertFalse(mine.tryHold(), "the renewal finds the lease gone");
        upstreams.put(target, Set.of(r1.address, r2.address));
        Outcome o = run.get(15, TimeUnit.SECONDS);

        assertEquals("error", o.status(), o.message());
        assertTrue(o.message().contains("stopped short"), o.message());
        assertTrue(backend.stopped.isEmpty(), "stopped after the lease was lost: " + backend.stopped);
        assertEquals(State.draining, registry().get(r3.id).state(), "left draining for the new holder to finish");
        assertEquals(Set.of(r1.id, r2.id, r3.id), runningIds());
    }

    // ---- results ----

    @Test
    void resultsCarryReplicasBeforeAndAfterAndTheStatus() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(1);
        rec.reconcile();
        setDesired(2);

        Outcome up = rec.reconcile();
        rec.publishResult("plan-42", "scale_up", "p95 above the SLO", up);
        JsonNode r = awaitResult("plan-42");

        assertEquals(target, r.path("target").asText());
        assertEquals("scale_up", r.path("action").asText());
        assertEquals("p95 above the SLO", r.path("reason").asText());
        assertEquals(1, r.path("replicas_before").asInt(-1));
        assertEquals(2, r.path("replicas_after").asInt(-1));
        assertEquals("ok", r.path("result").path("status").asText());
        assertFalse(r.path("result").path("message").asText().isBlank());
        assertTrue(r.path("ts").asDouble() > 0);

        Outcome same = rec.reconcile();
        rec.publishResult("plan-43", "noop", "within threshold", same);
        JsonNode n = awaitResult("plan-43");
        assertEquals("noop", n.path("result").path("status").asText());
        assertEquals(2, n.path("replicas_before").asInt(-1));
        assertEquals(2, n.path("replicas_after").asInt(-1));
    }

    @Test
    void everyResultIsAlsoAppendedToTheCappedResultsStream() throws Exception {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(1);
        rec.publishResult("plan-50", "scale_up", "p95 above the SLO", rec.reconcile());
        rec.publishResult("plan-51", "noop", "within threshold", rec.reconcile());
        JsonNode published = awaitResult("plan-51");

        List<JsonNode> stream = streamedResults();
        assertEquals(List.of("plan-50", "plan-51"), stream.stream().map(r -> r.path("plan_id").asText()).toList());
        assertEquals(published, stream.get(1), "the stream holds what the channel carried");
        assertEquals(1, stream.get(0).path("replicas_after").asInt(-1));
    }

    @Test
    void aResultThatCannotBeAppendedIsStillPublished() {
        Reconciler rec = reconciler(settings(1, 5, 20));
        setDesired(1);
        String stream = bus.keys().resultsStream();
        bus.redis().set(stream, "not a stream"); // XADD fails with WRONGTYPE, as any command while Redis is away
        try {
            rec.publishResult("plan-60", "scale_up", "p95 above the SLO", rec.reconcile());
            assertEquals("ok", awaitResult("plan-60").path("result").path("status").asText());
        } finally {
            bus.redis().del(stream);
        }
    }

    // ---- helpers ----

    /** This test's entries of the {@code results} stream, oldest first. */
    private List<JsonNode> streamedResults() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (var e : bus.redis().xrange(bus.keys().resultsStream(), io.lettuce.core.Range.create("-", "+"))) {
            JsonNode r = Json.MAPPER.readTree(e.getBody().get(ExecResult.STREAM_FIELD));
            if (target.equals(r.path("target").asText())) out.add(r);
        }
        return out;
    }

    private static ExecutorSettings settings(int min, int max, double startTimeoutSec) {
        // DRAIN_SEC 30: a drain in these tests ends because the replica left the upstreams, never by timing out
        return new ExecutorSettings("memory", List.of("unused"), min, max, 1, startTimeoutSec, 30, 0, 1, 10);
    }

    /** A reconciler acting alone, whose wakes the test counts. */
    private Reconciler reconciler(ExecutorSettings s) {
        return reconciler(s, TargetLease.alone());
    }

    private Reconciler reconciler(ExecutorSettings s, TargetLease lease) {
        Reconciler r = new Reconciler(target, s, backend, bus, upstreams, lease, wakes::incrementAndGet);
        closeAfter.add(r);
        return r;
    }

    /** A lease this test takes and loses by hand ({@link RedisLease#tryHold}), not renewed in the background. */
    private TargetLease lease(RedisLease l) {
        TargetLease t = new TargetLease(l);
        closeAfter.add(t);
        return t;
    }

    private RedisLease redisLease(String holder) {
        return new RedisLease(bus, "executor:" + target, holder, Duration.ofSeconds(30));
    }

    private void setDesired(int n) {
        bus.redis().hset(bus.keys().desired(target), Map.of("replicas", String.valueOf(n), "plan_id", "plan-test"));
    }

    private void write(ReplicaRecord... records) {
        Map<String, String> fields = new HashMap<>();
        for (ReplicaRecord r : records) fields.put(r.id(), Json.write(r));
        bus.redis().hset(bus.keys().registry(target), fields);
    }

    private Map<String, ReplicaRecord> registry() {
        Map<String, ReplicaRecord> out = new HashMap<>();
        bus.redis().hgetall(bus.keys().registry(target)).forEach((id, json) -> out.put(id, Json.read(json, ReplicaRecord.class)));
        return out;
    }

    private static Set<String> readyAddresses(ReplicaSet m) {
        return m.ready().stream().map(ReplicaSet.Replica::address).collect(Collectors.toSet());
    }

    private Set<String> runningIds() {
        return backend.running().stream().map(r -> r.id).collect(Collectors.toSet());
    }

    private Seen last() {
        if (replicaMessages.isEmpty()) fail("no replicas message yet");
        return replicaMessages.get(replicaMessages.size() - 1);
    }

    private void assertNoReadyAnnounced() {
        for (Seen s : replicaMessages) assertTrue(s.ids(State.ready).isEmpty(), "announced ready: " + s.set());
    }

    private JsonNode awaitResult(String planId) {
        await("results for " + planId, () -> resultMessages.stream().anyMatch(m -> planId.equals(m.path("plan_id").asText())));
        return resultMessages.stream().filter(m -> planId.equals(m.path("plan_id").asText())).findFirst().orElseThrow();
    }

    /** Polls {@code condition} until it holds or 10 s pass. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for: " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }
}
