package dev.autoscaler.planner;

import dev.autoscaler.common.bus.DesiredReplicas;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.planner.advisor.AdvicePrompt;
import dev.autoscaler.planner.advisor.LlmAdvisor;
import dev.autoscaler.planner.llm.LlmProviders;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.AdviceRules;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O around {@link ScalingPolicy}: one decision per {@code latency_metrics} window per target. Publishes
 * {@code plan} on {@code actions}; in enforce mode writes {@code desired:{target}} (what the executor reconciles
 * to); keeps the policy state in {@code planner:{target}} so a restart continues where it left off. With an LLM
 * configured, the {@link LlmAdvisor} is asked after the window (never waited for), and the advice it holds is judged
 * with the next windows: published beside the decision (advise) or applied where it passes the guardrails (decide).
 */
public final class PlannerService implements Service {
    private static final Logger log = LoggerFactory.getLogger(PlannerService.class);

    private final RedisBus bus;
    private final Keys keys;
    private final PolicyConfig baseConfig;
    private final String defaultMode;
    private final Map<String, PolicyState> states = new ConcurrentHashMap<>();
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer decisionTimer;
    private volatile double lastDecisionTs;
    private final LlmSettings llm;
    private final LlmAdvisor advisor;
    private final Map<String, java.util.Deque<LatencyMetrics>> recent = new ConcurrentHashMap<>();
    /** Windows the LLM is shown: 10 windows, half a minute at the default 3 s. */
    private static final int PROMPT_WINDOWS = 10;
    /** Windows kept per target in {@code history:{target}} (approximately): 100 minutes at the default 3 s. */
    static final long HISTORY_MAXLEN = 2_000;

    public PlannerService(ServiceContext ctx) {
        this.baseConfig = PolicyConfig.from(ctx.env());
        this.defaultMode = ctx.env().oneOf("PLANNER_MODE", "enforce", "enforce", "advise", "off");
        this.meters = ctx.meters();
        this.decisionTimer = Timer.builder("autoscaler_planner_decision_seconds").publishPercentiles(0.5, 0.99).register(meters);
        this.bus = ctx.bus();
        this.keys = bus.keys();
        this.llm = LlmSettings.from(ctx.env());
        this.advisor = LlmProviders.create(llm)
                .map(p -> new LlmAdvisor(llm, p, this::audit, meters, () -> System.currentTimeMillis() / 1000.0)).orElse(null);
        bus.subscribe(Channels.ALERTS, LatencyMetrics.class, this::onWindow);
        log.info("planner: mode {}, {} mode, replicas {}..{}; llm: {}", defaultMode,
                baseConfig.sloP95Ms() != null ? "SLO " + baseConfig.sloP95Ms() + " ms" : "baseline", baseConfig.minReplicas(),
                baseConfig.maxReplicas(), llm.describe());
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

    void onWindow(LatencyMetrics m) {
        if (!m.isLatencyMetrics()) {
            ignored.incrementAndGet();
            return;
        }
        long t0 = System.nanoTime();
        String target = m.target();
        var redis = bus.redis();
        TargetOverrides o = TargetOverrides.parse(target, redis.hgetall(keys.targetSettings(target)));
        String mode = o.mode() != null ? o.mode() : defaultMode;
        PolicyConfig cfg = o.apply(baseConfig);
        PolicyState state = states.computeIfAbsent(target, this::loadState);

        boolean enforce = "enforce".equals(mode);
        int current = m.replicas();
        // the count last planned, else (none, or unreadable) the ready count
        if (enforce) current = DesiredReplicas.read(bus, target).orElse(current);
        double now = System.currentTimeMillis() / 1000.0;
        String role = advisor == null ? "off" : o.llm() != null ? o.llm() : llm.role();
        // in mode off nothing is applied, so a manual scale waits in the hash until the mode changes
        Integer scale = "off".equals(mode) ? null : o.scale();
        LlmAdvisor.Held held = "off".equals(role) || scale != null ? null : advisor.held(target);
        AdviceRules.Advice offered = scale != null ? manual(target, scale, now) : held == null ? null : held.advice();
        ScalingPolicy policy = new ScalingPolicy(cfg);
        PolicyDecision.Result r = policy.decide(state, Window.of(m, current), now, offered, scale != null || "decide".equals(role));
        PolicyDecision dec = r.decision();
        states.put(target, r.state());
        redis.set(keys.plannerState(target), Json.write(r.state()));
        redis.sadd(keys.targetsSet(), target);
        windows.incrementAndGet();
        lastDecisionTs = now;

        if ("off".equals(mode)) {
            writeLast(target, m, null, mode);
            return;
        }
        String id = UUID.randomUUID().toString();
        var n = dec.numbers();
        Plan.Advice advice = held == null ? null : advisor.judged(target, held, r.advice(), role, current);
        Plan plan = new Plan(Plan.KIND, now, id, target, target,
                new Plan.Decision(dec.action(), target, dec.targetReplicas(), dec.reason(), dec.confidence(), dec.source(), mode),
                new Plan.Telemetry(n.p95Ms(), n.baselineMs(), n.sigmaMs(), n.lowWindows(), n.readyReplicas(), n.rps(),
                        n.capacityRps(), n.thresholdMs(), n.forecastRps(), n.recommendedReplicas(), n.thresholdSource(), n.loadRps(),
                        n.loadSource(), n.perReplicaRps(), n.rateBasis(), n.currentReplicas(), n.guardrail()), advice);
        boolean manual = scale != null;
        if ((enforce || manual) && (dec.action() != Plan.Action.noop || !redis.exists(keys.desired(target)).equals(1L))) {
            redis.hset(keys.desired(target), Map.of("replicas", String.valueOf(dec.targetReplicas()), "plan_id", id,
                    "ts", String.valueOf(now)));
        }
        bus.publish(Channels.ACTIONS, plan);
        writeLast(target, m, plan, mode);
        if (dec.action() != Plan.Action.noop) {
            log.info("{} {}: {} -> {} ({})", target, dec.action(), n.currentReplicas(), dec.targetReplicas(), dec.reason());
            bus.appendCapped(keys.eventsStream(), Map.of("type", "plan", "target", target, "json", Json.write(plan)), 10_000);
        }
        meters.counter("autoscaler_planner_decisions", "target", target, "action", dec.action().name()).increment();
        decisionTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (!"off".equals(role)) askAdvisor(target, m, dec, cfg, r, now);
    }

    /** Starts an LLM call when the state changed or the heartbeat is due; returns at once. */
    private void askAdvisor(String target, LatencyMetrics m, PolicyDecision dec, PolicyConfig cfg, PolicyDecision.Result r, double now) {
        var windows = recent.computeIfAbsent(target, t -> new java.util.ArrayDeque<>());
        synchronized (windows) {
            windows.addLast(m);
            while (windows.size() > PROMPT_WINDOWS) windows.removeFirst();
        }
        var key = LlmAdvisor.StateKey.of(m.rps(), dec.numbers().currentReplicas(), isBreach(dec));
        advisor.afterWindow(target, key, () -> {
            List<LatencyMetrics> shown;
            synchronized (windows) {
                shown = List.copyOf(windows);
            }
            return AdvicePrompt.request(target, shown, dec, cfg, r.state().guard(), now, llm);
        });
    }

    private static boolean isBreach(PolicyDecision dec) {
        var n = dec.numbers();
        return n.thresholdMs() != null && n.p95Ms() > n.thresholdMs();
    }

    private void writeLast(String target, LatencyMetrics m, Plan plan, String mode) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("window", Json.write(m));
        h.put("mode", mode);
        if (plan != null) h.put("plan", Json.write(plan));
        // kept apart from the plan, so status shows the last advice even after windows without one
        if (plan != null && plan.advice() != null) h.put("advice", Json.write(plan.advice()));
        bus.redis().hset(keys.last(target), h);
        appendHistory(target, h.get("window"), h.get("plan"));
    }

    /**
     * Every decided window, with its plan when one was published (not in mode off), so the dashboard can draw the
     * past it did not see live. History only: a failure is logged and the window's work goes on.
     */
    private void appendHistory(String target, String window, String plan) {
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("window", window);
        if (plan != null) entry.put("plan", plan);
        try {
            bus.appendCapped(keys.history(target), entry, HISTORY_MAXLEN);
        } catch (RuntimeException e) {
            log.warn("{}: window not appended to {} ({})", target, keys.history(target), e.getMessage());
        }
    }

    private PolicyState loadState(String target) {
        String json = bus.redis().get(keys.plannerState(target));
        if (json == null) return PolicyState.initial();
        try {
            PolicyState s = Json.read(json, PolicyState.class);
            log.info("{}: resumed planner state ({} healthy windows, capacity {})", target, s.healthy().size(), s.rates().capacityRps());
            return s;
        } catch (Json.MalformedMessageException e) {
            log.warn("{}: stored planner state unreadable ({}); starting fresh", target, e.getMessage());
            return PolicyState.initial();
        }
    }

    @Override
    public OpsServer.Health health() {
        return new OpsServer.Health(true, Map.of("windows", windows.get(), "ignored", ignored.get(),
                "last_decision_ts", lastDecisionTs, "targets", states.keySet(), "llm", llm.describe()));
    }

    @Override
    public void close() {
        // state is written after every decision; only calls in flight are left to stop
        if (advisor != null) advisor.close();
    }
}
