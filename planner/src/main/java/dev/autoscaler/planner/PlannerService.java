package dev.autoscaler.planner;

import dev.autoscaler.common.bus.DesiredReplicas;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.common.kube.KubeLeadership;
import dev.autoscaler.common.kube.KubernetesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import dev.autoscaler.planner.advisor.AdvicePrompt;
import dev.autoscaler.planner.advisor.CallBudget;
import dev.autoscaler.planner.advisor.LlmAdvisor;
import dev.autoscaler.planner.llm.LlmProviders;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.AdviceRules;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;
import dev.autoscaler.planner.shadow.ShadowFleet;
import dev.autoscaler.planner.ownership.ShardedLeases;
import dev.autoscaler.planner.ownership.SingleLeader;
import dev.autoscaler.planner.ownership.TargetOwnership;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O around {@link ScalingPolicy}: one decision per {@code latency_metrics} window per target. Publishes
 * {@code plan} on {@code actions}; in enforce mode writes {@code desired:{target}} (what the executor reconciles
 * to); keeps the policy state in Redis ({@link StateStore}) so a restart continues where it left off. With an LLM
 * configured, the {@link LlmAdvisor} is asked after the window (never waited for), and the advice it holds is judged
 * with the next windows: published beside the decision (advise) or applied where it passes the guardrails (decide).
 * Each target is decided by one planner at a time ({@link TargetOwnership}: shared out among the live planners
 * through Redis, or on Kubernetes all held by the holder of a Lease); a window whose
 * current count is unknown (see {@link CurrentCount}) is held, never planned.
 */
public final class PlannerService implements Service {
    private static final Logger log = LoggerFactory.getLogger(PlannerService.class);

    private final RedisBus bus;
    private final Keys keys;
    private final PolicyConfig baseConfig;
    private final PlannerSettings settings;
    private final String defaultMode;
    private final TargetOwnership owners;
    /** The Kubernetes client of PLANNER_ELECTION=kubernetes when this planner made it (closed with it), else null. */
    private final KubernetesClient ownClient;
    /**
     * The desired count last read or written per target: what the planner writes back when Redis lost it (a restart
     * without persistence), instead of planning from a registry the executor is still rebuilding.
     */
    private final Map<String, Integer> lastDesired = new ConcurrentHashMap<>();
    /** When each target's count became unknown for want of a registry (absent: known). */
    private final Map<String, Double> unknownSince = new ConcurrentHashMap<>();
    private final AtomicLong standbyWindows = new AtomicLong();
    private final AtomicLong heldUnknown = new AtomicLong();
    private final AtomicLong restoredDesired = new AtomicLong();
    private final AtomicLong refusedTargets = new AtomicLong();
    private volatile long lastRefusedLog;
    private final Map<String, PolicyState> states = new ConcurrentHashMap<>();
    private final StateStore store;
    private final TargetReads reads;
    private final WindowWrites writes;
    /** HPA and KPA beside the policy, per target, since this planner began to act. */
    private final Map<String, ShadowFleet> shadows = new ConcurrentHashMap<>();
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer decisionTimer;
    private final TargetMeters targetMeters;
    private volatile double lastDecisionTs;
    private final LlmSettings llm;
    private final LlmAdvisor advisor;
    private final Map<String, java.util.Deque<LatencyMetrics>> recent = new ConcurrentHashMap<>();
    /** Windows the LLM is shown: 10 windows, half a minute at the default 3 s. */
    private static final int PROMPT_WINDOWS = 10;

    public PlannerService(ServiceContext ctx) {
        this(ctx, null);
    }

    /** @param kube the Kubernetes API to elect through where PLANNER_ELECTION=kubernetes (tests: a fake); null: from the pod */
    PlannerService(ServiceContext ctx, KubernetesClient kube) {
        this.baseConfig = PolicyConfig.from(ctx.env());
        this.settings = PlannerSettings.from(ctx.env());
        // read before anything connects, so a bad value stops the planner at once
        KubernetesSettings ks = "kubernetes".equals(settings.election()) ? KubernetesSettings.planner(ctx.env()) : null;
        this.defaultMode = settings.mode();
        this.meters = ctx.meters();
        this.decisionTimer = Timer.builder("autoscaler_planner_decision_seconds").publishPercentiles(0.5, 0.99).register(meters);
        this.targetMeters = new TargetMeters(meters, settings.maxTargets());
        this.bus = ctx.bus();
        this.keys = bus.keys();
        this.llm = LlmSettings.from(ctx.env());
        DoubleSupplier wallClock = () -> System.currentTimeMillis() / 1000.0;
        this.advisor = LlmProviders.create(llm)
                .map(p -> new LlmAdvisor(llm, p, CallBudget.shared(llm, bus, wallClock), this::audit, meters, wallClock)).orElse(null);
        if (ks != null) {
            this.ownClient = kube == null ? new KubernetesClientBuilder().build() : null;
            this.owners = new SingleLeader(new KubeLeadership(kube == null ? ownClient : kube, ks, bus, "planner").start(), ownershipListener());
        } else {
            this.ownClient = null;
            this.owners = new ShardedLeases(bus, "planner", holderId(), java.time.Duration.ofMillis((long) (settings.leaseSec() * 1000)),
                    ownershipListener()).start();
        }
        // a planner that falls behind decides on each target's newest window: an older one is history, not load
        this.store = new StateStore(bus, settings.stateSaveSec(), settings.risesSaveSec());
        this.reads = new TargetReads(bus);
        this.writes = new WindowWrites(bus, settings.historyWindows(), owners.holder());
        bus.subscribeLatest(Channels.ALERTS, LatencyMetrics.class, LatencyMetrics::target, settings.lanes(), this::concerns, this::onWindow);
        log.info("planner: mode {}, {} mode, replicas {}..{}; llm: {}", defaultMode,
                baseConfig.sloP95Ms() != null ? "SLO " + baseConfig.sloP95Ms() + " ms" : "baseline", baseConfig.minReplicas(),
                baseConfig.maxReplicas(), llm.describe());
    }

    /**
     * A target taken after another planner decided for it forgets what this planner cached of it: that planner's saved
     * state is newer. One taken again by this planner (its lease lost with a Redis restart, say) keeps what it knows,
     * the count it last asked for most of all. One given up leaves its newest state behind first.
     */
    private TargetOwnership.Listener ownershipListener() {
        return new TargetOwnership.Listener() {
            @Override
            public void taken(String target) {
                String last = bus.redis().hget(keys.last(target), "planner");
                if (last != null && !last.equals(owners.holder())) forget(target);
                else store.forget(target); // the cache is kept, but saved at once, whatever Redis lost
            }

            @Override
            public void givingUp(String target) {
                PolicyState s = states.get(target);
                if (s != null) store.saveWhole(target, s, System.currentTimeMillis() / 1000.0);
                forget(target);
            }
        };
    }

    private void forget(String target) {
        states.remove(target);
        lastDesired.remove(target);
        unknownSince.remove(target);
        shadows.remove(target);
        recent.remove(target);
        store.forget(target);
        targetMeters.forget(target);
    }

    /** An operator's one-off scale from {@code target:{t}} field scale: taken by this window, then removed. */
    private AdviceRules.Advice manual(String target, int replicas, double now) {
        bus.redis().hdel(keys.targetSettings(target), "scale");
        log.info("{}: manual scale to {}", target, replicas);
        return new AdviceRules.Advice(replicas, 1.0, "manual scale to " + replicas, AdviceRules.MANUAL, now);
    }

    private void audit(LlmCall call) {
        bus.appendCapped(keys.llmStream(), Map.of(LlmCall.STREAM_FIELD, Json.write(call)), 10_000);
    }

    /** Unique among the planners that may share one Redis: host, process and a random part (a pid may repeat). */
    private static String holderId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "local");
        return host + "/" + ProcessHandle.current().pid() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Another planner's windows stop at the bus (each planner hears every window); a counted one still reaches {@link #onWindow}. */
    private boolean concerns(LatencyMetrics m) {
        if (!m.isLatencyMetrics()) return true;
        targetMeters.follow(m.target(), owners::holds);
        if (owners.concerns(m.target())) return true;
        standbyWindows.incrementAndGet();
        return false;
    }

    void onWindow(LatencyMetrics m) {
        if (!m.isLatencyMetrics()) {
            ignored.incrementAndGet();
            return;
        }
        long t0 = System.nanoTime();
        String target = m.target();
        if (!owners.owns(target)) {
            // another planner's target (or none's, for the moment): it saves the state that whoever takes it over reads
            standbyWindows.incrementAndGet();
            return;
        }
        if (!states.containsKey(target) && states.size() >= settings.maxTargets()) {
            refuseTarget(target);
            return;
        }
        TargetReads.Snapshot snap = reads.read(target);
        TargetOverrides o = TargetOverrides.parse(target, snap.settings());
        String mode = o.mode() != null ? o.mode() : defaultMode;
        PolicyConfig cfg = o.apply(baseConfig);
        targetMeters.window(target, m.p95Ms(), cfg.sloP95Ms());
        PolicyState state = states.computeIfAbsent(target, store::load);

        boolean enforce = "enforce".equals(mode);
        double now = System.currentTimeMillis() / 1000.0;
        OptionalInt stored = DesiredReplicas.parse(target, snap.desired());
        CurrentCount count = currentCount(target, m, enforce, stored, ReplicaRegistry.parse(snap.registry()), now);
        if (!count.known()) {
            hold(target, m, state, mode, count, stored, now);
            return;
        }
        int current = count.replicas();
        String role = advisor == null ? "off" : o.llm() != null ? o.llm() : llm.role();
        // in mode off nothing is applied, so a manual scale waits in the hash until the mode changes
        Integer scale = "off".equals(mode) ? null : o.scale();
        LlmAdvisor.Held held = "off".equals(role) || scale != null ? null : advisor.held(target, m.rps());
        AdviceRules.Advice offered = scale != null ? manual(target, scale, now) : held == null ? null : held.advice();
        ScalingPolicy policy = new ScalingPolicy(cfg);
        PolicyDecision.Result r = policy.decide(state, Window.of(m, current), now, offered, scale != null || "decide".equals(role));
        PolicyDecision dec = r.decision();
        states.put(target, r.state());
        windows.incrementAndGet();
        lastDecisionTs = now;

        if ("off".equals(mode)) {
            leave(target, r.state(), m, mode, null, false, now);
            targetMeters.decided(target, dec, mode);
            return;
        }
        Plan.Advice advice = held == null ? null : advisor.judged(target, held, r.advice(), role, current);
        Plan plan = PlanMessages.decided(target, now, mode, dec, advice, shadow(target, m, dec, cfg));
        // a deposed planner writes nothing: not the plan, nor a state that would overwrite the new holder's
        if (!writeDesired(target, plan, enforce || scale != null, stored, now)) return;
        leave(target, r.state(), m, mode, plan, dec.action() != Plan.Action.noop, now);
        if (dec.action() != Plan.Action.noop) {
            log.info("{} {}: {} -> {} ({})", target, dec.action(), dec.numbers().currentReplicas(), dec.targetReplicas(), dec.reason());
            bus.appendCapped(keys.eventsStream(), Map.of("type", "plan", "target", target, "json", Json.write(plan)), 10_000);
        }
        targetMeters.decided(target, dec, mode);
        decisionTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (!"off".equals(role)) askAdvisor(target, m, dec, cfg, r, now);
    }

    /**
     * What a decided window leaves in Redis: the plan published (null in mode off: none), the window in {@code last:}
     * and {@code history:}, and the state where it is due ({@link StateStore}; at once after a scale).
     */
    private void leave(String target, PolicyState s, LatencyMetrics m, String mode, Plan plan, boolean scaled, double now) {
        String advice = plan == null || plan.advice() == null ? null : Json.write(plan.advice());
        writes.write(new WindowWrites.Window(target, store.dueCore(target, s, now, scaled), Json.write(m), mode,
                plan == null ? null : Json.write(plan), advice, plan != null));
        store.saveRisesIfDue(target, s, now);
    }

    /** The shadows after this window, or null when they are off. */
    private Plan.Shadow shadow(String target, LatencyMetrics m, PolicyDecision dec, PolicyConfig cfg) {
        if (!settings.shadows()) return null;
        ShadowFleet fleet = shadows.computeIfAbsent(target, t -> new ShadowFleet(cfg.rates().targetUtilisation()));
        var n = dec.numbers();
        fleet.observe(m.ts(), m.rps(), n.currentReplicas(), n.capacityRps(), cfg.minReplicas(), cfg.maxReplicas());
        return fleet.snapshot();
    }

    /**
     * Where the planner owns {@code desired} (enforce mode, or an operator's manual scale), writes the plan's count
     * there under the planner lease's fencing token (a noop rewrites it only when it is missing). False when the lease
     * was lost: the plan must not be published as if it were applied.
     */
    private boolean writeDesired(String target, Plan plan, boolean owns, OptionalInt stored, double now) {
        if (!owns) return true;
        var d = plan.decision();
        if ((d.action() != Plan.Action.noop || stored.isEmpty())
                && !owners.writeFenced(target, keys.desired(target), "replicas", String.valueOf(d.targetReplicas()), "plan_id",
                        plan.id(), "ts", String.valueOf(now))) {
            log.warn("{}: lost the target's planner lease (owner now {}); plan {} not applied", target, owners.ownerSeen(target), plan.id());
            return false;
        }
        lastDesired.put(target, d.targetReplicas());
        return true;
    }

    /**
     * The count to plan from: {@code desired} (enforce) or the ready count, unless the registry is empty or the window
     * was measured while it was; then unknown (see {@link CurrentCount}).
     */
    private CurrentCount currentCount(String target, LatencyMetrics m, boolean enforce, OptionalInt stored,
                                      List<ReplicaSet.Replica> registry, double now) {
        OptionalInt desired = desired(target, stored, enforce);
        int ready = (int) registry.stream().filter(r -> r.state() == ReplicaSet.State.ready).count();
        double since = registry.isEmpty() ? unknownSince.computeIfAbsent(target, t -> now) : now;
        if (!registry.isEmpty()) unknownSince.remove(target);
        return CurrentCount.resolve(enforce, desired, !registry.isEmpty(), ready, m.replicas(), now - since,
                settings.unknownHoldSec());
    }

    /**
     * {@code desired:{target}}; when it is gone but this planner knows what it was, that (written back with the plan of
     * this window): after a Redis restart the registry is rebuilt one replica at a time, and a count read from it half
     * way once planned 5 for a fleet of 7.
     */
    private OptionalInt desired(String target, OptionalInt read, boolean enforce) {
        if (read.isPresent()) {
            lastDesired.put(target, read.getAsInt());
            return read;
        }
        Integer known = enforce ? lastDesired.get(target) : null;
        if (known == null) return read;
        restoredDesired.incrementAndGet();
        log.warn("{}: {} is gone (Redis restarted empty?); planning from the {} it said, and writing it back", target,
                keys.desired(target), known);
        return OptionalInt.of(known);
    }

    /**
     * A window whose current count is unknown: nothing is decided, learned or written to {@code desired}; a noop plan
     * says why, and the policy state is saved again (it is gone from Redis if Redis restarted empty).
     */
    private void hold(String target, LatencyMetrics m, PolicyState state, String mode, CurrentCount count,
                      OptionalInt stored, double now) {
        heldUnknown.incrementAndGet();
        store.saveWhole(target, state, now);
        String reason = "keep: current count unknown (" + count.unknownReason() + "); holding until the executor "
                + "re-registers its replicas";
        Plan plan = "off".equals(mode) ? null : PlanMessages.held(target, now, mode, m, stored.isPresent() ? stored.getAsInt() : null, reason);
        writes.write(new WindowWrites.Window(target, null, Json.write(m), mode, plan == null ? null : Json.write(plan), null, true));
        log.warn("{}: {}", target, reason);
    }

    private void refuseTarget(String target) {
        refusedTargets.incrementAndGet();
        long nowMs = System.currentTimeMillis();
        if (nowMs - lastRefusedLog >= 60_000) {
            lastRefusedLog = nowMs;
            log.warn("window for target {} dropped: the planner already keeps state for PLANNER_MAX_TARGETS={} targets "
                    + "(logged at most once a minute; see /health refused_targets)", target, settings.maxTargets());
        }
    }

    /** Starts an LLM call when the state changed or the heartbeat is due; returns at once. */
    private void askAdvisor(String target, LatencyMetrics m, PolicyDecision dec, PolicyConfig cfg, PolicyDecision.Result r, double now) {
        var windows = recent.computeIfAbsent(target, t -> new java.util.ArrayDeque<>());
        synchronized (windows) {
            windows.addLast(m);
            while (windows.size() > PROMPT_WINDOWS) windows.removeFirst();
        }
        advisor.afterWindow(target, m.rps(), dec, () -> {
            List<LatencyMetrics> shown;
            synchronized (windows) {
                shown = List.copyOf(windows);
            }
            return AdvicePrompt.request(target, shown, dec, cfg, r.state().guard(), now, llm);
        });
    }

    @Override
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("windows", windows.get());
        d.put("ignored", ignored.get());
        d.put("standby_windows", standbyWindows.get());
        d.put("held_unknown_count", heldUnknown.get());
        d.put("restored_desired", restoredDesired.get());
        d.put("refused_targets", refusedTargets.get());
        d.put("last_decision_ts", lastDecisionTs);
        d.put("targets", states.keySet());
        d.put("llm", llm.describe());
        d.put("lease", owners.health());
        return new OpsServer.Health(true, d);
    }

    @Override
    public void close() {
        // the state is written now and then (StateStore): the newest is left behind
        store.saveAll(states, System.currentTimeMillis() / 1000.0, owners::holds);
        owners.close();
        if (ownClient != null) ownClient.close();
        if (advisor != null) advisor.close();
    }
}
