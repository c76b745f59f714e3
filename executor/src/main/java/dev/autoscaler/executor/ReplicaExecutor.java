package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.Loops;
import dev.autoscaler.executor.backend.Outcome;
import dev.autoscaler.executor.backend.TargetLoop;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.Upstreams;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor service: one {@link TargetLoop} per target from the backend {@code EXECUTOR_BACKEND} names, woken by
 * every {@code plan} and every {@code RECONCILE_SEC}. Reconciles of a target never overlap, and at most one more waits
 * (one {@link Lane} per target): a plan that comes while one waits joins it.
 */
public final class ReplicaExecutor implements Service {
    private static final Logger log = LoggerFactory.getLogger(ReplicaExecutor.class);
    /** How many ids of folded plans a result names; the count says the rest. */
    private static final int FOLDED_IDS_SHOWN = 5;

    private final RedisBus bus;
    private final ExecutorSettings settings;
    private final Loops loops;
    private final Map<String, ScheduledExecutorService> threads = new ConcurrentHashMap<>();
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> upstreams = new ConcurrentHashMap<>();
    private final AtomicLong reconciles = new AtomicLong();
    /**
     * The count each target's last reconcile found as desired, with nothing to do; gone after one that acted, failed or
     * was woken by the backend. A noop plan at that count is answered from it (see {@link #onPlan}).
     */
    private final Map<String, Integer> settled = new ConcurrentHashMap<>();
    private final AtomicLong noopsAnswered = new AtomicLong();
    /** Targets whose running replicas were taken in. */
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();
    private volatile String lastError = "";
    private final MeterRegistry meters;

    public ReplicaExecutor(ServiceContext ctx) {
        this.settings = ExecutorSettings.from(ctx.env());
        // the backend reads its settings before anything connects: a bad value stops the service at once
        this.loops = Backends.create(settings, ctx, upstreams, this::wake);
        this.bus = ctx.bus();
        this.meters = ctx.meters();
        // the newest upstreams of a target make older ones moot
        bus.subscribeLatest(Channels.UPSTREAMS, Upstreams.class, Upstreams::target, u -> upstreams.put(u.target(), new HashSet<>(u.servers())));
        for (String target : loops.byTarget().keySet()) {
            var thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reconcile-" + target).daemon().factory());
            Lane lane = new Lane(thread, batch -> run(target, batch));
            threads.put(target, thread);
            lanes.put(target, lane);
            FunctionCounter.builder("autoscaler_executor_plans_coalesced", lane, Lane::coalescedPlans).tag("target", target)
                    .description("plans replaced by a newer one while both waited for the target's reconcile")
                    .register(ctx.meters());
            // the failures at 0 from the start: an alert's increase() misses the first failure of a series born at 1
            for (String result : List.of("error", "failed")) countReconcile(target, result, 0);
            // adopts, then reconciles at once: a restarted executor closes any gap left while it was away
            lane.ask(null);
            long period = (long) (settings.reconcileSec() * 1000);
            thread.scheduleWithFixedDelay(() -> lane.ask(null), period, period, TimeUnit.MILLISECONDS);
        }
        // on a cluster: each target's plans on its own sharded channel, heard from the start
        bus.followTargets(settings.targets());
        bus.subscribe(Channels.ACTIONS, Plan.class, this::onPlan);
        log.info("executor: backend {}, targets {}, replicas {}..{}", settings.backend(), settings.targets(),
                settings.minReplicas(), settings.maxReplicas());
    }

    /**
     * A plan asks for a reconcile; a noop plan at the count the last reconcile settled needs none (most windows of most
     * targets: one reconcile each made the executor the busiest process at a thousand targets), and is answered with
     * its result at once. Whatever changed since (a replica died, a start finished) wakes the lane and clears it.
     */
    private void onPlan(Plan p) {
        if (!p.isPlan()) return;
        String target = p.decision().target();
        Lane lane = lanes.get(target);
        if (lane == null) return;
        Integer at = settled.get(target);
        if (p.decision().action() == Plan.Action.noop && at != null && at == p.decision().targetReplicas()) {
            noopsAnswered.incrementAndGet();
            answer(loops.byTarget().get(target), p, new Outcome(at, at, "noop", at + " replica(s) as desired"), "");
            return;
        }
        lane.ask(p);
    }

    /** A reconcile now (a replica died or finished starting, the lease was taken); joins one already queued. */
    private void wake(String target) {
        settled.remove(target);
        Lane lane = lanes.get(target);
        if (lane != null) lane.ask(null);
    }

    /** Takes in what runs; a failure (Docker or Redis away at start) is logged and retried before the next reconcile. */
    private boolean adopt(String target) {
        if (adopted.contains(target)) return true;
        try {
            loops.byTarget().get(target).adopt();
            adopted.add(target);
            return true;
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            log.error("{}: adopting the running replicas failed; retrying before the next reconcile", target, e);
            return false;
        }
    }

    private void run(String target, Lane.Batch batch) {
        if (!adopt(target)) {
            countReconcile(target, "failed", 1);
            return;
        }
        TargetLoop r = loops.byTarget().get(target);
        try {
            Outcome o = r.reconcile();
            reconciles.incrementAndGet();
            countReconcile(target, o.status(), 1);
            if (o.settled()) settled.put(target, o.after());
            else settled.remove(target);
            Plan plan = batch.plan();
            if (plan != null && !o.standingBy()) {
                answer(r, plan, o, folded(batch));
            } else if (plan == null && !o.settled()) {
                String planId = bus.redis().hget(bus.keys().desired(target), "plan_id");
                r.publishResult(planId, "reconcile", "level-triggered reconcile to desired state", o);
            }
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            countReconcile(target, "failed", 1);
            log.error("{}: reconcile failed", target, e);
        }
    }

    /**
     * {@code autoscaler_executor_reconciles_total{target,result}}: result is the outcome's status (ok, noop, error,
     * standby) or failed when the reconcile threw (Redis or the backend away).
     */
    private void countReconcile(String target, String result, double n) {
        meters.counter("autoscaler_executor_reconciles", "target", target, "result", result).increment(n);
    }

    /** A plan's result: the reconcile's outcome, or "skipped" for a plan made in advise mode. */
    private static void answer(TargetLoop r, Plan plan, Outcome o, String folded) {
        String status = "enforce".equals(plan.decision().mode()) || plan.decision().mode() == null ? o.status() : "skipped";
        String msg = ("skipped".equals(status) ? "advise mode: nothing applied" : o.message()) + folded;
        r.publishResult(plan.id(), plan.decision().action().name(), plan.decision().reason(),
                new Outcome(o.before(), o.after(), status, msg));
    }

    /** The result's note on older plans that this plan's reconcile answered for too. */
    static String folded(Lane.Batch batch) {
        List<String> ids = batch.foldedPlanIds();
        if (ids.isEmpty()) return "";
        String shown = String.join(", ", ids.subList(Math.max(0, ids.size() - FOLDED_IDS_SHOWN), ids.size()));
        return "; " + ids.size() + " older plan(s) folded into this one while they waited (" + (ids.size() > FOLDED_IDS_SHOWN ? "…, " : "")
                + shown + ")";
    }

    @Override
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("backend", settings.backend());
        d.put("reconciles", reconciles.get());
        d.put("plans_coalesced", lanes.values().stream().mapToLong(Lane::coalescedPlans).sum());
        d.put("noops_answered", noopsAnswered.get());
        d.put("settled", new java.util.TreeMap<>(settled));
        d.put("last_error", lastError);
        loops.byTarget().forEach((t, l) -> {
            Map<String, Object> h = l.health();
            if (!h.isEmpty()) d.put(t, h);
        });
        return new OpsServer.Health(true, d);
    }

    /** Leaves replicas running: a restarted executor adopts them. */
    @Override
    public void close() {
        // a reconcile in flight gets a moment to register what it started (or the next executor finds it half made)
        threads.values().forEach(l -> l.shutdown());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (var lane : threads.values()) {
            try {
                if (!lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) lane.shutdownNow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lane.shutdownNow();
            }
        }
        try {
            loops.resources().close();
        } catch (Exception e) {
            log.warn("closing the {} backend: {}", settings.backend(), e.getMessage());
        }
    }
}
